"""What a viewer may see of an assessment, and the admins' export.

The blind rules are applied here, once, for pages, the API and the CSV: subject identity,
titles, other raters' marks and notes, and the overall result only where the predicates
allow; reading someone else's marks is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from coachprog.assessments import domain
from coachprog.assessments.domain import (
    AssessmentStatus,
    AssignmentStatus,
)
from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.assessments.services import marks_of, rubric_of
from coachprog.authority import can, require
from coachprog.extensions import db
from coachprog.governance import services as audit


@dataclass(frozen=True)
class MarkSheet:
    """One assignment's marks as a viewer may see them."""

    assignment: RaterAssignment
    values: dict[str, int | None]
    notes: dict[str, str]


def visible_mark_sheets(actor: Any, assessment: Assessment, *,
                        exclude_own: bool = True) -> list[MarkSheet]:
    """Other people's marks and notes the actor may see; reading them is audited."""
    sheets = []
    for assignment in assessment.assignments:
        if exclude_own and assignment.rater_id == getattr(actor, "id", None):
            continue
        if can(actor, "can_view_assignment_marks", assignment):
            values, notes = marks_of(assignment)
            sheets.append(MarkSheet(assignment, values, notes))
    if sheets:
        audit.record("assessment.marks_viewed", actor=actor, object_type="assessment",
                     object_id=assessment.id,
                     detail={"assignment_ids": [s.assignment.id for s in sheets]})
    return sheets


def display_title(actor: Any, assessment: Assessment) -> str:
    """The assessment's title, or for those who may not know the subject a neutral label (an
    admin may have named the person in the title)."""
    if can(actor, "can_view_assessment_subject", assessment):
        return assessment.title
    return f"{assessment.rubric_version.title} · {assessment.subject_pseudonym}"


def result_summary(assessment: Assessment, result: Mapping[str, Any] | None) -> str | None:
    """Why a passed result passed, from the rubric's pass rules (a failed one lists its
    failed rules instead)."""
    if not result or not result.get("passed"):
        return None
    return domain.passing_summary(domain.result_from_dict(result), rubric_of(assessment))


def rater_label(actor: Any, assignment: RaterAssignment) -> str:
    """The rater's name, or — where `can_view_rater_identity` says no (a co-rater on a blind
    assessment before it closes) — "Rater N", N the assignment's place on the assessment."""
    if can(actor, "can_view_rater_identity", assignment):
        return str(assignment.rater.display_name)
    ordered = sorted(a.id for a in assignment.assessment.assignments)
    return domain.rater_pseudonym(ordered.index(assignment.id) + 1)


def describe_assessment(actor: Any, assessment: Assessment) -> dict[str, Any]:
    """Everything about an assessment the actor may see, as plain data (pages and API).

    The one place the blind rules are applied to output: subject identity, titles and the
    evidence id only with `can_view_assessment_subject`, the evidence's title and description
    with `can_view_assessment_evidence` (calibration items show them to their scorers), each
    rater's result only with `can_view_assignment_marks`, the overall result only once
    closed."""
    require(actor, "can_view_assessment", assessment)
    knows_subject = can(actor, "can_view_assessment_subject", assessment)
    knows_evidence = can(actor, "can_view_assessment_evidence", assessment)
    evidence = assessment.evidence
    subject = evidence.subject
    version = assessment.rubric_version
    raters = []
    for a in assessment.assignments:
        visible = can(actor, "can_view_assignment_marks", a)
        raters.append({
            "assignment_id": a.id,
            "rater_id": a.rater_id if can(actor, "can_view_rater_identity", a) else None,
            "rater_name": rater_label(actor, a),
            "role": a.role, "status": a.status, "submitted_at": a.submitted_at,
            "result": a.result if visible and a.status == AssignmentStatus.SUBMITTED.value
            else None,
        })
    show_result = can(actor, "can_view_assessment_result", assessment)
    return {
        "id": assessment.id,
        "title": display_title(actor, assessment),
        "status": assessment.status,
        "kind": assessment.kind,
        "blind": assessment.blind,
        "pseudonym": assessment.subject_pseudonym,
        "subject": ({"name": subject.name, "employee_id": subject.employee_id,
                     "email": subject.email}
                    if knows_subject and subject is not None else None),
        "evidence": {
            # The id leads to the evidence item (and its subject) elsewhere: only for those
            # who may know whose it is.
            "id": evidence.id if knows_subject else None,
            "title": evidence.title if knows_evidence else None,
            "description": evidence.description if knows_evidence else None,
            "link": evidence.link,
            "has_attachment": bool(evidence.attachment_path),
        },
        "rubric": {"id": version.id, "key": version.rubric_key, "version": version.version,
                   "title": version.title},
        "raters": raters,
        "result": assessment.result if show_result else None,
        "result_summary": result_summary(assessment, assessment.result) if show_result else None,
        "moderation_reason": assessment.moderation_reason if show_result else None,
        "created_at": assessment.created_at,
        "closed_at": assessment.closed_at,
    }




