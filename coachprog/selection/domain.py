"""Selection sprints: how the program chooses its internal coaches, as pure rules shared by
the sub-packages (`sprints`, `candidates`, `entries`, `panel`, `appointment`, `impact`).

A selection sprint is a fixed-length cohort run by L&D: people enter by manager nomination or
open application, move through fixed stages, and a three-person calibration panel appoints.
Policy implemented here (the services load the facts, these functions decide):

- Stage calendar: the blueprint's defaults (`STAGE_DEFAULTS`) laid out day by day from the
  sprint's start (`plan_calendar`); a stage is late when its last day has passed and it is not
  complete (`late_stages`). Calendar rules work on plain `date`s: deadlines are calendar days in
  the program's time zone, so the caller turns its clock into today's local date
  (e.g. `clock().astimezone(tz).date()`) and passes it in — no rule reads the clock itself.
- Candidate stages: `nominated → applied → interview → simulations → supervised_practice →
  panel → appointed`; `rejected` and `withdrawn` are reachable, with a reason, from every stage
  that is not final; `appointed`, `rejected` and `withdrawn` are final. `nominated` means the
  person was nominated and invited but is not yet a candidate: accepting the invitation is what
  moves them to `applied` (declining is a withdrawal). An open applicant starts at `applied`.
- Evidence: what the guards read of assessments and coached hours (the guards themselves are
  `selection/candidates/domain.py`).
- Funnel: counts per stage and conversion between consecutive stages (`funnel`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from coachprog.assessments.domain import AssessmentStatus
from coachprog.glossary import LabelledEnum, labels


class SprintStage(StrEnum):
    """The blocks of a sprint's timeline (what the sprint page shows as the calendar)."""

    NOMINATION_APPLICATION = "nomination_application"
    INTERVIEW = "interview"
    SIMULATIONS = "simulations"
    SUPERVISED_PRACTICE = "supervised_practice"
    CALIBRATION_APPOINTMENT = "calibration_appointment"


@dataclass(frozen=True)
class StageDefault:
    """The blueprint's default for one calendar stage.

    `days` is the default length in calendar days; `min_days`/`max_days` bound what an admin may
    set instead; `effort` says in words what the blueprint asks of the stage."""

    stage: SprintStage
    label: str
    days: int
    min_days: int
    max_days: int
    effort: str


# From the program blueprint. The interview and simulation stages are given as effort, not
# length: the calendar reserves a week for the interviews (1 h each, spread over the panel's
# diaries) and one day for the half-day cohort session. Supervised practice defaults to the
# upper bound, 6 weeks, so that 8–12 coached hours fit at about 2 hours a week; it may be
# shortened to the blueprint's 4 weeks but no further, nor stretched past 6.
STAGE_DEFAULTS: tuple[StageDefault, ...] = (
    StageDefault(SprintStage.NOMINATION_APPLICATION, "Nomination & application", 7, 1, 28,
                 "1 week"),
    StageDefault(SprintStage.INTERVIEW, "Behavioural interview", 7, 1, 28,
                 "1 hour per candidate"),
    StageDefault(SprintStage.SIMULATIONS, "Assessment simulations", 1, 1, 7,
                 "one half-day cohort session"),
    StageDefault(SprintStage.SUPERVISED_PRACTICE, "Shadowing & supervised practice", 42, 28, 42,
                 "4–6 weeks with 8–12 coached hours"),
    StageDefault(SprintStage.CALIBRATION_APPOINTMENT, "Calibration & appointment", 7, 1, 28,
                 "1 week"),
)


INTERVIEW_HOURS_PER_CANDIDATE = 1


def interview_hours(candidates: int) -> int:
    """Interview time the sprint needs: 1 hour per candidate (blueprint)."""
    if candidates < 0:
        raise ValueError("the number of candidates cannot be negative")
    return candidates * INTERVIEW_HOURS_PER_CANDIDATE


@dataclass(frozen=True)
class StageWindow:
    """One stage on the calendar: `start` and `end` are both days of the stage (inclusive)."""

    stage: SprintStage
    label: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class InvalidCalendar(ValueError):  # noqa: N818 - reads as the domain says it
    """An override names no stage or sets a length outside what the blueprint allows."""


