"""Quality audits: pure rules shared by the audit areas (sampling, structure, the audits
themselves): quarters, outcomes, corrective action kinds, the blind pseudonym and the
coverage rule (at least `MIN_PERCENT` of active coaches audited per quarter)."""

from __future__ import annotations

import re
from datetime import date

MIN_PERCENT = 20.0
AUDIT_RUBRIC = "audit"  # the rubric key audits are scored on and auditors calibrate for

OUTCOMES: dict[str, str] = {
    "meets_standard": "Meets standard",
    "needs_development": "Needs development",
    "serious_concern": "Serious concern",
}
ACTION_KINDS: dict[str, str] = {
    "retraining": "Retraining",
    "extra_supervision": "Extra supervision",
    "other": "Other",
}
ACTION_STATUSES = ("open", "done", "cancelled")

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


# --- quarters ----------------------------------------------------------------------------------


def parse_quarter(text: str) -> tuple[int, int]:
    """"2026Q4" -> (2026, 4); ValueError with a message a user can act on."""
    match = _QUARTER.match(text.strip().upper())
    if not match:
        raise ValueError(f"{text!r} is not a quarter; write it like 2026Q4")
    return int(match.group(1)), int(match.group(2))


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First day of the quarter and first day of the next one."""
    year, q = parse_quarter(quarter)
    start = date(year, 3 * (q - 1) + 1, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, end


def previous_quarters(quarter: str, count: int) -> list[str]:
    year, q = parse_quarter(quarter)
    found: list[str] = []
    for _ in range(count):
        q -= 1
        if q == 0:
            year, q = year - 1, 4
        found.append(f"{year}Q{q}")
    return found


def pseudonym(audit_id: int) -> str:
    """What the auditor sees instead of the coach's name."""
    return f"Coach A-{audit_id:04d}"


def action_overdue(status: str, due: date, today: date) -> bool:
    return status == "open" and due < today


def coverage_breach(*, audited: int, population: int, quarter_over: bool) -> bool:
    """Below 20 % of the active coaches audited by quarter end."""
    if not quarter_over or population == 0:
        return False
    return audited * 100 < MIN_PERCENT * population
