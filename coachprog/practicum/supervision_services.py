"""Practicum supervision services: queue, feedback deadlines, 1:1s, triads, capstone, gates.
Services flush; the caller commits.

Contract used by other domains (keep these names and shapes):
- `final_review(person_id)` — the latest final observed review decision, or None;
- `capstone_passed(person_id)` — whether the coach's latest capstone brief passed.
Certification reads both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class GateResult:
    gate: str  # "midpoint" | "final"
    passed: bool
    decided_at: datetime
    decided_by_name: str
    url: str  # the gate page, for evidence links


def final_review(person_id: int) -> GateResult | None:
    raise NotImplementedError  # practicum supervision (issue 6) fills this in


def capstone_passed(person_id: int) -> bool:
    raise NotImplementedError  # practicum supervision (issue 6) fills this in
