"""Moderation: when the raters of a live assessment disagree beyond the tolerance, a master
coach without a conflict of interest settles it — adds a further rater, or records the agreed
marks with the reason. The raters' own marks stay as they were. Services flush; the caller
commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coachprog.assessments import domain
from coachprog.assessments.conflicts import ConflictCheck, check_moderation_conflicts
from coachprog.assessments.domain import (
    AssessmentStatus,
    AssignmentRole,
    AssignmentStatus,
)
from coachprog.assessments.models import Assessment, RaterAssignment
from coachprog.assessments.services import (
    add_assignment,
    check_rater,
    load_rater,
    parse_or_refuse,
    rater_assignments,
    rubric_of,
    write_marks,
)
from coachprog.authority import require
from coachprog.db import utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.rubrics.domain import score_assessment


def _require_moderation(actor: Any, assessment: Assessment,
                        conflict_check: ConflictCheck | None) -> None:
    require(actor, "can_moderate_assessment", assessment)
    if assessment.status != AssessmentStatus.MODERATION.value:
        raise DomainError(f"This assessment is {assessment.status}, not in moderation.")
    if conflict_check is None or not conflict_check.is_for(actor, assessment):
        conflict_check = check_moderation_conflicts(actor, assessment)
    if conflict_check.conflicts:
        raise DomainError("Conflict of interest: " + " ".join(conflict_check.conflicts)
                          + " Another master coach must moderate.")


def add_moderation_rater(actor: Any, assessment: Assessment, rater_id: int | None, *,
                         conflict_check: ConflictCheck | None = None) -> RaterAssignment:
    """The moderator adds a further rater; the assessment is open again until they submit."""
    _require_moderation(actor, assessment, conflict_check)
    rater = check_rater(assessment, load_rater(rater_id), AssignmentRole.RATER)
    assessment.status = domain.transition(assessment.status, AssessmentStatus.OPEN).value
    return add_assignment(actor, assessment, rater, AssignmentRole.RATER)


def settle_moderation(actor: Any, assessment: Assessment, raw_values: Mapping[str, str | None],
                      raw_notes: Mapping[str, str | None], reason: str, *,
                      conflict_check: ConflictCheck | None = None) -> Assessment:
    """Record the agreed marks and the reason; the result is computed from the agreed marks.
    The raters' own marks stay as they were."""
    _require_moderation(actor, assessment, conflict_check)
    rubric = rubric_of(assessment)
    reason = reason.strip()
    try:
        parsed = parse_or_refuse(rubric, raw_values, raw_notes, complete=True)
    except DomainError as error:
        if not reason:
            error.field_errors["reason"] = ["Say why this is the agreed result."]
        raise
    if not reason:
        raise DomainError("Give the reason for the agreed result.",
                          field_errors={"reason": ["Say why this is the agreed result."]})
    if len(reason) > 5000:
        raise DomainError("The reason is too long.",
                          field_errors={"reason": ["Keep the reason under 5000 characters."]})
    marks = {k: v for k, v in parsed.values.items() if v is not None}
    result = score_assessment(rubric, marks)
    assignment = RaterAssignment(assessment=assessment, rater_id=actor.id,
                                 role=AssignmentRole.MODERATOR.value,
                                 status=AssignmentStatus.SUBMITTED.value,
                                 assigned_by_id=actor.id, submitted_at=utcnow(),
                                 result=result.as_dict())
    db.session.add(assignment)
    write_marks(assignment, parsed.values, parsed.notes)
    assessment.status = domain.transition(assessment.status, AssessmentStatus.CLOSED).value
    assessment.result = {**result.as_dict(), "basis": "moderated",
                         "raters": len(rater_assignments(assessment))}
    assessment.moderation_reason = reason
    assessment.moderated_by_id = actor.id
    assessment.closed_at = utcnow()
    db.session.flush()
    audit.record("assessment.moderated", actor=actor, object_type="assessment",
                 object_id=assessment.id,
                 detail={"assignment_id": assignment.id, "passed": result.passed,
                         "overall": result.as_dict()["overall"]})
    return assessment
