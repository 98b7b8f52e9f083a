"""Assessment use cases: evidence items, assessments, rater assignment (with conflict and
calibration gates), blind scoring, closing or moderation, and the admins' export.

Every change writes an audit entry; every read of someone else's evidence notes is audited
too (coaching content). Services flush; the caller commits.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from coachprog.assessments import domain
from coachprog.assessments.conflicts import refuse_if_conflicted, relationship_facts
from coachprog.assessments.domain import (
    AssessmentKind,
    AssessmentStatus,
    AssignmentRole,
    AssignmentStatus,
)
from coachprog.assessments.models import Assessment, EvidenceItem, Mark, RaterAssignment
from coachprog.assessments.recorded import recorded_evidence
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import can, require
from coachprog.calibration.services import calibrated_until, calibration_refusal
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.roles import RATER_ROLES
from coachprog.rubrics.domain import Rubric, score_assessment
from coachprog.rubrics.models import RubricVersion

# --- assessments -------------------------------------------------------------------------------


def list_rubric_versions(actor: Any) -> Sequence[RubricVersion]:
    require(actor, "can_manage_assessments")
    return db.session.scalars(
        sa.select(RubricVersion).order_by(RubricVersion.title, RubricVersion.version.desc())
    ).all()


def create_assessment(
    actor: Any, *, evidence_item_id: int | None, rubric_version_id: int | None, title: str,
    blind: bool, kind: str = AssessmentKind.LIVE.value,
    calibration_exercise_id: int | None = None,
) -> Assessment:
    require(actor, "can_manage_assessments")
    errors: dict[str, list[str]] = {}
    title = title.strip()
    if not title:
        errors["title"] = ["Give the assessment a title."]
    elif len(title) > 200:
        errors["title"] = ["Keep the title under 200 characters."]
    evidence = db.session.get(EvidenceItem, evidence_item_id) if evidence_item_id else None
    if evidence is None:
        errors["evidence_item_id"] = ["Choose the evidence to assess."]
    rubric_version = db.session.get(RubricVersion, rubric_version_id) \
        if rubric_version_id else None
    if rubric_version is None:
        errors["rubric_version_id"] = ["Choose a rubric version."]
    try:
        kind = AssessmentKind(kind).value
    except ValueError:
        errors["kind"] = ["Kind is live or calibration."]
    if errors or evidence is None or rubric_version is None:
        raise DomainError("The assessment has problems.", field_errors=errors)
    assessment = Assessment(
        evidence_item_id=evidence.id, rubric_version_id=rubric_version.id, title=title,
        blind=blind, kind=kind, calibration_exercise_id=calibration_exercise_id,
        status=AssessmentStatus.OPEN.value,
        subject_pseudonym=domain.pseudonym_from(secrets.token_bytes(8)),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(assessment)
    db.session.flush()
    audit.record("assessment.created", actor=actor, object_type="assessment",
                 object_id=assessment.id,
                 detail={"rubric_version_id": rubric_version.id, "blind": blind, "kind": kind,
                         "evidence_item_id": evidence.id})
    return assessment


def get_assessment(actor: Any, assessment_id: int) -> Assessment:
    assessment = get_or_404(Assessment, assessment_id, what="assessment", actor=actor,
                            rule="can_view_assessment")
    refuse_if_conflicted(actor, assessment)
    return assessment


# What every listing reads per row (titles, blind rules, raters): loaded up front so a page
# costs the same few queries whatever its length. Built on first use, not at import: a loader
# option configures every mapper, which app start need not pay for (issue 22).
@functools.cache
def _listing_loads() -> tuple[Any, ...]:
    return (
        selectinload(Assessment.assignments).joinedload(RaterAssignment.rater),
        joinedload(Assessment.evidence).joinedload(EvidenceItem.subject),
        joinedload(Assessment.rubric_version),
    )


@dataclass(frozen=True)
class AssessmentQuery:
    status: str = ""
    page: int = 1
    per_page: int = 50


def list_assessments(actor: Any, params: AssessmentQuery) -> tuple[Sequence[Assessment], int]:
    """All assessments for program staff; one's own assignments for everyone else."""
    require(actor, "can_list_assessments")
    query = sa.select(Assessment)
    if not can(actor, "can_manage_assessments"):
        query = query.where(Assessment.id.in_(
            sa.select(RaterAssignment.assessment_id).where(RaterAssignment.rater_id == actor.id)))
    if params.status in {s.value for s in AssessmentStatus}:
        query = query.where(Assessment.status == params.status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(*_listing_loads())
        .order_by(Assessment.created_at.desc(), Assessment.id.desc())
        .limit(params.per_page).offset((params.page - 1) * params.per_page)
    ).all()
    return rows, total


