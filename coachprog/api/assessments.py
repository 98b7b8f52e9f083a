"""/api/v1/assessments: create assessments, assign raters, read status and result.

The same services as the pages, and the same blind rules: a rater's token gets the pseudonym,
never the subject's identity or the titles, and no other rater's result before their own is
submitted (`assessment_results.describe_assessment` decides what goes out).
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from coachprog.api import current_api_user, operation
from coachprog.api.lists import page_of, paging
from coachprog.api.schemas import PageQueryIn, page
from coachprog.assessments import evidence as assessment_evidence
from coachprog.assessments import results as assessment_results
from coachprog.assessments import services
from coachprog.assessments.domain import AssessmentStatus
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.validation import DbId


class SubjectOut(Schema):
    name = String()
    employee_id = String()
    email = String()


class EvidenceOut(Schema):
    id = Integer(allow_none=True, metadata={"description": "Null for those who may not know "
                                             "whose evidence it is (raters of a blind "
                                             "assessment)."})
    title = String(allow_none=True)
    description = String(allow_none=True)
    link = String(allow_none=True)
    has_attachment = Boolean()


class RubricRefOut(Schema):
    id = Integer()
    key = String()
    version = Integer()
    title = String()


class CompetencyResultOut(Schema):
    id = String()
    title = String()
    score = Float()
    minimum = Float()
    passed = Boolean()


class ResultOut(Schema):
    overall = Float()
    passed = Boolean()
    competencies = List(Nested(CompetencyResultOut))
    failed_rules = List(String())
    basis = String(metadata={"description": "single, combined or moderated"})
    raters = Integer()


class RaterResultOut(Schema):
    overall = Float()
    passed = Boolean()
    competencies = List(Nested(CompetencyResultOut))
    failed_rules = List(String())


class RaterOut(Schema):
    assignment_id = Integer()
    # None where the blind rules hide who rates ("rater_name" is then "Rater N").
    rater_id = Integer(allow_none=True)
    rater_name = String()
    role = String()
    status = String()
    submitted_at = DateTime(allow_none=True)
    result = Nested(RaterResultOut, allow_none=True,
                    metadata={"description": "Only when the caller may see this rater's "
                              "marks (blind scoring)."})


class AssessmentFields(Schema):
    """What the detail and a list row share (not in the OpenAPI document itself)."""

    id = Integer()
    title = String(metadata={"description": "A neutral label for raters of a blind "
                             "assessment."})
    status = String()
    kind = String()
    blind = Boolean()
    pseudonym = String()
    subject = Nested(SubjectOut, allow_none=True,
                     metadata={"description": "Absent (null) for raters of a blind "
                               "assessment."})
    evidence = Nested(EvidenceOut)
    rubric = Nested(RubricRefOut)
    raters = List(Nested(RaterOut))
    result = Nested(ResultOut, allow_none=True,
                    metadata={"description": "Once the assessment is closed."})
    result_summary = String(allow_none=True, metadata={
        "description": "Why a passed result passed, from the rubric's pass rules."})
    moderation_reason = String(allow_none=True)
    created_at = DateTime()
    closed_at = DateTime(allow_none=True)


class AssessmentDetailOut(AssessmentFields):
    """One assessment (its own schema name, as in people.py)."""


# A calibration item carries every participant of its exercise (gold and each rater, each with
# a result of about 1 KiB once submitted): a list row names this many at most (issue 20).
RATERS_IN_LIST = 10


class AssessmentOut(AssessmentFields):
    """One row of the list (its name in the document since before the bound): every field of
    the detail, with its raters bounded."""

    raters = List(Nested(RaterOut), metadata={"description": (
        f"At most {RATERS_IN_LIST} of the assessment's raters, in assignment order, the "
        "caller's own assignment always among them. When `raters_truncated` is true, "
        "`GET /api/v1/assessments/{assessment_id}` lists them all.")})
    rater_count = Integer(metadata={"description": "How many raters the assessment has."})
    raters_truncated = Boolean(metadata={"description": (
        "True when `raters` leaves some out (`rater_count` is larger than its length).")})


AssessmentPage = page("AssessmentPage", AssessmentOut)


class AssessmentQueryIn(PageQueryIn):
    status = String(load_default="", validate=OneOf(["", *(s.value for s in AssessmentStatus)]))


class EvidenceIn(Schema):
    title = String(required=True, validate=Length(max=200))
    description = String(load_default="", validate=Length(max=5000))
    link = String(load_default="", validate=Length(max=500))
    subject_employee_id = String(load_default="", validate=Length(max=64))


class AssessmentIn(Schema):
    title = String(required=True, validate=Length(max=200))
    rubric_version_id = DbId(required=True)
    evidence_item_id = DbId(load_default=None, allow_none=True,
                               metadata={"description": "An existing evidence item, or give "
                                         "`evidence` to create one."})
    evidence = Nested(EvidenceIn, load_default=None, allow_none=True)
    blind = Boolean(load_default=False)


class RaterIn(Schema):
    rater_id = DbId(required=True)
    role = String(load_default="rater", validate=OneOf(["rater", "gold"]))


class AssignmentOut(Schema):
    assignment_id = Integer()
    assessment_id = Integer()
    rater_id = Integer()
    role = String()
    status = String()


@operation("GET", "/assessments", query=AssessmentQueryIn, out=AssessmentPage,
           summary="Assessments the caller may see", tags=["assessments"],
           description="All assessments for admins and master coaches; one's own assignments for "
           f"raters. A row names at most {RATERS_IN_LIST} raters (`rater_count` says how many "
           "there are, `raters_truncated` whether some are left out); "
           "`GET /api/v1/assessments/{assessment_id}` lists them all.", responses=[403])
def list_assessments(query: dict[str, Any]) -> Any:
    actor = current_api_user()
    rows, total = services.list_assessments(
        actor, services.AssessmentQuery(status=query["status"], **paging(query)))
    return page_of(query, rows, total, lambda a: _list_row(actor, a))


def _list_row(actor: Any, assessment: Any) -> dict[str, Any]:
    """The detail with at most RATERS_IN_LIST raters, in assignment order: the caller's own
    assignment always, then the first others. Described in full before cutting, so the blind
    rules and the "Rater N" pseudonyms (numbered over every assignment) stay the detail's."""
    described = assessment_results.describe_assessment(actor, assessment)
    raters = described["raters"]
    room = RATERS_IN_LIST - sum(1 for r in raters if r["rater_id"] == actor.id)
    kept = []
    for rater in raters:
        if rater["rater_id"] == actor.id:
            kept.append(rater)
        elif room > 0:
            kept.append(rater)
            room -= 1
    return {**described, "raters": kept, "rater_count": len(raters),
            "raters_truncated": len(kept) < len(raters)}


