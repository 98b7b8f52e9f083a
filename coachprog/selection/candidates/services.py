"""A candidate's way through the sprint: the evidence the guards read (assessments, hours,
reviews, panel decisions), guarded moves on the board with their history, audit entry and
e-mail, stage assessments, and the board export.

The rules are `selection/candidates/domain.py`; services flush, the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from coachprog.assessments import domain as assessment_domain
from coachprog.assessments import results as assessment_results
from coachprog.assessments import services as assessments
from coachprog.assessments.domain import AssessmentStatus, AssignmentRole, AssignmentStatus
from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import SystemActor, require
from coachprog.calibration.services import is_calibrated
from coachprog.db import get_or_404
from coachprog.errors import NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.notifications.services import send_email
from coachprog.people.models import Person
from coachprog.roles import Role
from coachprog.rubrics.models import RubricVersion
from coachprog.selection import domain
from coachprog.selection.candidates import domain as candidate_domain
from coachprog.selection.domain import CandidateStage, SprintStage
from coachprog.selection.models import (
    Candidate,
    CandidateAssessment,
    CandidateEvent,
    Sprint,
    SprintPanelMember,
)
from coachprog.selection.panel import conflicts
from coachprog.selection.panel import domain as panel_domain
from coachprog.selection.panel.domain import PanelRole
from coachprog.selection.practice.services import hours_summary
from coachprog.selection.sprints.services import (
    appointed_now,
    candidate_evidence,
    every_candidate_by_stage,
    refuse,
    require_open_sprint,
    window_of,
)

STAGE_ASSESSMENT_PURPOSES: Mapping[str, str] = {
    domain.INTERVIEW_RUBRIC_ID: "Behavioural interview",
    **{key: f"Simulation: {label}" for key, label in domain.SIMULATION_RUBRICS.items()},
}


def record_event(candidate: Candidate, actor: Any, source: str | None, target: str,
           reason: str = "") -> None:
    label = getattr(actor, "display_name", None) or (
        "System" if isinstance(actor, SystemActor) else "the nominee")
    candidate.events.append(CandidateEvent(
        from_stage=source, to_stage=target, reason=reason,
        actor_id=getattr(actor, "id", None), actor_label=label))


def email_candidate(kind: str, person: Person, subject: str, body: str, candidate: Candidate, *,
           secrets: tuple[str, ...] = ()) -> None:
    send_email(kind=kind, to_email=person.email, to_name=person.name, subject=subject,
               body=body, related_type="candidate", related_id=candidate.id, secrets=secrets)


def get_candidate(actor: Any, candidate_id: int, rule: str = "can_view_candidate") -> Candidate:
    return get_or_404(Candidate, candidate_id, what="candidate", actor=actor, rule=rule)


def _rater_calibrated(assignment: RaterAssignment, rubric_key: str) -> bool:
    return is_calibrated(assignment.rater_id, rubric_key, assignment.submitted_at)


def _unmet(assessment: Assessment) -> tuple[str, ...]:
    """Unmet non-negotiables of the agreed marks: the moderator's when moderated, otherwise
    those any rater found (raters agreed, so one rater's "unmet" is the assessment's)."""
    rubric = assessments.rubric_of(assessment)
    sheets = [a for a in assessment.assignments if a.role == AssignmentRole.MODERATOR.value
              and a.status == AssignmentStatus.SUBMITTED.value]
    if not sheets:
        sheets = [a for a in assessment.assignments if a.role == AssignmentRole.RATER.value
                  and a.status == AssignmentStatus.SUBMITTED.value]
    found: list[str] = []
    for sheet in sheets:
        marks = {m.behaviour_id: m.value for m in sheet.marks if m.value is not None}
        for description in assessment_domain.unmet_non_negotiables(rubric, marks):
            if description not in found:
                found.append(description)
    return tuple(found)


def assessment_evidence(link: CandidateAssessment) -> domain.AssessmentEvidence:
    assessment = link.assessment
    rubric_key = assessment.rubric_version.rubric_key
    raters = [a for a in assessment.assignments if a.role == AssignmentRole.RATER.value]
    result = assessment.result or {}
    closed = assessment.status == AssessmentStatus.CLOSED.value
    return domain.AssessmentEvidence(
        rubric_id=rubric_key, status=AssessmentStatus(assessment.status),
        passed=bool(result.get("passed")) if closed else None,
        raters_calibrated=bool(raters) and all(_rater_calibrated(a, rubric_key) for a in raters),
        failed_rules=tuple(result.get("failed_rules", ())) if closed else (),
        unmet_non_negotiables=_unmet(assessment) if closed else (),
    )


def _current_link(candidate: Candidate, purpose: str) -> CandidateAssessment | None:
    links = [link for link in candidate.assessments if link.purpose == purpose]
    return links[-1] if links else None


def stage_evidence(candidate: Candidate) -> candidate_domain.StageEvidence:
    interview = _current_link(candidate, domain.INTERVIEW_RUBRIC_ID)
    simulations = [_current_link(candidate, key) for key in domain.SIMULATION_RUBRICS]
    return candidate_domain.StageEvidence(
        invitation_accepted=candidate.accepted_at is not None,
        interview=assessment_evidence(interview) if interview else None,
        simulations=tuple(assessment_evidence(s) for s in simulations if s is not None),
        coached_hours=tuple(domain.CoachedHours(e.hours, e.verified_by_id)
                            for e in candidate.hours),
        reviewed_sessions=len(candidate.reviews),
        panel=tuple(panel_domain.PanelDecision(
            PanelRole(d.panel_role), d.member_id, d.member.display_name,
            panel_domain.PanelVerdict(d.verdict), d.reasons) for d in candidate.panel_decisions),
    )


def next_stage(candidate: Candidate) -> CandidateStage | None:
    stage = CandidateStage(candidate.stage)
    if domain.is_final(stage):
        return None
    return domain.PIPELINE[domain.PIPELINE.index(stage) + 1]


def what_is_missing(candidate: Candidate) -> list[str]:
    """Why the candidate cannot move on yet (empty when they can), for the board and page."""
    target = next_stage(candidate)
    if target is None:
        return []
    move = candidate_domain.advance(candidate.stage, target, stage_evidence(candidate))
    return list(move.reasons) if isinstance(move, candidate_domain.Refusal) else []


def _furthest(candidate: Candidate, target: CandidateStage) -> None:
    if target in domain.PIPELINE and domain.PIPELINE.index(target) > domain.PIPELINE.index(
            CandidateStage(candidate.furthest_stage)):
        candidate.furthest_stage = target.value


MOVED_MEANWHILE = ("Someone else moved this candidate a moment ago; reload the page to see "
                   "where they are now.")


def apply_move(actor: Any, candidate: Candidate, move: candidate_domain.Transition) -> None:
    source = candidate.stage
    # Only one of two simultaneous moves wins: the row changes only if it is still where this
    # request saw it (PostgreSQL re-checks the condition after waiting for the other writer).
    claimed = db.session.execute(
        sa.update(Candidate).where(Candidate.id == candidate.id, Candidate.stage == source)
        .values(stage=move.target.value).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise refuse(MOVED_MEANWHILE)
    candidate.stage = move.target.value
    _furthest(candidate, move.target)
    if move.target in domain.EXITS:
        candidate.exit_reason = move.reason
    record_event(candidate, actor, source, move.target.value, move.reason)
    db.session.flush()
    audit.record(f"candidate.{move.target.value}", actor=actor, object_type="candidate",
                 object_id=candidate.id,
                 detail={"from": source, "to": move.target.value, "sprint_id":
                         candidate.sprint_id, **({"reason": move.reason} if move.reason else {})})
    _notify(candidate, CandidateStage(source), move.target)


def _notify(candidate: Candidate, source: CandidateStage, target: CandidateStage) -> None:
    person, sprint = candidate.person, candidate.sprint
    if target is CandidateStage.INTERVIEW:
        email_candidate(
            "selection.scheduling", person, f"{sprint.name}: your behavioural interview",
            f"Dear {person.name},\n\nYou have moved on to the behavioural interview of the "
            f"\"{sprint.name}\" selection sprint. It takes about an hour; the L&D team will "
            f"propose a time in the week of {window_of(sprint, SprintStage.INTERVIEW).start}"
            f".\n\nThe L&D team", candidate)
    elif target is CandidateStage.SIMULATIONS:
        window = window_of(sprint, SprintStage.SIMULATIONS)
        email_candidate(
            "selection.scheduling", person, f"{sprint.name}: coaching simulations",
            f"Dear {person.name},\n\nYou have moved on to the coaching simulations of the "
            f"\"{sprint.name}\" selection sprint: two short coaching conversations (a "
            f"performance scenario and a transition scenario) in a half-day cohort session "
            f"on {window.start}. The L&D team will send the details.\n\nThe L&D team",
            candidate)
    elif target is CandidateStage.APPOINTED:
        email_candidate(
            "selection.decision", person, f"{sprint.name}: you are appointed as an internal "
            f"coach",
            f"Dear {person.name},\n\nThe calibration panel of the \"{sprint.name}\" selection "
            f"sprint has appointed you as an internal coach. Before any coaching work, three "
            f"documents are needed: the time-allocation agreement with your manager, the "
            f"coachee consent template and your role profile. The L&D team will guide you "
            f"through them.\n\nCongratulations,\nThe L&D team", candidate)
    elif target in domain.EXITS and source is not CandidateStage.NOMINATED:
        # A nominee who declines or is withdrawn before accepting was never a candidate:
        # the invitation answer is their notice.
        email_candidate("selection.decision", person, f"{sprint.name}: your candidacy",
                        f"Dear {person.name},\n\n"
                        f"{candidate_domain.candidate_notice(target, sprint.name)}\n\n"
                        f"The L&D team", candidate)


def advance_candidate(actor: Any, candidate: Candidate, target: str) -> Candidate:
    """Move a candidate on to `target` (the next stage) if the stage's evidence allows it."""
    require(actor, "can_manage_sprints")
    require_open_sprint(candidate)
    try:
        goal = CandidateStage(target)
    except ValueError:
        raise refuse(f"There is no stage called {target!r}.") from None
    if goal is CandidateStage.APPLIED and candidate.stage == CandidateStage.NOMINATED.value:
        raise refuse("Only the nominee can accept their invitation; L&D cannot accept it for "
                     "them.")
    if goal is CandidateStage.APPOINTED and appointed_now(candidate.sprint) >= \
            candidate.sprint.capacity:
        raise refuse(f"All {candidate.sprint.capacity} seats of this sprint are taken; "
                     f"raise the capacity first or reject with a reason.")
    move = candidate_domain.advance(candidate.stage, goal, stage_evidence(candidate))
    if isinstance(move, candidate_domain.Refusal):
        raise refuse(move.message)
    apply_move(actor, candidate, move)
    if goal is CandidateStage.APPOINTED:
        _grant_coach_role(actor, candidate)
    return candidate


