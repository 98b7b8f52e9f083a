"""Recertification services: where one certification's cycle stands (its evidence, its stage,
the page's overview), the review's result, the two approvals, renewal and withdrawal. The
evidence people write is in `evidence`, the rubric-scored review in `review`. Services flush;
the caller commits.

Policy and rules: `recertification.domain` (read its docstring). In short:
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
  admin overrode them, `certification.services.override_decision`). The second approval
  renews: a new certification (`domain.plan_renewal`: early renewal loses no time, late
  renewal runs from today), the old one superseded; a lapsed coach is so restored to the
  active roster.
- Withdrawing (with a reason) ends a recertification in progress; a new one can then start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from coachprog.assessments.models import Assessment, RaterAssignment
from coachprog.authority import can, require
from coachprog.certification import domain, services
from coachprog.certification.levels.services import levels_policy
from coachprog.certification.models import (
    Certification,
    CertificationDecision,
    CertificationEvidence,
)
from coachprog.certification.recertification import domain as rules
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person

RECERTIFICATION = domain.DecisionKind.RECERTIFICATION.value
OUTCOMES_BRIEF = "outcomes_brief"
PEER_REVIEW = "peer_review"
PEER_REQUEST = "peer_review_request"
RUBRIC_PURPOSE = "recertification"


# --- reading ----------------------------------------------------------------------------------


def get_certification(cert_id: int) -> Certification:
    return get_or_404(Certification, cert_id, what="certification")


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


def recert_policy() -> domain.RecertificationSpec:
    return levels_policy().recertification


def latest_evidence(cert: Certification, kind: str) -> CertificationEvidence | None:
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
            cert.status, cert.valid_until, day, recert_policy().reminder_days):
        evaluation = services.evaluate_recertification(cert, on=day)
    return rules.stage(status=cert.status, valid_until=cert.valid_until, today=day,
                       evidence_complete=bool(evaluation and evaluation.all_met),
                       review=review_facts(decision), reminder_days=recert_policy().reminder_days)


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
    policy = recert_policy()
    decision = pending_decision(cert)
    if decision is not None:
        sync_review(decision)
    evaluation = services.evaluate_recertification(cert, on=day)
    brief = latest_evidence(cert, OUTCOMES_BRIEF)
    request = latest_evidence(cert, PEER_REQUEST)
    peer_review = latest_evidence(cert, PEER_REVIEW)
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


# --- the review's assessment ----------------------------------------------------------------------


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


def sync_review(decision: CertificationDecision) -> None:
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


# --- decision: two approvals, renewal, withdrawal -------------------------------------------


def _pending_recert(decision_id: int) -> tuple[CertificationDecision, Certification]:
    decision = get_or_404(CertificationDecision, decision_id, what="decision")
    if decision.kind != RECERTIFICATION:
        raise NotFound("decision")
    if decision.status != domain.DecisionStatus.PENDING.value:
        raise DomainError("This recertification is no longer open.")
    cert = get_or_404(Certification, decision.renews_certification_id, what="certification")
    return decision, cert


def approval_problems(actor: Any, decision: CertificationDecision, cert: Certification,
                      capacity: domain.ApproverRole) -> tuple[list[str], domain.Evaluation]:
    """Every reason this approval may not be given now, and the criteria as they stand."""
    approvals = domain.Approvals(decision.master_approver_id, decision.admin_approver_id)
    problems = domain.approval_problems(
        approvals, actor_user_id=actor.id, actor_roles=services._roles(actor),
        capacity=capacity, subject_user_id=services._user_id_of(decision.person_id))
    problems += rules.eligibility_problems(cert.status, cert.valid_until, services.today(),
                                           recert_policy().reminder_days)
    sync_review(decision)
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
    plan = rules.plan_renewal(cert.valid_until, day, recert_policy().cycle_months)
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
                             rules.opens_on(cert.valid_until, recert_policy().reminder_days)))
    return rows


def can_see_page(actor: Any, cert: Certification) -> bool:
    return can(actor, "can_view_recertification", cert)


services.register_approver(RECERTIFICATION, approve)
