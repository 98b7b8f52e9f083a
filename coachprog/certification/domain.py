"""Certification levels and recertification clocks: pure rules.

Policy (issue 8):
- Coaches progress Coach in Training → Certified Internal Coach → Senior Coach. Each level has
  criteria (rubrics/levels.yaml); each criterion names an evidence query whose answer is a
  measurement (a yes/no or a number). A criterion is met when the measurement is yes, or at
  least its minimum; evidence that could not be read counts as unmet, never as met.
- A decision needs two people: a master coach and an admin, two different people, neither of
  them the coach being certified. It is refused while any criterion is unmet unless an admin
  overrides with a recorded reason (flagged in reports and the audit log).
- A certification is due for recertification 12–18 months (configurable, default 12) after it
  was issued or last renewed. Reminders go 60, 30 and 7 days before the due date; past the due
  date without recertification it lapses.

Only the standard library: `tests/test_architecture.py` and `mypy --strict` hold this file to it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Level(StrEnum):
    CERTIFIED_INTERNAL_COACH = "certified_internal_coach"
    SENIOR_COACH = "senior_coach"


LEVEL_NAMES: dict[str, str] = {
    Level.CERTIFIED_INTERNAL_COACH.value: "Certified Internal Coach",
    Level.SENIOR_COACH.value: "Senior Coach",
}


class CertStatus(StrEnum):
    ACTIVE = "active"
    LAPSED = "lapsed"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class DisplayStatus(StrEnum):
    """What the verify page and certificate lists say."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    LAPSED = "lapsed"


class DecisionKind(StrEnum):
    CERTIFICATION = "certification"
    RECERTIFICATION = "recertification"


class DecisionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


class ApproverRole(StrEnum):
    MASTER_COACH = "master_coach"
    ADMIN = "admin"


class ClockState(StrEnum):
    CURRENT = "current"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


MIN_CYCLE_MONTHS = 12
MAX_CYCLE_MONTHS = 18
DEFAULT_CYCLE_MONTHS = 12
DEFAULT_REMINDER_DAYS: tuple[int, ...] = (60, 30, 7)
MIN_OVERRIDE_REASON = 10  # characters: a reason, not a tick


# --- criteria --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSpec:
    """One criterion of a level: `evidence` names the evidence query; numeric measurements
    must reach `minimum`; `params` go to the query (e.g. how many recent audits)."""

    key: str
    label: str
    evidence: str
    minimum: float | None = None
    params: Mapping[str, int | float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class LevelSpec:
    id: str
    name: str
    criteria: tuple[CriterionSpec, ...]
    requires: str | None = None  # the level a coach must hold first


@dataclass(frozen=True)
class RecertificationSpec:
    cycle_months: int
    reminder_days: tuple[int, ...]
    rubric: str
    criteria: tuple[CriterionSpec, ...]


@dataclass(frozen=True)
class LevelsPolicy:
    version: int
    levels: tuple[LevelSpec, ...]
    recertification: RecertificationSpec

    def level(self, level_id: str) -> LevelSpec:
        for spec in self.levels:
            if spec.id == level_id:
                return spec
        raise KeyError(level_id)


@dataclass(frozen=True)
class Measurement:
    """What an evidence query found. `value` None: the evidence is not available (the domain
    that keeps it cannot answer yet), which never meets a criterion."""

    value: bool | float | None
    detail: str = ""
    url: str | None = None


@dataclass(frozen=True)
class CriterionResult:
    key: str
    label: str
    met: bool
    available: bool
    detail: str
    evidence_url: str | None

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "label": self.label, "met": self.met,
                "available": self.available, "detail": self.detail,
                "evidence_url": self.evidence_url}


@dataclass(frozen=True)
class Evaluation:
    results: tuple[CriterionResult, ...]

    @property
    def all_met(self) -> bool:
        return all(r.met for r in self.results)

    @property
    def unmet(self) -> tuple[CriterionResult, ...]:
        return tuple(r for r in self.results if not r.met)

    def snapshot(self) -> list[dict[str, object]]:
        return [r.as_dict() for r in self.results]


def is_met(spec: CriterionSpec, measurement: Measurement) -> bool:
    value = measurement.value
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if spec.minimum is None:
        return value > 0
    return value >= spec.minimum


def evaluate(criteria: Sequence[CriterionSpec],
             measurements: Mapping[str, Measurement]) -> Evaluation:
    """Each criterion met or not, from the measurements keyed by criterion key. A criterion
    without a measurement is reported as evidence not available."""
    results = []
    for spec in criteria:
        m = measurements.get(spec.key, Measurement(None, "Evidence not available."))
        detail = m.detail or ("Evidence not available." if m.value is None else "")
        results.append(CriterionResult(key=spec.key, label=spec.label, met=is_met(spec, m),
                                       available=m.value is not None, detail=detail,
                                       evidence_url=m.url))
    return Evaluation(tuple(results))


def audits_meet_standard(outcomes: Sequence[str], required: int) -> bool:
    """The last `required` decided audits all met the standard (fewer audits than that: not
    yet shown)."""
    return required > 0 and len(outcomes) >= required and all(
        o == "meets_standard" for o in outcomes[:required])


