"""Recertification services: the evidence of one certification's cycle, the outcomes brief,
the peer review (requested, then written by the peer), the rubric-scored evidence review, the
two approvals, renewal and withdrawal. Services flush; the caller commits.

Policy and rules: `recert_domain` (read its docstring). In short:
- The evidence is what `services.evaluate_recertification` measures for the cycle (the
  criteria of `recertification` in the levels file): a scored session, an outcomes brief, a
  peer review and continuing development hours (verified supervision and mentor-coaching
  hours from the practicum ledger).
- The coach (or an admin) writes the brief and asks another currently certified coach for the
  peer review; the peer writes it on a page that shows nothing else. Both are stored as
  `CertificationEvidence` rows tied to the certification (`certification_id`); a request is a
  `peer_review_request` row that becomes the `peer_review` when written. Evidence can change
  until the review starts, not after.
- With the evidence complete, a master coach or admin starts the review: a pending
  recertification `CertificationDecision`, an `EvidenceItem` about the coach and a live
  `Assessment` with the latest recertification rubric, scored by a master coach (no conflict
  of interest, calibrated for the rubric: the assessments rules).
- The decision is approved by a master coach and an admin, two different people
  (`domain.approval_problems`), once the review passed and the criteria are still met (or an
  admin overrode them, `services.override_decision`). The second approval renews: a new
  certification (`recert_domain.plan_renewal`: early renewal loses no time, late renewal runs
  from today), the old one superseded; a lapsed coach is so restored to the active roster.
- Withdrawing (with a reason) ends a recertification in progress; a new one can then start.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

import coachprog.certification.recert_permissions  # noqa: F401  (registers the rules)
from coachprog.assessments import conflicts as assessment_conflicts
from coachprog.assessments import domain as assessment_rules
from coachprog.assessments import services as assessment_services
from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import can, has_any_role, require
from coachprog.certification import domain, services
from coachprog.certification import recert_domain as rules
from coachprog.certification.models import (
    Certification,
    CertificationDecision,
    CertificationEvidence,
)
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.roles import Role
from coachprog.rubrics.models import RubricVersion

RECERTIFICATION = domain.DecisionKind.RECERTIFICATION.value
OUTCOMES_BRIEF = "outcomes_brief"
PEER_REVIEW = "peer_review"
PEER_REQUEST = "peer_review_request"
RUBRIC_PURPOSE = "recertification"


# --- reading ----------------------------------------------------------------------------------


def get_certification(cert_id: int) -> Certification:
    cert = db.session.get(Certification, cert_id)
    if cert is None:
        raise NotFound("certification")
    return cert


def pending_decision(cert: Certification) -> CertificationDecision | None:
    """The recertification in progress for this certification, if any."""
    return db.session.scalar(sa.select(CertificationDecision).where(
        CertificationDecision.renews_certification_id == cert.id,
        CertificationDecision.kind == RECERTIFICATION,
        CertificationDecision.status == domain.DecisionStatus.PENDING.value)
        .order_by(CertificationDecision.id.desc()).limit(1))


def past_decisions(cert: Certification) -> list[CertificationDecision]:
    return list(db.session.scalars(sa.select(CertificationDecision).where(
        CertificationDecision.renews_certification_id == cert.id,
        CertificationDecision.kind == RECERTIFICATION,
        CertificationDecision.status != domain.DecisionStatus.PENDING.value)
        .order_by(CertificationDecision.id.desc())))


def review_assessment(decision: CertificationDecision | None) -> Assessment | None:
    if decision is None or decision.review_assessment_id is None:
        return None
    return db.session.get(Assessment, decision.review_assessment_id)


def review_facts(decision: CertificationDecision | None) -> rules.ReviewFacts | None:
    """None while no recertification is in progress."""
    if decision is None:
        return None
    assessment = review_assessment(decision)
    if assessment is None:
        return rules.ReviewFacts(None)
    passed = (assessment.result or {}).get("passed") if assessment.status == "closed" else None
    return rules.ReviewFacts(assessment.status, None if passed is None else bool(passed))


def _policy() -> domain.RecertificationSpec:
    return services.levels_policy().recertification


def _evidence(cert: Certification, kind: str) -> CertificationEvidence | None:
    return db.session.scalar(sa.select(CertificationEvidence).where(
        CertificationEvidence.certification_id == cert.id, CertificationEvidence.kind == kind)
        .order_by(CertificationEvidence.id.desc()).limit(1))


def window_of(cert: Certification, on: date | None = None) -> rules.CycleWindow:
    return rules.cycle_window(cert.issued_on, cert.last_recertified_on, on or services.today())


def stage_of(cert: Certification, *, on: date | None = None,
             evaluation: domain.Evaluation | None = None) -> rules.Stage:
    """The headline for one certification (the coach page panel and this page)."""
    day = on or services.today()
    if cert.status not in rules.RECERTIFIABLE:
        return rules.Stage.NOT_RECERTIFIABLE
    decision = pending_decision(cert)
    if evaluation is None and decision is None and not rules.eligibility_problems(
            cert.status, cert.valid_until, day, _policy().reminder_days):
        evaluation = services.evaluate_recertification(cert, on=day)
    return rules.stage(status=cert.status, valid_until=cert.valid_until, today=day,
                       evidence_complete=bool(evaluation and evaluation.all_met),
                       review=review_facts(decision), reminder_days=_policy().reminder_days)


@dataclass(frozen=True)
class EvidenceLine:
    key: str
    label: str
    met: bool
    detail: str
    url: str | None


@dataclass
class RecertOverview:
    cert: Certification
    person: Person
    today: date
    window: rules.CycleWindow
    opens_on: date
    overdue: bool
    eligibility: list[str]
    stage: rules.Stage
    evidence: list[EvidenceLine]
    evidence_complete: bool
    brief: CertificationEvidence | None
    peer_request: CertificationEvidence | None
    peer_review: CertificationEvidence | None
    decision: CertificationDecision | None
    assessment: Assessment | None
    review_result: dict[str, Any] | None
    past: list[CertificationDecision] = field(default_factory=list)

    @property
    def stage_label(self) -> str:
        return rules.STAGE_LABELS[self.stage]

    @property
    def evidence_open(self) -> bool:
        """Evidence may be written: the window is open and no review has started."""
        return not self.eligibility and self.decision is None

    @property
    def review_problems(self) -> list[str]:
        return rules.review_problems(review_facts(self.decision) or rules.ReviewFacts(None))


def _evidence_lines(cert: Certification, evaluation: domain.Evaluation,
                    brief: CertificationEvidence | None, request: CertificationEvidence | None,
                    review: CertificationEvidence | None) -> list[EvidenceLine]:
    lines = []
    for result in evaluation.results:
        detail = result.detail
        if result.key == "outcomes_brief" and brief is not None:
            detail = f"Written on {brief.recorded_on.isoformat()}."
        if result.key == "peer_review":
            if review is not None:
                detail = (f"Written by {review.reviewer.name if review.reviewer else 'a peer'} "
                          f"on {review.recorded_on.isoformat()}.")
            elif request is not None:
                detail = (f"Requested from "
                          f"{request.reviewer.name if request.reviewer else 'a peer'} on "
                          f"{request.recorded_on.isoformat()}; not written yet.")
        lines.append(EvidenceLine(result.key, result.label, result.met, detail,
                                  result.evidence_url))
    return lines


def overview(actor: Any, cert_id: int, *, on: date | None = None) -> RecertOverview:
    """Everything the recertification page shows, for those who may see it."""
    cert = get_certification(cert_id)
    require(actor, "can_view_recertification", cert)
    return _overview(cert, on=on)


def _overview(cert: Certification, *, on: date | None = None) -> RecertOverview:
    day = on or services.today()
    policy = _policy()
    decision = pending_decision(cert)
    if decision is not None:
        _sync_review(decision)
    evaluation = services.evaluate_recertification(cert, on=day)
    brief = _evidence(cert, OUTCOMES_BRIEF)
    request = _evidence(cert, PEER_REQUEST)
    peer_review = _evidence(cert, PEER_REVIEW)
    assessment = review_assessment(decision)
    return RecertOverview(
        cert=cert, person=cert.person, today=day, window=window_of(cert, day),
        opens_on=rules.opens_on(cert.valid_until, policy.reminder_days),
        overdue=rules.is_overdue(cert.valid_until, day),
        eligibility=rules.eligibility_problems(cert.status, cert.valid_until, day,
                                               policy.reminder_days),
        stage=stage_of(cert, on=day, evaluation=evaluation),
        evidence=_evidence_lines(cert, evaluation, brief, request, peer_review),
        evidence_complete=evaluation.all_met, brief=brief, peer_request=request,
        peer_review=peer_review, decision=decision, assessment=assessment,
        review_result=assessment.result if assessment is not None
        and assessment.status == "closed" else None,
        past=past_decisions(cert))


# --- evidence people write --------------------------------------------------------------------


def _open_for_evidence(cert: Certification, day: date) -> None:
    problems = rules.eligibility_problems(cert.status, cert.valid_until, day,
                                          _policy().reminder_days)
    if problems:
        raise DomainError(" ".join(problems))
    if pending_decision(cert) is not None:
        raise DomainError("The evidence review has started: the evidence can no longer "
                          "change. Withdraw the recertification to change it.")


def submit_outcomes_brief(actor: Any, cert_id: int, text: str) -> CertificationEvidence:
    """Write (or rewrite, until the review starts) the cycle's client outcomes brief."""
    cert = get_certification(cert_id)
    require(actor, "can_submit_recert_evidence", cert)
    day = services.today()
    _open_for_evidence(cert, day)
    problems = rules.outcomes_brief_problems(text)
    if problems:
        raise DomainError("The outcomes brief was not saved.", field_errors={"text": problems})
    brief = _evidence(cert, OUTCOMES_BRIEF)
    replaced = brief is not None
    if brief is None:
        brief = CertificationEvidence(person_id=cert.person_id, kind=OUTCOMES_BRIEF,
                                      certification_id=cert.id, summary="", recorded_on=day)
        db.session.add(brief)
    brief.summary = rules.clean_text(text)
    brief.recorded_on = day
    brief.recorded_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("certification.outcomes_brief_recorded", actor=actor,
                 object_type="certification", object_id=cert.id,
                 detail={"person_id": cert.person_id, "evidence_id": brief.id,
                         "replaced": replaced, "characters": len(brief.summary)})
    return brief