# --- export ------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "assessment_id", "title", "kind", "status", "blind", "rubric", "rubric_version",
    "subject_employee_id", "subject_pseudonym", "overall", "passed", "failed_rules", "basis",
    "moderation_reason", "closed_at", "rater_email", "rater_role", "rater_status",
    "rater_submitted_at", "rater_overall", "rater_passed", "rater_notes",
)


def export_rows(actor: Any) -> list[dict[str, Any]]:
    """One row per assignment (rater, gold, moderator), the assessment's columns repeated; an
    assessment without assignments gets one row. A rater's scores and notes appear only where
    the exporter may see them: never notes of a blind assessment before it closes."""
    require(actor, "can_export_assessments")
    assessments = db.session.scalars(
        sa.select(Assessment).order_by(Assessment.id).options(
            selectinload(Assessment.assignments).options(
                joinedload(RaterAssignment.rater), selectinload(RaterAssignment.marks)),
            joinedload(Assessment.evidence).joinedload(EvidenceItem.subject),
            joinedload(Assessment.rubric_version))).unique().all()
    rows: list[dict[str, Any]] = []
    for assessment in assessments:
        knows_subject = can(actor, "can_view_assessment_subject", assessment)
        subject = assessment.evidence.subject
        result = assessment.result if assessment.status == AssessmentStatus.CLOSED.value \
            else None
        base = {
            "assessment_id": assessment.id,
            "title": display_title(actor, assessment),
            "kind": assessment.kind, "status": assessment.status,
            "blind": "yes" if assessment.blind else "no",
            "rubric": assessment.rubric_version.rubric_key,
            "rubric_version": assessment.rubric_version.version,
            "subject_employee_id": subject.employee_id if subject and knows_subject else "",
            "subject_pseudonym": assessment.subject_pseudonym,
            "overall": result["overall"] if result else "",
            "passed": ("yes" if result["passed"] else "no") if result else "",
            "failed_rules": " | ".join(result["failed_rules"]) if result else "",
            "basis": result.get("basis", "") if result else "",
            "moderation_reason": assessment.moderation_reason or "",
            "closed_at": assessment.closed_at.isoformat() if assessment.closed_at else "",
        }
        if not assessment.assignments:
            rows.append({**base, **dict.fromkeys(EXPORT_COLUMNS[15:], "")})
        for a in assessment.assignments:
            visible = can(actor, "can_export_assignment_marks", a) and a.result is not None
            notes = ""
            if visible:
                notes = " | ".join(f"{m.behaviour_id}: {m.note}" for m in a.marks if m.note)
            rows.append({
                **base, "rater_email": a.rater.email, "rater_role": a.role,
                "rater_status": a.status,
                "rater_submitted_at": a.submitted_at.isoformat() if a.submitted_at else "",
                "rater_overall": a.result["overall"] if visible and a.result else "",
                "rater_passed": ("yes" if a.result["passed"] else "no")
                if visible and a.result else "",
                "rater_notes": notes,
            })
    audit.record("assessments.exported", actor=actor, object_type="assessment",
                 detail={"rows": len(rows)})
    return rows