def _grant_coach_role(actor: Any, candidate: Candidate) -> None:
    """An appointed coach's account (if they have one) gets the coach role, so they can sign
    their paperwork and, later, log their practicum."""
    user = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    if user is None or Role.COACH.value in user.roles:
        return
    db.session.add(RoleGrant(user_id=user.id, role=Role.COACH.value,
                             granted_by_id=getattr(actor, "id", None)))
    db.session.flush()
    db.session.refresh(user)
    audit.record("role.granted", actor=actor, object_type="user", object_id=user.id,
                 detail={"role": Role.COACH.value, "because": f"appointed in sprint "
                         f"{candidate.sprint_id}"})


def reject_candidate(actor: Any, candidate: Candidate, reason: str) -> Candidate:
    require(actor, "can_manage_sprints")
    require_open_sprint(candidate)
    move = candidate_domain.reject(candidate.stage, reason)
    if isinstance(move, candidate_domain.Refusal):
        # Only a problem with the reason belongs next to the reason field.
        raise refuse(move.message, None if domain.is_final(candidate.stage) else "reason")
    apply_move(actor, candidate, move)
    return candidate


def withdraw_candidate(actor: Any, candidate: Candidate, reason: str) -> Candidate:
    require(actor, "can_withdraw_candidacy", candidate)
    require_open_sprint(candidate)
    move = candidate_domain.withdraw(candidate.stage, reason)
    if isinstance(move, candidate_domain.Refusal):
        raise refuse(move.message, None if domain.is_final(candidate.stage) else "reason")
    if candidate.stage == CandidateStage.NOMINATED.value:
        candidate.invitation_token_hash = None
    apply_move(actor, candidate, move)
    return candidate


