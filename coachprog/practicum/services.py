"""Practicum ledger services: enrolment, entries, verification, progress. Services flush; the
caller commits.

Contract used by other domains (keep these names and shapes):
- `hours_summary(person_id, since=None)` — verified hours only; certification and
  recertification read it.
- `entries_to_verify(actor)` — the supervisor queue (practicum supervision) lists these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class HoursSummary:
    """Verified hours of one coach. Lab hours are reflective labs plus peer triads/debriefs;
    development hours are supervision plus mentor coaching (continuing development)."""

    coached_hours: float
    lab_hours: float
    development_hours: float
    unique_coachees: int
    coached_target_met: bool
    lab_target_met: bool


def hours_summary(person_id: int, *, since: date | None = None) -> HoursSummary:
    """Verified hours of this coach, from `since` (a recertification cycle) when given."""
    raise NotImplementedError  # practicum ledger (issue 6) fills this in


def entries_to_verify(actor: Any) -> list[Any]:
    """Ledger entries awaiting this supervisor's verification, oldest first."""
    raise NotImplementedError  # practicum ledger (issue 6) fills this in