@operation("POST", "/assessments", body=AssessmentIn, out=AssessmentDetailOut, status=201,
           summary="Create an assessment", tags=["assessments"], responses=[403, 422])
def create_assessment(body: dict[str, Any]) -> Any:
    actor = current_api_user()
    evidence_id = body["evidence_item_id"]
    if body["evidence"] is not None:
        if evidence_id is not None:
            raise DomainError("Give evidence_item_id or evidence, not both.",
                              field_errors={"evidence": ["Give one of the two."]})
        evidence_id = assessment_evidence.create_evidence_item(actor, **body["evidence"]).id
    assessment = services.create_assessment(
        actor, evidence_item_id=evidence_id, rubric_version_id=body["rubric_version_id"],
        title=body["title"], blind=body["blind"])
    db.session.commit()
    return assessment_results.describe_assessment(actor, assessment), 201


@operation("GET", "/assessments/<int:assessment_id>", out=AssessmentDetailOut,
           summary="One assessment: status, raters' progress, and the result once closed",
           tags=["assessments"], responses=[403, 404])
def get_assessment(assessment_id: int) -> Any:
    actor = current_api_user()
    assessment = services.get_assessment(actor, assessment_id)
    return assessment_results.describe_assessment(actor, assessment)


@operation("POST", "/assessments/<int:assessment_id>/raters", body=RaterIn, out=AssignmentOut,
           status=201, summary="Assign a rater", tags=["assessments"],
           description="Refused (422, with the reason) for accounts that cannot rate, duplicates, "
           "conflicts of interest and, on live assessments, raters not calibrated for the rubric.",
           responses=[403, 404, 422])
def assign_assessment_rater(assessment_id: int, body: dict[str, Any]) -> Any:
    actor = current_api_user()
    assessment = services.get_assessment(actor, assessment_id)
    assignment = services.assign_rater(actor, assessment, body["rater_id"], body["role"])
    db.session.commit()
    return {"assignment_id": assignment.id, "assessment_id": assessment.id,
            "rater_id": assignment.rater_id, "role": assignment.role,
            "status": assignment.status}, 201