def latest_rubric_version(rubric_key: str) -> RubricVersion | None:
    return db.session.scalar(sa.select(RubricVersion).where(RubricVersion.rubric_key == rubric_key)
                             .order_by(RubricVersion.version.desc()).limit(1))


def create_stage_assessment(actor: Any, candidate: Candidate, purpose: str, *,
                            blind: bool = False) -> Assessment:
    """Create the assessment that counts for a stage: an evidence item about the candidate and
    an assessment with the stage's rubric (latest version). Raters are assigned on the
    assessment page, with its calibration and conflict checks."""
    require(actor, "can_manage_sprints")
    require(actor, "can_manage_assessments")
    require_open_sprint(candidate)
    if purpose not in STAGE_ASSESSMENT_PURPOSES:
        raise refuse("Choose the interview or one of the two simulations.", "purpose")
    needed_at = (CandidateStage.INTERVIEW if purpose == domain.INTERVIEW_RUBRIC_ID
                 else CandidateStage.SIMULATIONS)
    label = STAGE_ASSESSMENT_PURPOSES[purpose]
    if candidate.stage != needed_at.value:
        raise refuse(f"The {label.lower()} assessment is created while the candidate is at "
                     f"the {domain.STAGE_LABELS[needed_at].lower()} stage.")
    if _current_link(candidate, purpose) is not None:
        raise refuse(f"A {label.lower()} assessment already exists for this candidate; a "
                     f"failed one is not re-run in the same sprint.")
    version = latest_rubric_version(purpose)
    if version is None:
        raise refuse(f"The {purpose} rubric is not loaded; run `flask rubrics load`.")
    evidence = EvidenceItem(title=f"{label}: {candidate.person.name} ({candidate.sprint.name})",
                            subject_person_id=candidate.person_id,
                            created_by_id=getattr(actor, "id", None))
    db.session.add(evidence)
    db.session.flush()
    assessment = assessments.create_assessment(
        actor, evidence_item_id=evidence.id, rubric_version_id=version.id,
        title=f"{label} — {candidate.sprint.name}", blind=blind)
    link = CandidateAssessment(candidate_id=candidate.id, assessment_id=assessment.id,
                               purpose=purpose)
    link.assessment = assessment
    candidate.assessments.append(link)
    db.session.flush()
    audit.record("candidate.assessment_linked", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"assessment_id": assessment.id,
                                                 "purpose": purpose})
    return assessment