def _held(person_id: int) -> list[rules.HeldCertification]:
    return [rules.HeldCertification(status, valid_until) for status, valid_until in
            db.session.execute(sa.select(Certification.status, Certification.valid_until)
                               .where(Certification.person_id == person_id))]


def peer_candidates(cert: Certification, *, on: date | None = None) -> list[Person]:
    """Coaches who may write this coach's peer review: another person with a current
    certification and an account to sign in with."""
    day = on or services.today()
    people = db.session.scalars(sa.select(Person).where(
        Person.id != cert.person_id,
        Person.id.in_(sa.select(Certification.person_id).where(
            Certification.status == domain.CertStatus.ACTIVE.value,
            Certification.valid_until >= day)),
        Person.id.in_(sa.select(User.person_id).where(User.is_active.is_(True))))
        .order_by(Person.name, Person.id))
    return list(people)


def request_peer_review(actor: Any, cert_id: int,
                        reviewer_person_id: int | None) -> CertificationEvidence:
    """Ask another certified coach for the peer review (replaces an unanswered request)."""
    cert = get_certification(cert_id)
    require(actor, "can_submit_recert_evidence", cert)
    day = services.today()
    _open_for_evidence(cert, day)
    if _evidence(cert, PEER_REVIEW) is not None:
        raise DomainError("The peer review for this cycle has been written.")
    reviewer = db.session.get(Person, reviewer_person_id) if reviewer_person_id else None
    if reviewer is None:
        message = "Choose the coach who writes the peer review."
        raise DomainError(message, field_errors={"reviewer_person_id": [message]})
    has_account = db.session.scalar(sa.select(sa.func.count(User.id)).where(
        User.person_id == reviewer.id, User.is_active.is_(True)))
    problems = rules.peer_problems(reviewer_person_id=reviewer.id,
                                   coach_person_id=cert.person_id,
                                   reviewer_held=_held(reviewer.id), today=day)
    if not has_account:
        problems.append(f"{reviewer.name} has no account to sign in with and write the "
                        "review.")
    if problems:
        raise DomainError(" ".join(problems), field_errors={"reviewer_person_id": problems})
    request = _evidence(cert, PEER_REQUEST)
    replaced = request.reviewer_person_id if request is not None else None
    if request is None:
        request = CertificationEvidence(person_id=cert.person_id, kind=PEER_REQUEST,
                                        certification_id=cert.id, summary="",
                                        recorded_on=day)
        db.session.add(request)
    request.reviewer_person_id = reviewer.id
    request.recorded_on = day
    request.recorded_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("certification.peer_review_requested", actor=actor,
                 object_type="certification", object_id=cert.id,
                 detail={"person_id": cert.person_id, "reviewer_person_id": reviewer.id,
                         "replaced_reviewer_person_id": replaced})
    return request


