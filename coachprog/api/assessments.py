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

from coachprog.api import bp, current_api_user, token_auth
from coachprog.api.problems import problem
from coachprog.api.schemas import PageOut, PageQueryIn
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


class AssessmentOut(Schema):
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


class AssessmentDetailOut(AssessmentOut):
    """One assessment (its own schema name, as in people.py)."""


class AssessmentPage(PageOut):
    items = List(Nested(AssessmentOut))


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


def _refused(error: DomainError) -> Any:
    db.session.rollback()
    return problem(422, error.message, errors=dict(error.field_errors) or None)


@bp.get("/assessments")
@bp.auth_required(token_auth)
@bp.input(AssessmentQueryIn, location="query", arg_name="query")
@bp.output(AssessmentPage)
@bp.doc(summary="Assessments the caller may see", tags=["assessments"],
        description="All assessments for admins and master coaches; one's own assignments for "
        "raters.", responses=[403])
def list_assessments(query: dict[str, Any]) -> Any:
    actor = current_api_user()
    params = services.AssessmentQuery(status=query["status"], page=query["page"],
                                      per_page=query["per_page"])
    rows, total = services.list_assessments(actor, params)
    return {"items": [assessment_results.describe_assessment(actor, a) for a in rows],
            "page": params.page, "per_page": params.per_page, "total": total}


@bp.post("/assessments")
@bp.auth_required(token_auth)
@bp.input(AssessmentIn, arg_name="body")
@bp.output(AssessmentDetailOut, status_code=201)
@bp.doc(summary="Create an assessment", tags=["assessments"], responses=[403, 422])
def create_assessment(body: dict[str, Any]) -> Any:
    actor = current_api_user()
    try:
        evidence_id = body["evidence_item_id"]
        if body["evidence"] is not None:
            if evidence_id is not None:
                raise DomainError("Give evidence_item_id or evidence, not both.",
                                  field_errors={"evidence": ["Give one of the two."]})
            evidence_id = assessment_evidence.create_evidence_item(actor, **body["evidence"]).id
        assessment = services.create_assessment(
            actor, evidence_item_id=evidence_id, rubric_version_id=body["rubric_version_id"],
            title=body["title"], blind=body["blind"])
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    return assessment_results.describe_assessment(actor, assessment), 201


@bp.get("/assessments/<int:assessment_id>")
@bp.auth_required(token_auth)
@bp.output(AssessmentDetailOut)
@bp.doc(summary="One assessment: status, raters' progress, and the result once closed",
        tags=["assessments"], responses=[403, 404])
def get_assessment(assessment_id: int) -> Any:
    actor = current_api_user()
    assessment = services.get_assessment(actor, assessment_id)
    return assessment_results.describe_assessment(actor, assessment)


@bp.post("/assessments/<int:assessment_id>/raters")
@bp.auth_required(token_auth)
@bp.input(RaterIn, arg_name="body")
@bp.output(AssignmentOut, status_code=201)
@bp.doc(summary="Assign a rater", tags=["assessments"],
        description="Refused (422, with the reason) for accounts that cannot rate, duplicates, "
        "conflicts of interest and, on live assessments, raters not calibrated for the rubric.",
        responses=[403, 404, 422])
def assign_assessment_rater(assessment_id: int, body: dict[str, Any]) -> Any:
    actor = current_api_user()
    assessment = services.get_assessment(actor, assessment_id)
    try:
        assignment = services.assign_rater(actor, assessment, body["rater_id"], body["role"])
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    return {"assignment_id": assignment.id, "assessment_id": assessment.id,
            "rater_id": assignment.rater_id, "role": assignment.role,
            "status": assignment.status}, 201