@dataclass(frozen=True)
class AssessmentLine:
    purpose: str
    label: str
    assessment: Assessment
    summary: str | None  # the agreed result in words, None while not closed
    evidence: domain.AssessmentEvidence


def assessment_lines(candidate: Candidate) -> list[AssessmentLine]:
    lines = []
    for purpose, label in STAGE_ASSESSMENT_PURPOSES.items():
        link = _current_link(candidate, purpose)
        if link is None:
            continue
        assessment = link.assessment
        summary = assessment_results.result_summary(assessment, assessment.result)
        lines.append(AssessmentLine(purpose, label, assessment, summary,
                                    assessment_evidence(link)))
    return lines


def open_evidence_pack(actor: Any, candidate_id: int) -> Candidate:
    """The candidate page: loads everything it shows and records who opened the pack (it
    holds scores, supervisors' notes and the panel's reasons)."""
    candidate = load_candidate(actor, candidate_id)
    audit.record("candidate.evidence_viewed", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"sprint_id": candidate.sprint_id})
    return candidate


def load_candidate(actor: Any, candidate_id: int, rule: str = "can_view_candidate",
                   ) -> Candidate:
    """A candidate with everything the candidate page reads."""
    candidate = db.session.scalar(
        sa.select(Candidate).where(Candidate.id == candidate_id).options(
            joinedload(Candidate.sprint).selectinload(Sprint.panel)
            .joinedload(SprintPanelMember.user),
            *candidate_evidence(), selectinload(Candidate.events),
        ))
    if candidate is None:
        raise NotFound("candidate")
    require(actor, rule, candidate)
    return candidate


EXPORT_COLUMNS = ("candidate_id", "employee_id", "name", "department", "route", "stage",
                  "furthest_stage", "entered_at", "verified_practice_hours",
                  "interview", "simulation_performance", "simulation_transition",
                  "panel_outcome", "exit_reason")


def _result_word(line: AssessmentLine | None) -> str:
    if line is None:
        return ""
    if line.evidence.passed is None:
        return line.assessment.status
    return "passed" if line.evidence.passed else "failed"


def export_board(actor: Any, sprint: Sprint) -> list[dict[str, Any]]:
    """One row per entry, for L&D's own records; audited because it lists people and their
    selection outcomes."""
    require(actor, "can_manage_sprints")
    rows = []
    # A seated admin conflicted with a candidate gets their row without the evidence (the
    # results and the panel's outcome), as on the candidate page.
    barred = {c.candidate_id for c in conflicts.sprint_conflicts(sprint)
              if c.member_id == getattr(actor, "id", None)}
    for stage_candidates in every_candidate_by_stage(sprint).values():
        for candidate in stage_candidates:
            lines = {} if candidate.id in barred else \
                {line.purpose: line for line in assessment_lines(candidate)}
            rows.append({
                "candidate_id": candidate.id, "employee_id": candidate.person.employee_id,
                "name": candidate.person.name, "department": candidate.person.department,
                "route": candidate.route, "stage": candidate.stage,
                "furthest_stage": candidate.furthest_stage,
                "entered_at": candidate.created_at.date().isoformat(),
                "verified_practice_hours": f"{hours_summary(candidate).verified:g}",
                "interview": _result_word(lines.get("interview")),
                "simulation_performance": _result_word(lines.get("simulation-performance")),
                "simulation_transition": _result_word(lines.get("simulation-transition")),
                "panel_outcome": panel_outcome(candidate).value
                if candidate.panel_decisions and candidate.id not in barred else "",
                "exit_reason": candidate.exit_reason,
            })
    audit.record("sprint.board_exported", actor=actor, object_type="sprint", object_id=sprint.id,
                 detail={"rows": len(rows)})
    return rows


def panel_outcome(candidate: Candidate) -> panel_domain.PanelOutcome:
    return panel_domain.panel_outcome(stage_evidence(candidate).panel)
