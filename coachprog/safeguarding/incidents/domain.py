"""Privacy incidents and adverse effects: what went wrong, how serious it was, the follow-up
and its closure.

Business concept: a *privacy incident* is personal data of the program reaching someone it
should not, or being lost or kept too long (a transcript shared, an export mislaid); an
*adverse effect* is harm to someone from taking part in coaching (distress after a session, a
coachee's manager learning what was said). Both are recorded with a severity, an owner's
follow-up and a due date, and closed with a note; the program scorecard counts them.

Policy: severity is one of four levels; a high or critical record needs its follow-up written
when it is recorded (the owner must know what happens next); closure needs a note. Records are
never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coachprog.glossary import LabelledEnum, labels

MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 4000


class IncidentKind(LabelledEnum):
    PRIVACY = "privacy_incident", "Privacy incident"
    ADVERSE_EFFECT = "adverse_effect", "Adverse effect"


class Severity(LabelledEnum):
    LOW = "low", "Low: no one was harmed or exposed"
    MEDIUM = "medium", "Medium: limited exposure or short-lived harm"
    HIGH = "high", "High: real exposure or harm, needs action this week"
    CRITICAL = "critical", "Critical: serious harm, or data a regulator must hear about"


KIND_LABELS = labels(IncidentKind)
SEVERITY_LABELS = labels(Severity)
NEEDS_FOLLOW_UP_NOW = frozenset({Severity.HIGH, Severity.CRITICAL})


@dataclass(frozen=True)
class IncidentInput:
    kind: str
    severity: str
    title: str
    description: str
    occurred_on: date | None
    follow_up: str
    follow_up_due: date | None


def record_problems(entry: IncidentInput, today: date) -> dict[str, list[str]]:
    """Problems per field, in words; empty when the record may be saved."""
    problems: dict[str, list[str]] = {}
    if entry.kind not in {k.value for k in IncidentKind}:
        problems["kind"] = ["Choose whether it is a privacy incident or an adverse effect."]
    if entry.severity not in {s.value for s in Severity}:
        problems["severity"] = ["Choose how serious it is."]
    title = entry.title.strip()
    if not title:
        problems["title"] = ["Give it a short title (no names)."]
    elif len(title) > MAX_TITLE_CHARS:
        problems["title"] = [f"At most {MAX_TITLE_CHARS} characters ({len(title)} given)."]
    if not entry.description.strip():
        problems["description"] = ["Say what happened."]
    elif len(entry.description.strip()) > MAX_TEXT_CHARS:
        problems["description"] = [f"At most {MAX_TEXT_CHARS} characters."]
    if entry.occurred_on is None:
        problems["occurred_on"] = ["Give the day it happened (or was found), as YYYY-MM-DD."]
    elif entry.occurred_on > today:
        problems["occurred_on"] = ["The day it happened cannot be in the future."]
    if entry.severity in NEEDS_FOLLOW_UP_NOW and not entry.follow_up.strip():
        problems["follow_up"] = ["A high or critical record needs its follow-up now: what "
                                 "happens next, and who does it."]
    elif len(entry.follow_up.strip()) > MAX_TEXT_CHARS:
        problems["follow_up"] = [f"At most {MAX_TEXT_CHARS} characters."]
    if entry.follow_up_due is not None and entry.occurred_on is not None \
            and entry.follow_up_due < entry.occurred_on:
        problems["follow_up_due"] = ["The follow-up cannot be due before the day it happened."]
    if entry.severity in NEEDS_FOLLOW_UP_NOW and entry.follow_up_due is None:
        problems.setdefault("follow_up_due", []).append(
            "A high or critical record needs a due date for its follow-up.")
    return problems


def close_problems(status: str, note: str) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if status == "closed":
        problems[""] = ["This record is already closed."]
    if not note.strip():
        problems["note"] = ["Write what was done and why it can be closed."]
    elif len(note.strip()) > MAX_TEXT_CHARS:
        problems["note"] = [f"At most {MAX_TEXT_CHARS} characters."]
    return problems


def is_overdue(status: str, follow_up_due: date | None, today: date) -> bool:
    return status != "closed" and follow_up_due is not None and today > follow_up_due