@dataclass(frozen=True)
class PeerRequest:
    """What the peer sees: whom the review is for, and nothing of their evidence."""

    cert: Certification
    coach: Person
    request: CertificationEvidence
    window: rules.CycleWindow


def peer_request(actor: Any, cert_id: int) -> PeerRequest:
    """The review request addressed to the actor, or the review they wrote (403 for anyone
    else)."""
    cert = get_certification(cert_id)
    request = _evidence(cert, PEER_REQUEST) or _evidence(cert, PEER_REVIEW)
    require(actor, "can_write_peer_review", request)
    if request is None:  # the permission refuses a missing request already
        raise NotFound("peer review request")
    return PeerRequest(cert, cert.person, request, window_of(cert))


def submit_peer_review(actor: Any, cert_id: int, text: str) -> CertificationEvidence:
    """The peer writes the review they were asked for; it becomes the cycle's peer review."""
    found = peer_request(actor, cert_id)
    cert, request = found.cert, found.request
    if request.kind == PEER_REVIEW:
        raise DomainError("You have submitted this peer review; it can no longer change.")
    day = services.today()
    _open_for_evidence(cert, day)
    problems = rules.peer_problems(reviewer_person_id=getattr(actor, "person_id", None),
                                   coach_person_id=cert.person_id,
                                   reviewer_held=_held(request.reviewer_person_id or 0),
                                   today=day)
    if problems:
        raise DomainError(" ".join(problems))
    problems = rules.peer_review_problems(text)
    if problems:
        raise DomainError("The peer review was not saved.", field_errors={"text": problems})
    request.kind = PEER_REVIEW
    request.summary = rules.clean_text(text)
    request.recorded_on = day
    request.recorded_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("certification.peer_review_recorded", actor=actor,
                 object_type="certification", object_id=cert.id,
                 detail={"person_id": cert.person_id, "evidence_id": request.id,
                         "reviewer_person_id": request.reviewer_person_id})
    return request


