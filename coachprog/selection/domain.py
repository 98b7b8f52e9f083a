"""Selection sprints: how the program chooses its internal coaches, as pure rules.

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
- Guards (`advance`): moving on from a stage needs that stage's evidence, given as a plain
  `StageEvidence` the service fills in. A failed assessment never advances anyone: the refusal
  says so, and a person then rejects the candidate with a reason.
- Entry rules: one entry per person per sprint, a nominator must manage the nominee directly or
  indirectly and say why, an open application fits on one page (150–600 words).
- Appointment paperwork: a signed time-allocation agreement (10–20 % protected time, the
  non-evaluator clause accepted), a consent template version and a role profile must all exist
  before any coaching engagement (`missing_paperwork`).
- Matching: a coach never coaches someone in their management chain (either way), someone they
  evaluate (or who evaluates them), or beyond their protected-time capacity (`match_problems`).
- Funnel: counts per stage and conversion between consecutive stages (`funnel`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from coachprog.assessments.domain import AssessmentStatus

# --- stage calendar ---------------------------------------------------------------------------


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


# --- candidate stages ---------------------------------------------------------------------------


class CandidateStage(StrEnum):
    NOMINATED = "nominated"  # nominated and invited; not a candidate until they accept
    APPLIED = "applied"  # a candidate: open application, or an accepted nomination
    INTERVIEW = "interview"
    SIMULATIONS = "simulations"
    SUPERVISED_PRACTICE = "supervised_practice"
    PANEL = "panel"
    APPOINTED = "appointed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STAGE_LABELS: Mapping[CandidateStage, str] = {
    CandidateStage.NOMINATED: "Nominated (invited)",
    CandidateStage.APPLIED: "Applied",
    CandidateStage.INTERVIEW: "Interview",
    CandidateStage.SIMULATIONS: "Simulations",
    CandidateStage.SUPERVISED_PRACTICE: "Supervised practice",
    CandidateStage.PANEL: "Calibration panel",
    CandidateStage.APPOINTED: "Appointed",
    CandidateStage.REJECTED: "Rejected",
    CandidateStage.WITHDRAWN: "Withdrawn",
}

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


# --- evidence the guards read ---------------------------------------------------------------

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


class PanelRole(StrEnum):
    HR_LD = "hr_ld"
    EXTERNAL_MASTER_COACH = "external_master_coach"
    BUSINESS_SPONSOR = "business_sponsor"


PANEL_ROLE_LABELS: Mapping[PanelRole, str] = {
    PanelRole.HR_LD: "HR/L&D member",
    PanelRole.EXTERNAL_MASTER_COACH: "External master coach",
    PanelRole.BUSINESS_SPONSOR: "Business sponsor",
}


class PanelVerdict(StrEnum):
    APPOINT = "appoint"
    DO_NOT_APPOINT = "do_not_appoint"


@dataclass(frozen=True)
class PanelDecision:
    role: PanelRole
    member_id: int
    member_name: str
    verdict: PanelVerdict
    reasons: str


@dataclass(frozen=True)
class StageEvidence:
    """Everything the guards may look at; the service fills in what it has.

    `reviewed_sessions` counts recorded sessions a supervisor reviewed — until recordings
    exist, reviewed evidence items count the same."""

    invitation_accepted: bool = False
    interview: AssessmentEvidence | None = None
    simulations: tuple[AssessmentEvidence, ...] = ()
    coached_hours: tuple[CoachedHours, ...] = ()
    reviewed_sessions: int = 0
    panel: tuple[PanelDecision, ...] = ()


# --- transitions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """An allowed move; `reason` is the recorded reason (rejections and withdrawals)."""

    source: CandidateStage
    target: CandidateStage
    reason: str = ""
    ok: bool = field(default=True, init=False)


@dataclass(frozen=True)
class Refusal:
    """A refused move, with every reason in words a person can act on."""

    source: CandidateStage
    target: CandidateStage
    reasons: tuple[str, ...]
    ok: bool = field(default=False, init=False)

    @property
    def message(self) -> str:
        return " ".join(self.reasons)


def _label(stage: CandidateStage) -> str:
    return STAGE_LABELS[stage].lower()


def _path_problem(source: CandidateStage, target: CandidateStage) -> str | None:
    """Why the state machine forbids source → target, or None when the move exists."""
    if source in FINAL_STAGES:
        return f"The candidate is {_label(source)}, which is final: no further move is possible."
    if target not in TRANSITIONS[source]:
        following = PIPELINE[PIPELINE.index(source) + 1]
        return (f"A candidate at {_label(source)} cannot move to {_label(target)}: the next "
                f"stage is {_label(following)}.")
    return None


def _assessment_problems(label: str, evidence: AssessmentEvidence | None,
                         rubric_id: str) -> list[str]:
    if evidence is None:
        return [f"No {label} assessment is recorded (rubric {rubric_id})."]
    problems: list[str] = []
    if evidence.rubric_id != rubric_id:
        problems.append(f"The {label} assessment must use the {rubric_id} rubric, not "
                        f"{evidence.rubric_id}.")
    if evidence.status is not AssessmentStatus.CLOSED:
        problems.append(f"The {label} assessment is not closed yet (it is "
                        f"{evidence.status.value}).")
    if not evidence.raters_calibrated:
        problems.append(f"Not every rater of the {label} assessment was calibrated for the "
                        f"{rubric_id} rubric.")
    # An unmet non-negotiable (e.g. reverting to telling) refuses even beside a stored pass:
    # the rubric says it fails whatever the rest, and the page names it on its own.
    for description in evidence.unmet_non_negotiables:
        problems.append(f"Non-negotiable not met in the {label}: {description}")
    if evidence.status is AssessmentStatus.CLOSED and evidence.passed is not True:
        why = f" ({'; '.join(evidence.failed_rules)})" if evidence.failed_rules else ""
        problems.append(f"The {label} assessment did not pass{why}. A failed assessment does "
                        f"not advance; a person rejects the candidate with a reason.")
    return problems


def _interview_guard(evidence: StageEvidence) -> list[str]:
    return _assessment_problems("interview", evidence.interview, INTERVIEW_RUBRIC_ID)


def _simulations_guard(evidence: StageEvidence) -> list[str]:
    problems: list[str] = []
    for rubric_id, label in SIMULATION_RUBRICS.items():
        found = [a for a in evidence.simulations if a.rubric_id == rubric_id]
        if len(found) > 1:
            # The service passes the one assessment that counts; two would be a silent choice.
            problems.append(f"{len(found)} {label} simulation assessments are given; only the "
                            f"one that counts may be.")
            continue
        problems.extend(_assessment_problems(f"{label} simulation",
                                             found[0] if found else None, rubric_id))
    return problems


def verified_hours(entries: Iterable[CoachedHours]) -> float:
    """Coached hours a supervisor verified (only these count towards the 8-hour minimum)."""
    return sum(e.hours for e in entries if e.verified_by is not None)


def _hours(value: float) -> str:
    return f"{value:g} hour" if value == 1 else f"{value:g} hours"


def _practice_guard(evidence: StageEvidence) -> list[str]:
    problems: list[str] = []
    verified = verified_hours(evidence.coached_hours)
    unverified = sum(e.hours for e in evidence.coached_hours) - verified
    if verified + 1e-9 < MIN_COACHED_HOURS:
        waiting = (f" ({_hours(unverified)} logged await a supervisor's verification)"
                   if unverified > 0 else "")
        problems.append(f"{_hours(verified)} of coached practice verified; at least "
                        f"{_hours(MIN_COACHED_HOURS)} are needed{waiting}.")
    if evidence.reviewed_sessions < MIN_REVIEWED_SESSIONS:
        problems.append("No recorded session (or evidence item) has been reviewed by a "
                        "supervisor yet; at least one is needed.")
    return problems


class PanelOutcome(StrEnum):
    INCOMPLETE = "incomplete"  # not every member has recorded a decision with reasons
    APPOINT = "appoint"  # all three appoint
    DO_NOT_APPOINT = "do_not_appoint"  # all three do not appoint
    SPLIT = "split"  # members disagree


def panel_problems(decisions: Sequence[PanelDecision]) -> list[str]:
    """What keeps the panel's decisions from being complete: every role decided once, by three
    different people, each with reasons."""
    problems: list[str] = []
    members: dict[int, PanelRole] = {}
    for role in PanelRole:
        mine = [d for d in decisions if d.role is role]
        label = PANEL_ROLE_LABELS[role]
        if not mine:
            problems.append(f"The {label} has not recorded a decision.")
            continue
        if len(mine) > 1:
            problems.append(f"{len(mine)} decisions are recorded for the {label}; the panel has "
                            f"one member per role.")
        for decision in mine:
            if not decision.reasons.strip():
                problems.append(f"The {label} ({decision.member_name}) recorded a decision "
                                f"without reasons.")
            other = members.setdefault(decision.member_id, role)
            if other is not role:
                problems.append(f"{decision.member_name} sits on the panel both as "
                                f"{PANEL_ROLE_LABELS[other]} and as {label}; the panel is three "
                                f"different people.")
    return problems


def panel_outcome(decisions: Sequence[PanelDecision]) -> PanelOutcome:
    """The panel's collective decision. Appointment needs all three to appoint (decided: a
    split is not a majority vote — a person then rejects the candidate with a reason, or the
    panel reconvenes and records new decisions)."""
    if panel_problems(decisions):
        return PanelOutcome.INCOMPLETE
    verdicts = {d.verdict for d in decisions}
    if verdicts == {PanelVerdict.APPOINT}:
        return PanelOutcome.APPOINT
    if verdicts == {PanelVerdict.DO_NOT_APPOINT}:
        return PanelOutcome.DO_NOT_APPOINT
    return PanelOutcome.SPLIT


def _panel_guard(evidence: StageEvidence) -> list[str]:
    problems = panel_problems(evidence.panel)
    if problems:
        return problems
    outcome = panel_outcome(evidence.panel)
    if outcome is PanelOutcome.DO_NOT_APPOINT:
        return ["The panel decided not to appoint. A person rejects the candidate with a "
                "reason."]
    if outcome is PanelOutcome.SPLIT:
        against = [PANEL_ROLE_LABELS[d.role] for d in evidence.panel
                   if d.verdict is PanelVerdict.DO_NOT_APPOINT]
        appoint = len(evidence.panel) - len(against)
        return [f"The panel is split: {appoint} of 3 appoint, and the {' and the '.join(against)} "
                f"did not. Appointment needs all three; a person rejects the candidate with a "
                f"reason, or the panel reconvenes and records new decisions."]
    return []


def _acceptance_guard(evidence: StageEvidence) -> list[str]:
    if evidence.invitation_accepted:
        return []
    return ["The nominee has not accepted the invitation; a nominated person becomes a "
            "candidate only by accepting it."]


# Guards keyed by the stage being *left*: moving on needs that stage's evidence. Entering the
# interview stage needs nothing beyond being a candidate (shortlisting is a person's call).
Guard = Callable[[StageEvidence], list[str]]
GUARDS: Mapping[CandidateStage, Guard] = {
    CandidateStage.NOMINATED: _acceptance_guard,
    CandidateStage.INTERVIEW: _interview_guard,
    CandidateStage.SIMULATIONS: _simulations_guard,
    CandidateStage.SUPERVISED_PRACTICE: _practice_guard,
    CandidateStage.PANEL: _panel_guard,
}


def advance(stage: CandidateStage | str, target: CandidateStage | str,
            evidence: StageEvidence) -> Transition | Refusal:
    """Move a candidate forward one stage if the state machine and the guard allow it.

    Rejecting and withdrawing are not advances: they need a reason (`reject`, `withdraw`)."""
    source, goal = CandidateStage(stage), CandidateStage(target)
    if goal in EXITS and source not in FINAL_STAGES:
        noun = "rejection" if goal is CandidateStage.REJECTED else "withdrawal"
        return Refusal(source, goal, (f"A {noun} is not an advance: record it with a reason.",))
    problem = _path_problem(source, goal)
    if problem:
        return Refusal(source, goal, (problem,))
    guard = GUARDS.get(source)
    problems = guard(evidence) if guard else []
    if problems:
        return Refusal(source, goal, tuple(problems))
    return Transition(source, goal)


MAX_REASON_LENGTH = 2000


def _exit(stage: CandidateStage | str, target: CandidateStage, reason: str,
          ) -> Transition | Refusal:
    source = CandidateStage(stage)
    problem = _path_problem(source, target)
    if problem:
        return Refusal(source, target, (problem,))
    text = reason.strip()
    if not text:
        noun = "rejection" if target is CandidateStage.REJECTED else "withdrawal"
        return Refusal(source, target, (f"Give a reason for the {noun}.",))
    if len(text) > MAX_REASON_LENGTH:
        return Refusal(source, target, (f"Keep the reason under {MAX_REASON_LENGTH} "
                                        f"characters.",))
    return Transition(source, target, text)


def reject(stage: CandidateStage | str, reason: str) -> Transition | Refusal:
    """Reject from any stage that is not final; the reason is required (it is recorded and
    audited, never sent to the candidate as is — see `candidate_notice`)."""
    return _exit(stage, CandidateStage.REJECTED, reason)


def withdraw(stage: CandidateStage | str, reason: str) -> Transition | Refusal:
    """Withdraw from any stage that is not final (the person's choice, or they left); a
    nominee declining the invitation is withdrawn this way."""
    return _exit(stage, CandidateStage.WITHDRAWN, reason)


def candidate_notice(outcome: CandidateStage | str, sprint_name: str) -> str:
    """What the candidate is told when their candidacy ends without appointment.

    Neutral by policy: it neither repeats the recorded reason nor names scores or who decided,
    so the same words serve every case and nobody reads a judgement into the wording."""
    stage = CandidateStage(outcome)
    name = sprint_name.strip() or "the current"
    if stage is CandidateStage.REJECTED:
        return (f"Thank you for taking part in the {name} selection sprint. After careful "
                f"consideration, your candidacy will not continue in this sprint. This decision "
                f"concerns this sprint only, and you are welcome to take part in a future one. "
                f"If you would like to talk it through, please contact the L&D team.")
    if stage is CandidateStage.WITHDRAWN:
        return (f"Your candidacy in the {name} selection sprint has been withdrawn. Thank you "
                f"for the time you have given. You are welcome to take part in a future "
                f"sprint; please contact the L&D team with any questions.")
    raise ValueError(f"there is no notice for {stage.value}: only rejected or withdrawn")


# --- entry rules --------------------------------------------------------------------------------

# One page of prose is about 500 words; 600 leaves room for a dense page, 150 is the least that
# holds the two coaching examples the application asks for.
MIN_APPLICATION_WORDS = 150
MAX_APPLICATION_WORDS = 600
MAX_WHY_LENGTH = 2000
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def word_count(text: str) -> int:
    """Words as a reader counts them ("self-aware" and "don't" are one word each)."""
    return len(_WORD.findall(text))


def application_problems(text: str) -> list[str]:
    words = word_count(text)
    if words == 0:
        return ["Write your application: one page with examples of your coaching."]
    if words < MIN_APPLICATION_WORDS:
        return [f"The application has {words} words; write at least {MIN_APPLICATION_WORDS} "
                f"(one page of up to {MAX_APPLICATION_WORDS} words)."]
    if words > MAX_APPLICATION_WORDS:
        return [f"The application has {words} words; keep it to one page of at most "
                f"{MAX_APPLICATION_WORDS} words."]
    return []


def why_problems(text: str) -> list[str]:
    stripped = text.strip()
    if not stripped:
        return ["Say why you are nominating this person."]
    if len(stripped) > MAX_WHY_LENGTH:
        return [f"Keep the reason under {MAX_WHY_LENGTH} characters."]
    return []


def duplicate_entry_problem(person_id: int, existing_person_ids: Iterable[int]) -> str | None:
    """One entry per person per sprint, whatever became of the earlier one (decided: someone
    rejected or withdrawn re-enters through a later sprint, so a decision is not re-run within
    the same cohort)."""
    if person_id in set(existing_person_ids):
        return "This person already has an entry in this sprint."
    return None


OUTSIDE_LINE = "You can nominate only people in your reporting line (direct or indirect)."


def nominator_problem(nominator_id: int, nominee_id: int,
                      nominee_manager_chain: Sequence[int]) -> str | None:
    """A nomination comes from the nominee's manager, direct or further up the line
    (`nominee_manager_chain` lists managers upwards, direct manager first)."""
    if nominator_id == nominee_id:
        return "You cannot nominate yourself; apply through an open application instead."
    if nominator_id not in nominee_manager_chain:
        return OUTSIDE_LINE
    return None


def nomination_problems(*, nominator_id: int, nominee_id: int,
                        nominee_manager_chain: Sequence[int], why: str,
                        existing_person_ids: Iterable[int]) -> list[str]:
    """Every reason a nomination is refused; empty when it may be recorded."""
    problems: list[str] = []
    duplicate = duplicate_entry_problem(nominee_id, existing_person_ids)
    if duplicate:
        problems.append(duplicate)
    chain = nominator_problem(nominator_id, nominee_id, nominee_manager_chain)
    if chain:
        problems.append(chain)
    problems.extend(why_problems(why))
    return problems


def application_entry_problems(*, person_id: int, text: str,
                               existing_person_ids: Iterable[int]) -> list[str]:
    """Every reason an open application is refused; empty when it may be recorded."""
    problems: list[str] = []
    duplicate = duplicate_entry_problem(person_id, existing_person_ids)
    if duplicate:
        problems.append(duplicate)
    problems.extend(application_problems(text))
    return problems


# --- appointment paperwork ---------------------------------------------------------------------

# Protected coaching time, as a share of the coach's working time (blueprint: 10–20 %).
MIN_PROTECTED_PERCENT = 10.0
MAX_PROTECTED_PERCENT = 20.0


@dataclass(frozen=True)
class TimeAgreement:
    """The manager time-allocation agreement. Signatures are in-app acknowledgements: the
    timezone-aware moment each party acknowledged, None until they do."""

    protected_percent: float
    manager_signed_at: datetime | None = None
    coach_signed_at: datetime | None = None
    non_evaluator_clause_accepted: bool = False
    # False when the directory shows another manager than the one the agreement names: their
    # signature no longer protects the coach's time.
    manager_current: bool = True

    def __post_init__(self) -> None:
        for moment in (self.manager_signed_at, self.coach_signed_at):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("signature timestamps must be timezone-aware")


@dataclass(frozen=True)
class RoleProfile:
    scope: str = ""
    escalation_paths: str = ""
    supervision_arrangement: str = ""


@dataclass(frozen=True)
class Paperwork:
    agreement: TimeAgreement | None = None
    consent_template_version: str | None = None
    role_profile: RoleProfile | None = None


def protected_time_problems(percent: float) -> list[str]:
    if not math.isfinite(percent) or not (
            MIN_PROTECTED_PERCENT - 1e-9 <= percent <= MAX_PROTECTED_PERCENT + 1e-9):
        return [f"Protected coaching time must be between {MIN_PROTECTED_PERCENT:g} % and "
                f"{MAX_PROTECTED_PERCENT:g} % of working time (it is {percent:g} %)."]
    return []


def missing_paperwork(paperwork: Paperwork) -> list[str]:
    """What is missing before the coach may be matched with anyone, in plain words; empty when
    all three documents are complete."""
    missing: list[str] = []
    agreement = paperwork.agreement
    if agreement is None:
        missing.append("The manager time-allocation agreement has not been drawn up.")
    else:
        missing.extend(protected_time_problems(agreement.protected_percent))
        if not agreement.manager_current:
            missing.append("The coach's manager has changed since the agreement was drawn up; "
                           "it must be redrawn and signed with the new manager.")
        elif agreement.manager_signed_at is None:
            missing.append("The coach's manager has not signed the time-allocation agreement.")
        if agreement.coach_signed_at is None:
            missing.append("The coach has not signed the time-allocation agreement.")
        if not agreement.non_evaluator_clause_accepted:
            missing.append("The non-evaluator clause (the coach never evaluates the people they "
                           "coach) has not been accepted.")
    if not (paperwork.consent_template_version or "").strip():
        missing.append("No coachee confidentiality and data-use consent template version has "
                       "been chosen.")
    profile = paperwork.role_profile
    if profile is None:
        missing.append("The coaching role profile has not been written.")
    else:
        for text, what in ((profile.scope, "scope"),
                           (profile.escalation_paths, "escalation paths"),
                           (profile.supervision_arrangement, "supervision arrangement")):
            if not text.strip():
                missing.append(f"The coaching role profile has no {what}.")
    return missing


# --- engagement matching -----------------------------------------------------------------------

# Capacity model (decided): protected hours a week = the agreement's percentage of the coach's
# weekly working hours. Each engagement costs its expected hours a week — by default 1 hour:
# a session every fortnight plus preparation, notes and supervision. A new engagement fits when
# the coach's active engagements plus the new one stay within the protected hours.
DEFAULT_ENGAGEMENT_HOURS_PER_WEEK = 1.0


def protected_hours_per_week(percent: float, weekly_hours: float) -> float:
    return percent / 100 * weekly_hours


@dataclass(frozen=True)
class MatchFacts:
    """What the service knows when an admin matches a coach with a coachee.

    Chains list managers upwards (direct manager first). `evaluations` holds performance-review
    relationships as (evaluator id, evaluated id) pairs."""

    coach_id: int
    coachee_id: int
    paperwork: Paperwork
    coach_manager_chain: tuple[int, ...] = ()
    coachee_manager_chain: tuple[int, ...] = ()
    evaluations: frozenset[tuple[int, int]] = frozenset()
    coach_weekly_hours: float = 40.0
    active_engagement_hours: tuple[float, ...] = ()
    new_engagement_hours: float = DEFAULT_ENGAGEMENT_HOURS_PER_WEEK


def match_problems(facts: MatchFacts) -> list[str]:
    """Every reason this coach may not coach this coachee; empty when the match may be made."""
    problems: list[str] = []
    if facts.coach_id == facts.coachee_id:
        problems.append("A coach cannot coach themselves.")
    missing = missing_paperwork(facts.paperwork)
    if missing:
        problems.append("The coach's appointment paperwork is incomplete: " + " ".join(missing))
    if facts.coach_id in facts.coachee_manager_chain:
        problems.append("The coach is in the coachee's management chain (they manage the "
                        "coachee, directly or indirectly).")
    if facts.coachee_id in facts.coach_manager_chain:
        problems.append("The coachee is in the coach's management chain (the coachee manages "
                        "the coach, directly or indirectly).")
    # A coach never evaluates the people they coach (non-evaluator clause); the reverse — the
    # coachee reviewing their coach's performance — compromises the relationship just as much.
    if (facts.coach_id, facts.coachee_id) in facts.evaluations:
        problems.append("The coach evaluates the coachee's performance; a coach never evaluates "
                        "the people they coach.")
    if (facts.coachee_id, facts.coach_id) in facts.evaluations:
        problems.append("The coachee evaluates the coach's performance.")
    agreement = facts.paperwork.agreement
    if agreement is not None and not protected_time_problems(agreement.protected_percent):
        capacity = protected_hours_per_week(agreement.protected_percent, facts.coach_weekly_hours)
        booked = sum(facts.active_engagement_hours)
        if booked + facts.new_engagement_hours > capacity + 1e-9:
            problems.append(
                f"The coach is over their protected-time capacity: {_hours(capacity)} a week "
                f"({agreement.protected_percent:g} % of {facts.coach_weekly_hours:g}), "
                f"{_hours(booked)} already booked, and this engagement needs "
                f"{_hours(facts.new_engagement_hours)}.")
    return problems


# --- funnel -------------------------------------------------------------------------------------


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
