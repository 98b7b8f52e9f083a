"""A candidate's moves, as pure rules: the evidence each stage's guard reads
(`StageEvidence`), the guards themselves (`advance`), exits with a reason (`reject`,
`withdraw`) and what the candidate is told of an outcome (`candidate_notice`).

A failed assessment never advances anyone: the refusal says so, and a person then rejects the
candidate with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from coachprog.assessments.domain import AssessmentStatus
from coachprog.selection.domain import (
    EXITS,
    FINAL_STAGES,
    INTERVIEW_RUBRIC_ID,
    MIN_COACHED_HOURS,
    MIN_REVIEWED_SESSIONS,
    PIPELINE,
    SIMULATION_RUBRICS,
    STAGE_LABELS,
    TRANSITIONS,
    AssessmentEvidence,
    CandidateStage,
    CoachedHours,
)
from coachprog.selection.panel.domain import (
    PANEL_ROLE_LABELS,
    PanelDecision,
    PanelOutcome,
    PanelVerdict,
    panel_outcome,
    panel_problems,
)


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


def hours_words(value: float) -> str:
    return f"{value:g} hour" if value == 1 else f"{value:g} hours"


def _practice_guard(evidence: StageEvidence) -> list[str]:
    problems: list[str] = []
    verified = verified_hours(evidence.coached_hours)
    unverified = sum(e.hours for e in evidence.coached_hours) - verified
    if verified + 1e-9 < MIN_COACHED_HOURS:
        waiting = (f" ({hours_words(unverified)} logged await a supervisor's verification)"
                   if unverified > 0 else "")
        problems.append(f"{hours_words(verified)} of coached practice verified; at least "
                        f"{hours_words(MIN_COACHED_HOURS)} are needed{waiting}.")
    if evidence.reviewed_sessions < MIN_REVIEWED_SESSIONS:
        problems.append("No recorded session (or evidence item) has been reviewed by a "
                        "supervisor yet; at least one is needed.")
    return problems


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