# --- the rubric-scored review -----------------------------------------------------------------


def recertification_rubric() -> RubricVersion | None:
    """The latest loaded version of the rubric the levels file names."""
    key = _policy().rubric
    return db.session.scalar(sa.select(RubricVersion).where(
        RubricVersion.rubric_key == key, RubricVersion.purpose == RUBRIC_PURPOSE)
        .order_by(RubricVersion.version.desc(), RubricVersion.id.desc()).limit(1))


def master_coaches() -> list[User]:
    """Active master coaches: who may score a recertification review."""
    return list(db.session.scalars(sa.select(User).where(
        User.is_active.is_(True), User.id.in_(sa.select(RoleGrant.user_id).where(
            RoleGrant.role == Role.MASTER_COACH.value))).order_by(User.display_name, User.id)))


def _rater_problems(rater: User, cert: Certification, rubric: RubricVersion) -> list[str]:
    from coachprog.calibration.services import calibration_refusal

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
    _open_for_evidence(cert, day)
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
        levels_version=services.levels_policy().version,
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
    from flask import url_for

    try:
        return url_for("certification.recertification", cert_id=cert_id, _external=True)
    except RuntimeError:
        return None


def review_assignment(decision: CertificationDecision | None,
                      rater: Any = None) -> RaterAssignment | None:
    """The rater's assignment on the review (the first rater's when `rater` is None)."""
    assessment = review_assessment(decision)
    if assessment is None:
        return None
    for assignment in assessment.assignments:
        if assignment.role == "rater" and (rater is None or assignment.rater_id == rater.id):
            return assignment
    return None


def _sync_review(decision: CertificationDecision) -> None:
    """Copy the closed assessment's result onto the decision (it may also have been scored or
    moderated on the assessments pages)."""
    assessment = review_assessment(decision)
    if assessment is None or assessment.status != "closed" or decision.review_passed is not None:
        return
    result = assessment.result or {}
    rater = review_assignment(decision)
    decision.review_marks = ({m.behaviour_id: m.value for m in rater.marks}
                             if rater is not None else None)
    decision.review_score = float(result.get("overall", 0.0))
    decision.review_passed = bool(result.get("passed"))
    db.session.flush()


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
    _sync_review(decision)
    return decision


# --- decision: two approvals, renewal, withdrawal -------------------------------------------


def _pending_recert(decision_id: int) -> tuple[CertificationDecision, Certification]:
    decision = db.session.get(CertificationDecision, decision_id)
    if decision is None or decision.kind != RECERTIFICATION:
        raise NotFound("decision")
    if decision.status != domain.DecisionStatus.PENDING.value:
        raise DomainError("This recertification is no longer open.")
    cert = db.session.get(Certification, decision.renews_certification_id or 0)
    if cert is None:
        raise NotFound("certification")
    return decision, cert