def eligible_raters() -> Sequence[User]:
    """Active accounts holding a role that may score (rater, master coach, lead coach)."""
    # Their roles come along: the choice lists ask about each one (sponsors are barred).
    return db.session.scalars(
        sa.select(User).where(User.is_active.is_(True), User.id.in_(
            sa.select(RoleGrant.user_id).where(RoleGrant.role.in_([r.value for r in RATER_ROLES]))
        )).options(selectinload(User.role_grants)).order_by(User.display_name, User.id)
    ).all()


def list_eligible_raters(actor: Any, assessment: Assessment) -> Sequence[User]:
    require(actor, "can_view_rater_choices", assessment)
    taken = {a.rater_id for a in assessment.assignments}
    return [u for u in eligible_raters() if u.id not in taken]


@dataclass(frozen=True)
class RaterChoice:
    """One person a rater dropdown offers, with their calibration for the rubric."""

    user: User
    calibrated: bool
    until: Any = None  # datetime when calibration lapses; None: no expiry or not calibrated

    @property
    def label(self) -> str:
        return f"{self.user.display_name} ({self.user.email})"

    @property
    def status(self) -> str:
        """The calibration in words: "calibrated until 2027-11-23" or "not calibrated"."""
        if not self.calibrated:
            return "not calibrated"
        if self.until is None:
            return "calibrated"
        return f"calibrated until {self.until:%Y-%m-%d}"


def list_rater_choices(actor: Any, assessment: Assessment, *,
                       moderation: bool = False) -> list[RaterChoice]:
    """Who may be offered as a rater, each with their calibration status for the rubric.

    In moderation the moderator is never offered (they settle, they do not rate), and a live
    assessment offers only calibrated raters: anyone else would be refused.
    """
    people = list_eligible_raters(actor, assessment)
    until = calibrated_until([u.id for u in people], assessment.rubric_version.rubric_key)
    choices = [RaterChoice(u, u.id in until, until.get(u.id)) for u in people]
    if moderation:
        choices = [c for c in choices if c.user.id != getattr(actor, "id", None)
                   and (c.calibrated or assessment.kind != AssessmentKind.LIVE.value)]
    return choices


CALIBRATION_WAY_FORWARD = ("An admin includes them in a calibration exercise for this rubric "
                           "(Calibration → New exercise).")


def _refuse(message: str, field: str = "rater_id") -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def load_rater(rater_id: int | None) -> User | None:
    """The user to assign; None when no one was chosen, refused when the id names no one."""
    if not rater_id:
        return None
    user = db.session.get(User, rater_id)
    if user is None:
        raise _refuse(f"No user {rater_id}.")
    return user


def check_rater(assessment: Assessment, rater: User | None, role: AssignmentRole) -> User:
    if rater is None:
        raise _refuse("Choose a rater.")
    if not can(rater, "can_be_assigned_assessments"):
        raise _refuse(f"{rater.display_name} cannot rate: raters hold the rater, master coach "
                      "or lead coach role.")
    if role is AssignmentRole.GOLD and not can(rater, "can_score_gold_marks"):
        raise _refuse("Gold marks are agreed by master coaches.")
    if any(a.rater_id == rater.id for a in assessment.assignments):
        raise _refuse(f"{rater.display_name} is already assigned to this assessment.")
    conflicts = domain.find_conflicts(
        relationship_facts(rater, assessment.evidence.subject_person_id))
    if conflicts:
        raise _refuse("Conflict of interest: " + " ".join(conflicts))
    if getattr(assessment.evidence, "recording_id", None) is not None:
        # The chain bar: nobody above the recorded session's coach or coachee scores it; and
        # on a blind one, a rater who knows the coach through the recording would know whose
        # session it is.
        refusal = recorded_evidence().rater_refusal(rater, assessment)
        if refusal:
            raise _refuse(refusal)
    if assessment.kind == AssessmentKind.LIVE.value and role is AssignmentRole.RATER:
        refusal = calibration_refusal(rater, assessment.rubric_version.rubric_key,
                                      rubric_title=assessment.rubric_version.title)
        if refusal:
            raise _refuse(f"{refusal} {CALIBRATION_WAY_FORWARD}")
    return rater


