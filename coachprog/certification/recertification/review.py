"""The rubric-scored recertification review: with the evidence complete, a master coach or an
admin opens the pending recertification decision with an `EvidenceItem` about the coach and a
live `Assessment` on the latest recertification rubric, scored by a master coach (no conflict
of interest, calibrated for the rubric: the assessments rules). Services flush; the caller
commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import url_for

from coachprog.assessments import conflicts as assessment_conflicts
from coachprog.assessments import domain as assessment_rules
from coachprog.assessments import services as assessment_services
from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import has_any_role, require
from coachprog.calibration.services import calibration_refusal
from coachprog.certification import domain, services
from coachprog.certification.levels.services import levels_policy
from coachprog.certification.models import Certification, CertificationDecision
from coachprog.certification.recertification.evidence import check_open_for_evidence
from coachprog.certification.recertification.services import (
    RECERTIFICATION,
    RUBRIC_PURPOSE,
    get_certification,
    pending_decision,
    recert_policy,
    review_assessment,
    review_assignment,
    sync_review,
)
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.roles import Role
from coachprog.rubrics.models import RubricVersion


def recertification_rubric() -> RubricVersion | None:
    """The latest loaded version of the rubric the levels file names."""
    key = recert_policy().rubric
    return db.session.scalar(sa.select(RubricVersion).where(
        RubricVersion.rubric_key == key, RubricVersion.purpose == RUBRIC_PURPOSE)
        .order_by(RubricVersion.version.desc(), RubricVersion.id.desc()).limit(1))


def master_coaches() -> list[User]:
    """Active master coaches: who may score a recertification review."""
    return list(db.session.scalars(sa.select(User).where(
        User.is_active.is_(True), User.id.in_(sa.select(RoleGrant.user_id).where(
            RoleGrant.role == Role.MASTER_COACH.value))).order_by(User.display_name, User.id)))


def _rater_problems(rater: User, cert: Certification, rubric: RubricVersion) -> list[str]:
    if not rater.is_active or not has_any_role(rater, Role.MASTER_COACH):
        return [f"{rater.display_name} is not a master coach: a master coach scores the "
                "recertification review."]
    conflicts = assessment_rules.find_conflicts(
        assessment_conflicts.relationship_facts(rater, cert.person_id))
    if conflicts:
        return ["Conflict of interest: " + " ".join(conflicts)]
    refusal = calibration_refusal(rater, rubric.rubric_key, rubric_title=rubric.title)
    return [refusal] if refusal else []


def start_review(actor: Any, cert_id: int,
                 rater_user_id: int | None = None) -> CertificationDecision:
    """Open the evidence review: the pending decision and its rubric assessment, with the
    master coach who scores it (the actor when they are one and choose no one else)."""
    cert = get_certification(cert_id)
    require(actor, "can_start_recert_review", cert)
    day = services.today()
    check_open_for_evidence(cert, day)
    evaluation = services.evaluate_recertification(cert, on=day)
    if not evaluation.all_met:
        raise DomainError("The evidence is not complete: " + " ".join(
            f"Not met: {r.label}." for r in evaluation.unmet))
    rubric = recertification_rubric()
    if rubric is None:
        raise DomainError("The recertification rubric is not loaded yet; ask an L&D admin to "
                          "load the rubrics.")
    if rater_user_id is None and has_any_role(actor, Role.MASTER_COACH):
        rater_user_id = getattr(actor, "id", None)
    rater = db.session.get(User, rater_user_id) if rater_user_id else None
    if rater is None:
        message = "Choose the master coach who scores the review."
        raise DomainError(message, field_errors={"rater_id": [message]})
    problems = _rater_problems(rater, cert, rubric)
    if problems:
        raise DomainError(" ".join(problems), field_errors={"rater_id": problems})
    person = cert.person
    level = domain.LEVEL_NAMES.get(cert.level, cert.level)
    decision = CertificationDecision(
        person_id=cert.person_id, level=cert.level, kind=RECERTIFICATION,
        status=domain.DecisionStatus.PENDING.value,
        levels_version=levels_policy().version,
        criteria_snapshot=evaluation.snapshot(), criteria_met=evaluation.all_met,
        renews_certification_id=cert.id, review_rubric_id=rubric.rubric_key,
        review_rubric_version=rubric.version, created_by_id=getattr(actor, "id", None))
    db.session.add(decision)
    evidence = EvidenceItem(
        title=f"Recertification evidence ({level}): {person.name}",
        description=("The evidence of one recertification cycle: the sessions scored in the "
                     "cycle, the client outcomes brief, the peer review and the continuing "
                     "development hours, listed on the coach's recertification page."),
        link=_page_url(cert.id), subject_person_id=cert.person_id,
        created_by_id=getattr(actor, "id", None))
    db.session.add(evidence)
    db.session.flush()
    assessment = Assessment(
        evidence_item_id=evidence.id, rubric_version_id=rubric.id,
        title=f"Recertification review of {person.name} ({level})", blind=False,
        kind=assessment_rules.AssessmentKind.LIVE.value,
        status=assessment_rules.AssessmentStatus.OPEN.value,
        subject_pseudonym=assessment_rules.pseudonym_from(secrets.token_bytes(8)),
        created_by_id=getattr(actor, "id", None))
    db.session.add(assessment)
    db.session.flush()
    db.session.add(RaterAssignment(assessment_id=assessment.id, rater_id=rater.id,
                                   role="rater", status="assigned",
                                   assigned_by_id=getattr(actor, "id", None)))
    decision.review_assessment_id = assessment.id
    db.session.flush()
    audit.record("certification.recertification_started", actor=actor,
                 object_type="certification_decision", object_id=decision.id,
                 detail={"person_id": cert.person_id, "certification_id": cert.id,
                         "assessment_id": assessment.id, "rater_id": rater.id})
    audit.record("assessment.rater_assigned", actor=actor, object_type="assessment",
                 object_id=assessment.id, detail={"rater_id": rater.id, "role": "rater"})
    return decision


def _page_url(cert_id: int) -> str | None:
    try:
        return url_for("certification.recertification", cert_id=cert_id, _external=True)
    except RuntimeError:
        return None


def score_review(actor: Any, cert_id: int, raw_values: Mapping[str, str | None],
                 raw_notes: Mapping[str, str | None], *, submit: bool) -> CertificationDecision:
    """The master coach's marks on the review (a draft, or submitted: the assessment closes
    with the rubric's result and the decision records it)."""
    cert = get_certification(cert_id)
    decision = pending_decision(cert)
    if decision is None or review_assessment(decision) is None:
        raise DomainError("No evidence review is in progress for this certification.")
    assignment = review_assignment(decision, actor)
    if assignment is None:
        raise NotPermitted("Only the master coach assigned to this review scores it.")
    assessment_services.save_marks(actor, assignment, raw_values, raw_notes, submit=submit)
    sync_review(decision)
    return decision