def approval_problems(actor: Any, decision: CertificationDecision, cert: Certification,
                      capacity: domain.ApproverRole) -> tuple[list[str], domain.Evaluation]:
    """Every reason this approval may not be given now, and the criteria as they stand."""
    approvals = domain.Approvals(decision.master_approver_id, decision.admin_approver_id)
    problems = domain.approval_problems(
        approvals, actor_user_id=actor.id, actor_roles=services._roles(actor),
        capacity=capacity, subject_user_id=services._user_id_of(decision.person_id))
    problems += rules.eligibility_problems(cert.status, cert.valid_until, services.today(),
                                           _policy().reminder_days)
    _sync_review(decision)
    problems += rules.review_problems(review_facts(decision) or rules.ReviewFacts(None))
    evaluation = services.evaluate_recertification(cert)
    problems += domain.completion_problems(evaluation, override=decision.override,
                                           override_reason=decision.override_reason)
    return problems, evaluation


def approve(actor: Any, decision_id: int,
            capacity: domain.ApproverRole | str) -> CertificationDecision:
    """One of the two approvals of a recertification; the second renews the certification."""
    require(actor, "can_decide_certification")
    capacity = services.approver_role(capacity)
    decision, cert = _pending_recert(decision_id)
    problems, evaluation = approval_problems(actor, decision, cert, capacity)
    if problems:
        raise DomainError(" ".join(problems))
    if services.record_approval(actor, decision, capacity, evaluation, kind=RECERTIFICATION):
        renew(actor, decision, cert)
    db.session.flush()
    return decision


def renew(actor: Any, decision: CertificationDecision, cert: Certification) -> Certification:
    """The approved recertification: a new certification per `plan_renewal`, the old one
    superseded (a lapsed coach is so restored)."""
    day = services.today()
    plan = rules.plan_renewal(cert.valid_until, day, _policy().cycle_months)
    restored = cert.status == domain.CertStatus.LAPSED.value
    decision.status = domain.DecisionStatus.APPROVED.value
    decision.decided_at = utcnow()
    cert.status = domain.CertStatus.SUPERSEDED.value
    cert.superseded_at = utcnow()
    renewed = Certification(person_id=cert.person_id, level=cert.level,
                            status=domain.CertStatus.ACTIVE.value, issued_on=plan.issued_on,
                            valid_until=plan.valid_until, last_recertified_on=plan.issued_on,
                            decision_id=decision.id)
    db.session.add(renewed)
    db.session.flush()
    audit.record("certification.renewed", actor=actor, object_type="certification",
                 object_id=renewed.id,
                 detail={"person_id": cert.person_id, "level": cert.level,
                         "previous_certification_id": cert.id,
                         "previous_valid_until": cert.valid_until.isoformat(),
                         "valid_until": renewed.valid_until.isoformat(), "late": plan.late,
                         "restored": restored, "override": decision.override})
    return renewed


def approve_for_certification(actor: Any, cert_id: int,
                              capacity: domain.ApproverRole | str) -> CertificationDecision:
    cert = get_certification(cert_id)
    require(actor, "can_decide_certification")
    decision = pending_decision(cert)
    if decision is None:
        raise DomainError("No recertification is in progress for this certification.")
    return approve(actor, decision.id, capacity)


def withdraw(actor: Any, cert_id: int, reason: str) -> CertificationDecision:
    """End the recertification in progress, with a reason (the evidence can change again)."""
    cert = get_certification(cert_id)
    require(actor, "can_withdraw_recertification", cert)
    problems = rules.withdraw_problems(reason)
    decision = pending_decision(cert)
    if decision is None:
        raise DomainError("No recertification is in progress for this certification.")
    if problems:
        raise DomainError(" ".join(problems), field_errors={"reason": problems})
    decision.status = domain.DecisionStatus.WITHDRAWN.value
    decision.decided_at = utcnow()
    decision.note = rules.clean_text(reason)
    db.session.flush()
    audit.record("certification.recertification_withdrawn", actor=actor,
                 object_type="certification_decision", object_id=decision.id,
                 detail={"person_id": cert.person_id, "certification_id": cert.id,
                         "assessment_id": decision.review_assessment_id})
    return decision


# --- for other pages --------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelRow:
    cert: Certification
    stage: rules.Stage
    label: str
    opens_on: date


def panel_rows(certifications: list[Certification], *,
               on: date | None = None) -> list[PanelRow]:
    """The coach page's recertification panel: each active or lapsed certification's stage.
    The coach page has already decided who may see it."""
    day = on or services.today()
    rows = []
    for cert in certifications:
        if cert.status not in rules.RECERTIFIABLE:
            continue
        stage = stage_of(cert, on=day)
        rows.append(PanelRow(cert, stage, rules.STAGE_LABELS[stage],
                             rules.opens_on(cert.valid_until, _policy().reminder_days)))
    return rows


def can_see_page(actor: Any, cert: Certification) -> bool:
    return can(actor, "can_view_recertification", cert)