def assign_rater(actor: Any, assessment: Assessment, rater_id: int | None,
                 role: str = AssignmentRole.RATER.value) -> RaterAssignment:
    """Assign a rater (or, on a calibration item, the gold marker) to an open assessment."""
    require(actor, "can_manage_assessments")
    try:
        assignment_role = AssignmentRole(role)
    except ValueError:
        raise _refuse("The role is rater or gold.", "role") from None
    if assignment_role is AssignmentRole.MODERATOR:
        raise _refuse("Moderators are not assigned; they settle in moderation.", "role")
    if assignment_role is AssignmentRole.GOLD and \
            assessment.kind != AssessmentKind.CALIBRATION.value:
        raise _refuse("Gold marks belong to calibration items only.", "role")
    if assessment.status != AssessmentStatus.OPEN.value:
        raise _refuse(f"Raters can be added only while the assessment is open (it is "
                      f"{assessment.status}); in moderation, the moderator adds a third rater.")
    rater = check_rater(assessment, load_rater(rater_id), assignment_role)
    return add_assignment(actor, assessment, rater, assignment_role)


def add_assignment(actor: Any, assessment: Assessment, rater: User,
                    role: AssignmentRole) -> RaterAssignment:
    assignment = RaterAssignment(assessment=assessment, rater_id=rater.id, role=role.value,
                                 status=AssignmentStatus.ASSIGNED.value,
                                 assigned_by_id=getattr(actor, "id", None))
    db.session.add(assignment)
    db.session.flush()
    audit.record("assessment.rater_assigned", actor=actor, object_type="assessment",
                 object_id=assessment.id,
                 detail={"rater_id": rater.id, "role": role.value,
                         "assignment_id": assignment.id})
    return assignment


def get_assignment(actor: Any, assignment_id: int) -> RaterAssignment:
    assignment = get_or_404(RaterAssignment, assignment_id, what="assignment", actor=actor,
                            rule="can_score_assignment")
    # A relation that began after the rater was assigned closes the scoring page too.
    refuse_if_conflicted(actor, assignment.assessment)
    return assignment


def rubric_of(assessment: Assessment) -> Rubric:
    return assessment.rubric_version.to_domain()


def marks_of(assignment: RaterAssignment) -> tuple[dict[str, int | None], dict[str, str]]:
    return ({m.behaviour_id: m.value for m in assignment.marks},
            {m.behaviour_id: m.note for m in assignment.marks})


def write_marks(assignment: RaterAssignment, values: Mapping[str, int | None],
                 notes: Mapping[str, str]) -> None:
    existing = {m.behaviour_id: m for m in assignment.marks}
    for behaviour_id in values.keys() | notes.keys():
        mark = existing.get(behaviour_id)
        if mark is None:
            mark = Mark(behaviour_id=behaviour_id)
            assignment.marks.append(mark)
        mark.value = values.get(behaviour_id)
        mark.note = notes.get(behaviour_id, "")


def parse_or_refuse(rubric: Rubric, raw_values: Mapping[str, str | None],
                     raw_notes: Mapping[str, str | None], *, complete: bool,
                     prefix: str = "") -> domain.ParsedMarks:
    parsed = domain.parse_marks(rubric, raw_values, raw_notes)
    errors = {b: [message] for b, message in parsed.errors.items()}
    if complete:
        for behaviour_id in domain.missing_marks(rubric, parsed.values):
            errors.setdefault(behaviour_id, ["Give a mark before submitting."])
    if errors:
        count = len(errors)
        raise DomainError(f"{count} behaviour(s) need attention.",
                          field_errors={prefix + k: v for k, v in errors.items()})
    return parsed