def calendar_problems(overrides: Mapping[SprintStage, int]) -> list[str]:
    """Problems with stage-length overrides (stage → days), in words an admin can act on."""
    problems: list[str] = []
    defaults = {d.stage: d for d in STAGE_DEFAULTS}
    for stage, days in overrides.items():
        default = defaults[SprintStage(stage)]  # an unknown stage name raises ValueError
        if not default.min_days <= days <= default.max_days:
            problems.append(f"{default.label}: {days} days is outside the allowed "
                            f"{default.min_days}–{default.max_days} days ({default.effort}).")
    return problems


def plan_calendar(start: date, overrides: Mapping[SprintStage, int] | None = None,
                  ) -> tuple[StageWindow, ...]:
    """Each stage's first and last day, back to back from `start`, in blueprint order.

    A stage starts the day after the previous one ends. `overrides` replaces default lengths
    (in days); InvalidCalendar lists every override outside its bounds."""
    if isinstance(start, datetime):
        # A datetime is a date subclass; a timestamp here would hide a time-zone decision.
        raise TypeError("plan_calendar takes a date; convert the timestamp to a local date")
    overrides = dict(overrides or {})
    problems = calendar_problems(overrides)
    if problems:
        raise InvalidCalendar(" ".join(problems))
    windows: list[StageWindow] = []
    day = start
    for default in STAGE_DEFAULTS:
        length = overrides.get(default.stage, default.days)
        end = day + timedelta(days=length - 1)
        windows.append(StageWindow(default.stage, default.label, day, end))
        day = end + timedelta(days=1)
    return tuple(windows)


@dataclass(frozen=True)
class LateStage:
    stage: SprintStage
    label: str
    end: date
    days_late: int

    @property
    def message(self) -> str:
        days = "1 day" if self.days_late == 1 else f"{self.days_late} days"
        return f"{self.label} should have finished on {self.end.isoformat()} ({days} late)."


def late_stages(calendar: Sequence[StageWindow], today: date,
                completed: Mapping[SprintStage, bool]) -> list[LateStage]:
    """Stages whose last day is before `today` and that are not marked complete.

    The last day itself is still on time. A stage missing from `completed` counts as not
    complete: silence must never hide lateness."""
    if isinstance(today, datetime):
        raise TypeError("late_stages takes today's local date, not a timestamp")
    return [LateStage(w.stage, w.label, w.end, (today - w.end).days)
            for w in calendar
            if today > w.end and not completed.get(w.stage, False)]


class CandidateStage(LabelledEnum):
    # nominated and invited; not a candidate until they accept
    NOMINATED = "nominated", "Nominated (invited)"
    # a candidate: open application, or an accepted nomination
    APPLIED = "applied", "Applied"
    INTERVIEW = "interview", "Interview"
    SIMULATIONS = "simulations", "Simulations"
    SUPERVISED_PRACTICE = "supervised_practice", "Supervised practice"
    PANEL = "panel", "Calibration panel"
    APPOINTED = "appointed", "Appointed"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


STAGE_LABELS: Mapping[CandidateStage, str] = labels(CandidateStage)


# The forward path, in order: each stage's only forward move is to the next one.
PIPELINE: tuple[CandidateStage, ...] = (
    CandidateStage.NOMINATED,
    CandidateStage.APPLIED,
    CandidateStage.INTERVIEW,
    CandidateStage.SIMULATIONS,
    CandidateStage.SUPERVISED_PRACTICE,
    CandidateStage.PANEL,
    CandidateStage.APPOINTED,
)


FINAL_STAGES: frozenset[CandidateStage] = frozenset(
    {CandidateStage.APPOINTED, CandidateStage.REJECTED, CandidateStage.WITHDRAWN})


EXITS: frozenset[CandidateStage] = frozenset({CandidateStage.REJECTED, CandidateStage.WITHDRAWN})


# Where each board column sits on the sprint calendar.
CALENDAR_STAGE: Mapping[CandidateStage, SprintStage] = {
    CandidateStage.NOMINATED: SprintStage.NOMINATION_APPLICATION,
    CandidateStage.APPLIED: SprintStage.NOMINATION_APPLICATION,
    CandidateStage.INTERVIEW: SprintStage.INTERVIEW,
    CandidateStage.SIMULATIONS: SprintStage.SIMULATIONS,
    CandidateStage.SUPERVISED_PRACTICE: SprintStage.SUPERVISED_PRACTICE,
    CandidateStage.PANEL: SprintStage.CALIBRATION_APPOINTMENT,
}


def _build_transitions() -> dict[CandidateStage, frozenset[CandidateStage]]:
    moves: dict[CandidateStage, frozenset[CandidateStage]] = {}
    for index, stage in enumerate(PIPELINE):
        if stage in FINAL_STAGES:
            continue
        moves[stage] = frozenset({PIPELINE[index + 1], *EXITS})
    for stage in FINAL_STAGES:
        moves[stage] = frozenset()
    return moves