def whole_months_between(start: date, end: date) -> int:
    """Completed calendar months from `start` to `end` (0 when end is before start)."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day and not _is_month_end_clamp(start, end):
        months -= 1
    return max(months, 0)


def _is_month_end_clamp(start: date, end: date) -> bool:
    # 31 January + 1 month is 28/29 February: reaching the last day of a shorter month counts.
    return end.day == calendar.monthrange(end.year, end.month)[1] and start.day > end.day


# --- clocks ----------------------------------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def check_cycle_months(months: int) -> int:
    if not MIN_CYCLE_MONTHS <= months <= MAX_CYCLE_MONTHS:
        raise ValueError(f"The recertification cycle is {MIN_CYCLE_MONTHS}–{MAX_CYCLE_MONTHS} "
                         f"months, not {months}.")
    return months


def due_date(start: date, cycle_months: int = DEFAULT_CYCLE_MONTHS) -> date:
    """When a certification issued or renewed on `start` is due for recertification."""
    return add_months(start, check_cycle_months(cycle_months))


def renewed_due_date(previous_due: date, renewed_on: date,
                     cycle_months: int = DEFAULT_CYCLE_MONTHS) -> date:
    """A renewal starts the next cycle at the old due date when renewed early (early renewal
    loses no time), at the renewal date when renewed late (a lapsed coach reinstated)."""
    return due_date(max(previous_due, renewed_on), cycle_months)


def days_left(valid_until: date, today: date) -> int:
    return (valid_until - today).days


def clock_state(valid_until: date, today: date,
                reminder_days: Iterable[int] = DEFAULT_REMINDER_DAYS) -> ClockState:
    left = days_left(valid_until, today)
    if left < 0:
        return ClockState.OVERDUE
    if left <= max(reminder_days, default=0):
        return ClockState.DUE_SOON
    return ClockState.CURRENT


def reminders_due(valid_until: date, today: date, already_sent: Iterable[int],
                  reminder_days: Iterable[int] = DEFAULT_REMINDER_DAYS) -> tuple[int, ...]:
    """The reminder thresholds reached and not yet sent, largest first. A tick that missed days
    reports every threshold passed since (the service sends one message and logs them all), so
    nothing is ever sent twice and a late tick does not send a stale '60 days' notice after the
    '30 days' one. Nothing once the due date has passed (the lapse notice takes over)."""
    left = days_left(valid_until, today)
    if left < 0:
        return ()
    sent = set(already_sent)
    return tuple(sorted((d for d in set(reminder_days) if left <= d and d not in sent),
                        reverse=True))


def next_status(status: str, valid_until: date, today: date) -> str:
    """The tick's move: an active certification past its due date lapses. Revoked and
    superseded certifications never move; a lapsed one comes back only by a decision."""
    if status == CertStatus.ACTIVE.value and today > valid_until:
        return CertStatus.LAPSED.value
    return status


def display_status(status: str, valid_until: date, today: date) -> DisplayStatus:
    """Revoked and lapsed say so. An active certification past its due date is lapsed by policy
    even before the daily tick has recorded it. A superseded one (replaced by a higher level)
    is expired: it is no longer the credential being maintained."""
    if status == CertStatus.REVOKED.value:
        return DisplayStatus.REVOKED
    if status == CertStatus.LAPSED.value:
        return DisplayStatus.LAPSED
    if status == CertStatus.SUPERSEDED.value:
        return DisplayStatus.EXPIRED
    if today > valid_until:
        return DisplayStatus.LAPSED
    return DisplayStatus.VALID


# --- two-person rule and override ------------------------------------------------------------


@dataclass(frozen=True)
class Approvals:
    master_coach_user_id: int | None = None
    admin_user_id: int | None = None

    @property
    def complete(self) -> bool:
        return (self.master_coach_user_id is not None and self.admin_user_id is not None
                and self.master_coach_user_id != self.admin_user_id)


def approval_problems(approvals: Approvals, *, actor_user_id: int,
                      actor_roles: Iterable[str], capacity: ApproverRole,
                      subject_user_id: int | None) -> list[str]:
    """Why this person may not give this approval now (empty: they may). The two approvals
    must come from two different people, and nobody approves their own certification."""
    roles = set(actor_roles)
    problems: list[str] = []
    if subject_user_id is not None and actor_user_id == subject_user_id:
        problems.append("Nobody approves their own certification.")
    if capacity.value not in roles:
        who = "a master coach" if capacity is ApproverRole.MASTER_COACH else "an admin"
        problems.append(f"This approval is given by {who}.")
    own = (approvals.master_coach_user_id if capacity is ApproverRole.MASTER_COACH
           else approvals.admin_user_id)
    other = (approvals.admin_user_id if capacity is ApproverRole.MASTER_COACH
             else approvals.master_coach_user_id)
    if own is not None:
        problems.append("This approval has already been given.")
    if other is not None and other == actor_user_id:
        problems.append("The two approvals come from two different people: you have given "
                        "the other one.")
    return problems


def override_problems(*, actor_roles: Iterable[str], reason: str) -> list[str]:
    problems: list[str] = []
    if ApproverRole.ADMIN.value not in set(actor_roles):
        problems.append("Only an admin may override unmet criteria.")
    if len(reason.strip()) < MIN_OVERRIDE_REASON:
        problems.append(f"An override needs a reason of at least {MIN_OVERRIDE_REASON} "
                        f"characters.")
    return problems


def completion_problems(evaluation: Evaluation, *, override: bool,
                        override_reason: str | None) -> list[str]:
    """Why a decision with both approvals may not be completed: unmet criteria without an
    admin override carrying a reason."""
    if evaluation.all_met:
        return []
    if override and override_reason and len(override_reason.strip()) >= MIN_OVERRIDE_REASON:
        return []
    return [f"Not met: {r.label}." for r in evaluation.unmet]


def level_entry_problems(level: LevelSpec, held_levels: Iterable[str]) -> list[str]:
    """A level is decided only for someone holding the level below it (active), and not for
    someone who already holds it."""
    held = set(held_levels)
    problems: list[str] = []
    if level.id in held:
        problems.append(f"Already holds {level.name}.")
    if level.requires is not None and level.requires not in held:
        problems.append(f"{level.name} requires an active "
                        f"{LEVEL_NAMES.get(level.requires, level.requires)} certification.")
    return problems
