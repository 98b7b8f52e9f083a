"""Escalation cases: a safeguarding concern raised from a coaching relationship, taken by an
owner through the steps of its category's escalation path to closure.

Policy
------
* **Paths are configured, not coded** (`policy/escalation_paths.yaml`): per category, who owns
  a new case, who else may see it, and the steps with their due times. A case copies its steps
  when it is raised, so changing the file never rewrites an open case's duties.
* **Who sees a case**: its owner and the people and roles its path names. Nobody else — not
  the coach who raised it, not a sponsor, not a manager — sees anything but counts.
* **State machine**: `open` (raised, waiting for its owner) → `in_progress` (the owner took it
  on) → `closed` (every step done or marked not needed, with an outcome and a note). A closed
  case may be reopened with a reason (→ `in_progress`). Nothing is deleted.
* A step is overdue when it is not done and its due time has passed; the case is overdue while
  any of its steps is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from coachprog.glossary import LabelledEnum, labels

MAX_SUMMARY_CHARS = 4000
MAX_NOTE_CHARS = 4000
# Who owns a new case when the path says so: the coach's master coach (the flag's reviewer).
FLAG_REVIEWER = "flag_reviewer"


class CaseStatus(LabelledEnum):
    OPEN = "open", "Open, waiting for its owner"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


class CaseSource(StrEnum):
    FLAG = "flag"  # raised from a sensitive-topic flag on a transcript
    MANUAL = "manual"  # raised by hand by a coach or supervisor


class Outcome(LabelledEnum):
    # the concern was handled within the program
    RESOLVED = "resolved", "Resolved within the program"
    # passed to HR, EAP, legal or emergency services
    REFERRED = "referred", "Referred on (HR, employee assistance, legal or emergency services)"
    # looked into: nothing needed doing
    NO_ACTION = "no_action", "Looked into: no action needed"


OUTCOME_LABELS = labels(Outcome)
STATUS_LABELS = labels(CaseStatus)


@dataclass(frozen=True)
class StepSpec:
    key: str
    title: str
    due_hours: int


@dataclass(frozen=True)
class EscalationPath:
    category: str
    label: str
    owner: str  # FLAG_REVIEWER or an e-mail address
    fallback_owner: str  # an e-mail address
    visible_roles: frozenset[str]
    visible_people: frozenset[str]  # e-mail addresses, lower-case
    steps: tuple[StepSpec, ...]


@dataclass(frozen=True)
class PathBook:
    """Every category's path, as loaded from the file (`version` bumps on each change)."""

    version: int
    paths: tuple[EscalationPath, ...]

    def get(self, category: str) -> EscalationPath | None:
        return next((path for path in self.paths if path.category == category), None)

    def categories(self) -> tuple[str, ...]:
        return tuple(path.category for path in self.paths)

    def label(self, category: str) -> str:
        path = self.get(category)
        return path.label if path else category.replace("_", " ").capitalize()

    def categories_visible_to(self, roles: Collection[str], email: str) -> frozenset[str]:
        """The categories whose cases this person sees by being named in the path — the
        set a list query filters on (besides the cases they own)."""
        email = email.strip().lower()
        return frozenset(path.category for path in self.paths
                         if email in path.visible_people
                         or not path.visible_roles.isdisjoint(roles))


def may_see_case(*, user_id: int | None, roles: Collection[str], email: str,
                 owner_id: int | None, path: EscalationPath | None) -> bool:
    """The one rule: the owner, and the people and roles the category's path names."""
    if user_id is not None and owner_id == user_id:
        return True
    if path is None:
        return False
    return (email.strip().lower() in path.visible_people
            or not path.visible_roles.isdisjoint(roles))


@dataclass(frozen=True)
class PlannedStep:
    position: int
    key: str
    title: str
    due_at: datetime


def plan_steps(path: EscalationPath, raised_at: datetime) -> list[PlannedStep]:
    return [PlannedStep(index, step.key, step.title, raised_at + timedelta(hours=step.due_hours))
            for index, step in enumerate(path.steps)]


@dataclass(frozen=True)
class StepState:
    due_at: datetime
    done: bool


def is_overdue(step: StepState, now: datetime) -> bool:
    return not step.done and now > step.due_at


def case_overdue(steps: Iterable[StepState], now: datetime) -> bool:
    return any(is_overdue(step, now) for step in steps)


def summary_problems(summary: str) -> list[str]:
    text = summary.strip()
    if not text:
        return ["Say in a few words what happened and who may be at risk (no more than needed)."]
    if len(text) > MAX_SUMMARY_CHARS:
        return [f"At most {MAX_SUMMARY_CHARS} characters ({len(text)} given)."]
    return []


def note_problems(note: str, *, required: bool) -> list[str]:
    text = note.strip()
    if required and not text:
        return ["Write a short note: what was done or decided."]
    if len(text) > MAX_NOTE_CHARS:
        return [f"At most {MAX_NOTE_CHARS} characters ({len(text)} given)."]
    return []


def take_problems(status: str) -> list[str]:
    if status != CaseStatus.OPEN:
        return ["This case already has an owner working on it."]
    return []


def close_problems(status: str, steps: Sequence[StepState], outcome: str, note: str
                   ) -> dict[str, list[str]]:
    """Why a case may not be closed (by field; "" for the case as a whole): it must be in
    progress, with every step done, an outcome and a note."""
    problems: dict[str, list[str]] = {}
    if status == CaseStatus.CLOSED:
        problems[""] = ["This case is already closed."]
    elif status != CaseStatus.IN_PROGRESS:
        problems[""] = ["Take the case on before closing it."]
    undone = sum(1 for step in steps if not step.done)
    if undone:
        problems.setdefault("", []).append(
            f"{undone} step{'s are' if undone != 1 else ' is'} not done yet: mark each done or "
            "not needed, with a note, first.")
    if outcome not in {o.value for o in Outcome}:
        problems["outcome"] = ["Choose how the case ended."]
    note_issue = note_problems(note, required=True)
    if note_issue:
        problems["note"] = note_issue
    return problems


def reopen_problems(status: str, reason: str) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if status != CaseStatus.CLOSED:
        problems[""] = ["Only a closed case can be reopened."]
    issue = note_problems(reason, required=True)
    if issue:
        problems["reason"] = issue
    return problems


def next_status(status: str, action: str) -> CaseStatus:
    """The state machine: take (open → in progress), close (in progress → closed), reopen
    (closed → in progress). Anything else is refused with ValueError."""
    moves = {("open", "take"): CaseStatus.IN_PROGRESS,
             ("in_progress", "close"): CaseStatus.CLOSED,
             ("closed", "reopen"): CaseStatus.IN_PROGRESS}
    try:
        return moves[(status, action)]
    except KeyError:
        raise ValueError(f"cannot {action} a case that is {status}") from None