def save_marks(actor: Any, assignment: RaterAssignment, raw_values: Mapping[str, str | None],
               raw_notes: Mapping[str, str | None], *, submit: bool,
               citations: Mapping[str, Sequence[int]] | None = None) -> RaterAssignment:
    """Save a draft (partial marks allowed) or submit (every behaviour marked): the result is
    computed by the rubric's pure scoring rule and stored on the assignment.

    `citations` (behaviour id → transcript segment ids) replaces the moments each named mark
    cites; None leaves citations alone (the recorded-evidence provider stores them)."""
    require(actor, "can_score_assignment", assignment)
    assessment = assignment.assessment
    if assessment.status != AssessmentStatus.OPEN.value:
        raise DomainError(f"This assessment is {assessment.status}; marks can no longer change.")
    if assignment.status == AssignmentStatus.SUBMITTED.value:
        raise DomainError("You have submitted your marks; they can no longer change.")
    rubric = rubric_of(assessment)
    parsed = parse_or_refuse(rubric, raw_values, raw_notes, complete=submit)
    write_marks(assignment, parsed.values, parsed.notes)
    if citations is not None:
        db.session.flush()  # new marks need ids before their citations
        recorded_evidence().save_citations(actor, assignment, citations)
    if not submit:
        assignment.status = AssignmentStatus.DRAFT.value
        db.session.flush()
        audit.record("assessment.marks_saved", actor=actor, object_type="assessment",
                     object_id=assessment.id, detail={"assignment_id": assignment.id,
                                                      "marked": sum(v is not None for v in
                                                                    parsed.values.values())})
        return assignment
    marks = {k: v for k, v in parsed.values.items() if v is not None}
    result = score_assessment(rubric, marks)
    assignment.result = result.as_dict()
    assignment.status = AssignmentStatus.SUBMITTED.value
    assignment.submitted_at = utcnow()
    db.session.flush()
    audit.record("assessment.marks_submitted", actor=actor, object_type="assessment",
                 object_id=assessment.id,
                 detail={"assignment_id": assignment.id, "overall": result.as_dict()["overall"],
                         "passed": result.passed})
    _after_submission(actor, assessment)
    return assignment


def rater_assignments(assessment: Assessment) -> list[RaterAssignment]:
    return [a for a in assessment.assignments if a.role == AssignmentRole.RATER.value]


def disagreement(assessment: Assessment) -> domain.Agreement:
    """How the submitted raters' results compare under the configured tolerance."""
    results = [domain.result_from_dict(a.result) for a in rater_assignments(assessment)
               if a.status == AssignmentStatus.SUBMITTED.value and a.result]
    return domain.compare_results(results, current_app.config["COACHPROG_MODERATION_TOLERANCE"])


def _after_submission(actor: Any, assessment: Assessment) -> None:
    """Once every rater of a live assessment has submitted: close it with the combined result
    when they agree, otherwise send it to moderation. Calibration items stay open (their
    exercise decides); gold marks never move an assessment."""
    if assessment.kind != AssessmentKind.LIVE.value:
        return
    raters = rater_assignments(assessment)
    if not raters or any(a.status != AssignmentStatus.SUBMITTED.value for a in raters):
        return
    results = [domain.result_from_dict(a.result or {}) for a in raters]
    agreement = disagreement(assessment)
    if agreement.agreed:
        rubric = rubric_of(assessment)
        unmet = [domain.unmet_non_negotiables(
            rubric, {m.behaviour_id: m.value for m in a.marks if m.value is not None})
            for a in raters]
        combined = domain.combine_results(results, rules=rubric.pass_rules, unmet=unmet)
        assessment.status = domain.transition(assessment.status, AssessmentStatus.CLOSED).value
        assessment.result = {**combined.as_dict(),
                             "basis": "single" if len(results) == 1 else "combined",
                             "raters": len(results)}
        assessment.closed_at = utcnow()
        db.session.flush()
        audit.record("assessment.closed", actor=actor, object_type="assessment",
                     object_id=assessment.id,
                     detail={"basis": assessment.result["basis"], "passed": combined.passed})
        return
    assessment.status = domain.transition(assessment.status,
                                          AssessmentStatus.MODERATION).value
    db.session.flush()
    audit.record("assessment.sent_to_moderation", actor=actor, object_type="assessment",
                 object_id=assessment.id, detail={"reasons": list(agreement.reasons)})