TRANSITIONS: Mapping[CandidateStage, frozenset[CandidateStage]] = _build_transitions()


def is_final(stage: CandidateStage | str) -> bool:
    return CandidateStage(stage) in FINAL_STAGES


def is_candidate(stage: CandidateStage | str) -> bool:
    """Whether the person is a candidate: a nominee becomes one only by accepting."""
    return CandidateStage(stage) is not CandidateStage.NOMINATED


def allowed_targets(stage: CandidateStage | str) -> frozenset[CandidateStage]:
    return TRANSITIONS[CandidateStage(stage)]


INTERVIEW_RUBRIC_ID = "interview"


# The two simulation rubrics and how pages name them; both are needed (blueprint: two
# scenarios, performance and transition/identity).
SIMULATION_RUBRICS: Mapping[str, str] = {
    "simulation-performance": "performance scenario",
    "simulation-transition": "transition/identity scenario",
}


# Supervised practice: 8–12 coached hours. The guard is the lower bound on *verified* hours;
# hours above 12 are not refused (more supervised practice never harms a candidate), the upper
# bound is the planning target shown on the page.
MIN_COACHED_HOURS = 8.0
TARGET_COACHED_HOURS = 12.0
MIN_REVIEWED_SESSIONS = 1


@dataclass(frozen=True)
class AssessmentEvidence:
    """What the service knows about one assessment attached to a candidate.

    `passed` is the agreed result (None while the assessment is not closed);
    `raters_calibrated` is True when every rater was calibrated for the rubric when scoring;
    `unmet_non_negotiables` lists the descriptions of non-negotiables the result did not meet
    (e.g. the coach reverted to telling)."""

    rubric_id: str
    status: AssessmentStatus
    passed: bool | None
    raters_calibrated: bool
    failed_rules: tuple[str, ...] = ()
    unmet_non_negotiables: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoachedHours:
    """One log entry of coached hours in supervised practice; `verified_by` is the supervisor's
    person id once they verified it (unverified hours do not count)."""

    hours: float
    verified_by: int | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.hours) or self.hours <= 0:
            raise ValueError("coached hours must be a positive number")


@dataclass(frozen=True)
class FunnelRow:
    stage: CandidateStage
    label: str
    count: int  # people who reached this stage (or went further)
    conversion: float | None  # count / previous row's count; None for the first row or from 0


# Open applicants start at `applied`, so the first row counts everyone who entered the sprint.
FUNNEL_FIRST_LABEL = "Entered (nominated or applied)"


def funnel(furthest: Iterable[tuple[int, CandidateStage | str]]) -> tuple[FunnelRow, ...]:
    """Counts per pipeline stage and conversion between consecutive stages.

    `furthest` gives each entry's furthest pipeline stage reached (for someone rejected or
    withdrawn, the stage they left from). A person counts at every stage up to their furthest,
    so counts never increase along the funnel. A person listed twice counts once, at their
    furthest stage."""
    reached: dict[int, int] = {}
    for person, stage in furthest:
        value = CandidateStage(stage)
        if value not in PIPELINE:
            raise ValueError(f"{value.value} is not a stage reached; give the stage the person "
                             f"left from")
        reached[person] = max(reached.get(person, 0), PIPELINE.index(value))
    counts: dict[CandidateStage, int] = {}
    for index in reached.values():
        counts[PIPELINE[index]] = counts.get(PIPELINE[index], 0) + 1
    return funnel_of_counts(counts)


def funnel_of_counts(reached: Mapping[CandidateStage, int]) -> tuple[FunnelRow, ...]:
    """The funnel from how many people got furthest to each stage; a count at a stage outside
    the pipeline (rejected, withdrawn) is refused unless it is zero."""
    for stage, count in reached.items():
        if count and stage not in PIPELINE:
            raise ValueError(f"{stage.value} is not a stage reached; give the stage the person "
                             f"left from")
    rows: list[FunnelRow] = []
    previous: int | None = None
    for index, stage in enumerate(PIPELINE):
        count = sum(reached.get(later, 0) for later in PIPELINE[index:])
        conversion = None if not previous else count / previous
        label = FUNNEL_FIRST_LABEL if index == 0 else STAGE_LABELS[stage]
        rows.append(FunnelRow(stage, label, count, conversion))
        previous = count
    return tuple(rows)
