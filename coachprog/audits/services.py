"""Audit services: supervision structure, quarterly sampling, assignment, audits, corrective
actions, coverage. Services flush; the caller commits.

Contract used by other domains (keep these names and shapes):
- `audit_outcomes(person_id, limit)` — the coach's most recent decided audits, newest first;
  certification (Senior Coach, recertification) reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditOutcome:
    outcome: str  # "meets_standard" | "needs_development" | "serious_concern"
    decided_at: datetime
    quarter: str  # e.g. "2026Q4"
    url: str


def audit_outcomes(person_id: int, *, limit: int) -> list[AuditOutcome]:
    raise NotImplementedError  # audits (issue 7) fills this in
