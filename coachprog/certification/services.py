"""Certification services: criteria evaluation (the policy itself: `levels.services`), the
daily tick (lapse and reminders), revocation, decisions, and what other domains read (roster
exclusions, match blockers).

Services flush; the caller (view, CLI, job) commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from coachprog.auth.models import User
from coachprog.authority import require, roles_of
from coachprog.certification import domain
from coachprog.certification.levels.evidence import EvidenceContext, measure
from coachprog.certification.levels.services import levels_policy
from coachprog.certification.models import (
    Certification,
    CertificationDecision,
    CertificationReminder,
)
from coachprog.coaching.engagements.services import register_match_blocker
from coachprog.coaching.models import SupervisorAssignment
from coachprog.coaching.roster.services import register_roster_exclusion
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.jobs.batch import ItemFailure, one_item, record_failure, record_run
from coachprog.notifications.services import send_email
from coachprog.people.models import Person


def display_status(cert: Any, today: date) -> str:
    """"valid" | "expired" | "revoked" | "lapsed" for a Certification on `today`."""
    return domain.display_status(cert.status, cert.valid_until, today).value


def today() -> date:
    return utcnow().date()


# --- criteria --------------------------------------------------------------------------------


def evaluate_level(person_id: int, level: str, *, on: date | None = None) -> domain.Evaluation:
    """Each criterion of `level` for this coach, met or not, with its evidence."""
    spec = levels_policy().level(level)
    ctx = EvidenceContext(person_id=person_id, today=on or today())
    return domain.evaluate(spec.criteria, {c.key: measure(ctx, c) for c in spec.criteria})


def cycle_start(cert: Certification) -> date:
    return cert.last_recertified_on or cert.issued_on


def evaluate_recertification(cert: Certification, *, on: date | None = None
                             ) -> domain.Evaluation:
    criteria = levels_policy().recertification.criteria
    ctx = EvidenceContext(person_id=cert.person_id, today=on or today(),
                          cycle_start=cycle_start(cert), certification_id=cert.id)
    return domain.evaluate(criteria, {c.key: measure(ctx, c) for c in criteria})


# --- lapse, revocation, roster ---------------------------------------------------------------


@register_roster_exclusion
def _lapsed_or_revoked() -> dict[int, str]:
    """Coaches whose certification lapsed or was revoked leave the active roster (and so
    matching and audit populations) — unless they also hold an active certification."""
    rows = db.session.execute(sa.select(Certification.person_id, Certification.status).where(
        Certification.status.in_((domain.CertStatus.LAPSED.value,
                                  domain.CertStatus.REVOKED.value,
                                  domain.CertStatus.ACTIVE.value))))
    active: set[int] = set()
    off: dict[int, str] = {}
    for person_id, status in rows:
        if status == domain.CertStatus.ACTIVE.value:
            active.add(person_id)
        else:
            off.setdefault(person_id, f"certification {status}")
    return {pid: reason for pid, reason in off.items() if pid not in active}


@register_match_blocker
def _match_blocker(coach_person_id: int) -> list[str]:
    reason = _lapsed_or_revoked().get(coach_person_id)
    return [f"Their {reason.removeprefix('certification ')} certification takes them off "
            f"new matches."] if reason else []


def revoke_certification(actor: Any, cert_id: int, reason: str) -> Certification:
    """Revocation is immediate and needs a reason; the verify page shows it at once."""
    require(actor, "can_revoke_certification")
    cert = get_or_404(Certification, cert_id, what="certification")
    if cert.status == domain.CertStatus.REVOKED.value:
        raise DomainError("This certification is already revoked.")
    if len(reason.strip()) < domain.MIN_OVERRIDE_REASON:
        raise DomainError(f"A revocation needs a reason of at least "
                          f"{domain.MIN_OVERRIDE_REASON} characters.",
                          field_errors={"reason": ["Give the reason."]})
    cert.status = domain.CertStatus.REVOKED.value
    cert.revoked_at = utcnow()
    cert.revoked_reason = reason.strip()
    cert.revoked_by_id = getattr(actor, "id", None)
    audit.record("certification.revoked", actor=actor, object_type="certification",
                 object_id=cert.id, detail={"person_id": cert.person_id, "level": cert.level})
    db.session.flush()
    return cert


# --- the daily tick --------------------------------------------------------------------------


TICK_BATCH = "certification.tick"
TICK_RUN = "certification-tick"  # its BatchRun name (the retention register reads it)


@dataclass
class TickSummary:
    lapsed: int = 0
    reminders: int = 0
    messages: int = 0
    # Certifications (or e-mails) the tick could not process; the others went ahead.
    failures: list[ItemFailure] = field(default_factory=list)

    def line(self) -> str:
        text = (f"{self.lapsed} lapsed, {self.reminders} reminder(s) logged, "
                f"{self.messages} e-mail(s) queued")
        return text + (f", {len(self.failures)} failure(s)" if self.failures else "")


def _recipients(cert: Certification) -> list[tuple[str, str]]:
    """The coach and their supervisors (e-mail, name), each once."""
    people: list[tuple[str, str]] = []
    coach = db.session.get(Person, cert.person_id)
    if coach is not None:
        people.append((coach.email, coach.name))
    supervisors = db.session.scalars(sa.select(User).join(
        SupervisorAssignment, SupervisorAssignment.supervisor_user_id == User.id).where(
        SupervisorAssignment.coach_person_id == cert.person_id))
    for user in supervisors:
        if user.email and user.email not in {e for e, _ in people}:
            people.append((user.email, user.display_name))
    return people


def _send(cert: Certification, *, kind: str, subject: str, body: str, actor: Any,
          failures: list[ItemFailure]) -> int:
    """Queue the e-mail to each recipient; one the mailer refuses (an address it cannot
    write to) is a failure of this certification's run, and the others still get theirs."""
    sent = 0
    for email, name in _recipients(cert):
        try:
            send_email(kind=kind, to_email=email, to_name=name, subject=subject, body=body,
                       related_type="certification", related_id=cert.id)
        except DomainError as refused:
            record_failure(failures, batch=TICK_BATCH, object_type="certification",
                           object_id=cert.id, actor=actor,
                           reason=f"{kind} e-mail to {email} not sent: {refused}")
            continue
        sent += 1
    return sent


def _tick_one(cert: Certification, day: date, reminder_days: Any, actor: Any,
              summary: TickSummary, sent: set[int]) -> None:
    name = domain.LEVEL_NAMES.get(cert.level, cert.level)
    new_status = domain.next_status(cert.status, cert.valid_until, day)
    if new_status != cert.status:
        cert.status = new_status
        cert.lapsed_at = utcnow()
        summary.lapsed += 1
        summary.messages += _send(
            cert, kind="certification.lapsed", subject=f"{name} certification lapsed",
            body=(f"The {name} certification was due for recertification on "
                  f"{cert.valid_until.isoformat()} and has lapsed. The coach is off the "
                  f"active roster and new matches until recertified."),
            actor=actor, failures=summary.failures)
        audit.record("certification.lapsed", actor=actor, object_type="certification",
                     object_id=cert.id, detail={"person_id": cert.person_id})
        return
    due = domain.reminders_due(cert.valid_until, day, sent, reminder_days)
    if not due:
        return
    left = domain.days_left(cert.valid_until, day)
    count = _send(cert, kind="certification.reminder",
                  subject=f"{name} recertification due in {left} days",
                  body=(f"The {name} certification is due for recertification on "
                        f"{cert.valid_until.isoformat()} ({left} days). Gather the "
                        f"evidence: a scored session, a client outcomes brief, a peer "
                        f"review and continuing development hours."),
                  actor=actor, failures=summary.failures)
    for days in due:
        db.session.add(CertificationReminder(certification_id=cert.id,
                                             due_on=cert.valid_until, days_before=days,
                                             recipients=count))
        summary.reminders += 1
    summary.messages += count


def run_tick(actor: Any, *, on: date | None = None) -> TickSummary:
    """Move statuses (active past due → lapsed) and send the 60/30/7-day reminders. Running it
    twice on the same day sends nothing twice: each reminder is logged under a unique key
    (certification, due date, threshold) in the same transaction as its e-mail. Each
    certification is processed on its own (coachprog.jobs.batch): one that fails is rolled
    back and listed in `failures`, and the tick goes on with the rest."""
    require(actor, "can_run_certification_tick")
    day = on or today()
    policy = levels_policy()
    summary = TickSummary()
    reminder_days = policy.recertification.reminder_days
    active = list(db.session.scalars(sa.select(Certification).where(
        Certification.status == domain.CertStatus.ACTIVE.value).order_by(Certification.id)))
    # The reminders already sent for every active certification's current due date, in one
    # query; only a certification with something to do gets its savepoint (issue 20: a
    # savepoint and a query for each of 1,000 certifications took seconds to do nothing).
    sent: dict[int, set[int]] = {}
    for cert_id, days_before in db.session.execute(
            sa.select(CertificationReminder.certification_id, CertificationReminder.days_before)
            .join(Certification, Certification.id == CertificationReminder.certification_id)
            .where(Certification.status == domain.CertStatus.ACTIVE.value,
                   CertificationReminder.due_on == Certification.valid_until)):
        sent.setdefault(cert_id, set()).add(days_before)
    for cert in active:
        already = sent.get(cert.id, set())
        if (domain.next_status(cert.status, cert.valid_until, day) == cert.status
                and not domain.reminders_due(cert.valid_until, day, already, reminder_days)):
            continue
        counts = (summary.lapsed, summary.reminders, summary.messages)
        with one_item(summary.failures, batch=TICK_BATCH, object_type="certification",
                      object_id=cert.id, actor=actor) as item:
            _tick_one(cert, day, reminder_days, actor, summary, already)
        if item.failed:  # its counts went with its rollback
            summary.lapsed, summary.reminders, summary.messages = counts
    record_run(TICK_RUN, {"lapsed": summary.lapsed, "reminders": summary.reminders,
                          "messages": summary.messages}, failures=len(summary.failures))
    db.session.flush()
    return summary


# --- a coach's status (page and API) ---------------------------------------------------------


@dataclass
class CoachStatus:
    person: Person
    certifications: list[Certification]
    criteria: dict[str, domain.Evaluation]  # level id → evaluation, for levels not held


def coach_status(actor: Any, person_id: int, *, on: date | None = None) -> CoachStatus:
    """A coach's certifications and, for each level they do not hold, its criteria. The coach
    sees their own; program staff see anyone's."""
    person = get_or_404(Person, person_id, what="person")
    require(actor, "can_view_certification", person_id)
    certs = list(db.session.scalars(sa.select(Certification).where(
        Certification.person_id == person_id).order_by(Certification.issued_on,
                                                       Certification.id)))
    held = {c.level for c in certs if c.status == domain.CertStatus.ACTIVE.value}
    criteria = {spec.id: evaluate_level(person_id, spec.id, on=on)
                for spec in levels_policy().levels if spec.id not in held}
    return CoachStatus(person, certs, criteria)


def decisions_of(actor: Any, person_id: int) -> list[CertificationDecision]:
    """A coach's decision history, newest first (who opened, who approved, any override)."""
    require(actor, "can_view_certification", person_id)
    return list(db.session.scalars(sa.select(CertificationDecision).where(
        CertificationDecision.person_id == person_id).order_by(
            CertificationDecision.created_at.desc(), CertificationDecision.id.desc())))


def certifications_of(person_id: int) -> list[Certification]:
    """A coach's certifications, oldest first (no criteria: cheap enough for the home page)."""
    return list(db.session.scalars(sa.select(Certification).where(
        Certification.person_id == person_id).order_by(Certification.issued_on,
                                                       Certification.id)))


# --- decisions: two people, override ---------------------------------------------------------


def _user_id_of(person_id: int) -> int | None:
    return db.session.scalar(sa.select(User.id).where(User.person_id == person_id))


def open_decision(actor: Any, person_id: int, level: str) -> CertificationDecision:
    """Start a certification decision with the criteria snapshot taken now."""
    require(actor, "can_decide_certification")
    spec = levels_policy().level(level)
    held = set(db.session.scalars(sa.select(Certification.level).where(
        Certification.person_id == person_id,
        Certification.status == domain.CertStatus.ACTIVE.value)))
    problems = domain.level_entry_problems(spec, held)
    if problems:
        raise DomainError(" ".join(problems))
    evaluation = evaluate_level(person_id, level)
    decision = CertificationDecision(
        person_id=person_id, level=level, kind=domain.DecisionKind.CERTIFICATION.value,
        status=domain.DecisionStatus.PENDING.value, levels_version=levels_policy().version,
        criteria_snapshot=evaluation.snapshot(), criteria_met=evaluation.all_met,
        created_by_id=getattr(actor, "id", None))
    db.session.add(decision)
    db.session.flush()
    audit.record("certification.decision_opened", actor=actor,
                 object_type="certification_decision", object_id=decision.id,
                 detail={"person_id": person_id, "level": level,
                         "criteria_met": evaluation.all_met})
    return decision


def override_decision(actor: Any, decision_id: int, reason: str) -> CertificationDecision:
    """An admin lets a decision through unmet criteria, with a recorded reason (flagged)."""
    require(actor, "can_override_certification")
    decision = _pending(decision_id)
    problems = domain.override_problems(actor_roles=_roles(actor), reason=reason)
    if problems:
        raise DomainError(" ".join(problems), field_errors={"reason": problems})
    decision.override = True
    decision.override_reason = reason.strip()
    decision.override_by_id = getattr(actor, "id", None)
    audit.record("certification.override", actor=actor, object_type="certification_decision",
                 object_id=decision.id, detail={"person_id": decision.person_id,
                                                "level": decision.level})
    db.session.flush()
    return decision


def _roles(actor: Any) -> frozenset[str]:
    return roles_of(actor)


def _pending(decision_id: int) -> CertificationDecision:
    decision = get_or_404(CertificationDecision, decision_id, what="decision")
    if decision.status != domain.DecisionStatus.PENDING.value:
        raise DomainError("This decision is no longer open.")
    return decision


def approver_role(capacity: domain.ApproverRole | str) -> domain.ApproverRole:
    """The capacity an approval is given in, or a DomainError on the field."""
    try:
        return domain.ApproverRole(capacity)
    except ValueError:
        message = "Approve as the master coach or as the admin."
        raise DomainError(message, field_errors={"capacity": [message]}) from None


Approver = Callable[[Any, int, domain.ApproverRole], CertificationDecision]
_approvers: dict[str, Approver] = {}


def register_approver(kind: str, approve: Approver) -> None:
    """A decision kind approved by its own rules: the recertification sub-package registers
    its `approve` (it builds on this module, so this module cannot import it)."""
    _approvers[kind] = approve


def approve_decision(actor: Any, decision_id: int,
                     capacity: domain.ApproverRole | str) -> CertificationDecision:
    """One of the two approvals. Criteria are evaluated again; the second approval issues the
    certification, refused while a criterion is unmet unless an admin overrode it. A
    recertification is approved on its own evidence and renews (its registered approver)."""
    require(actor, "can_decide_certification")
    capacity = approver_role(capacity)
    decision = _pending(decision_id)
    approve_by_own_rules = _approvers.get(decision.kind)
    if approve_by_own_rules is not None:
        return approve_by_own_rules(actor, decision_id, capacity)
    approvals = domain.Approvals(decision.master_approver_id, decision.admin_approver_id)
    problems = domain.approval_problems(
        approvals, actor_user_id=actor.id, actor_roles=_roles(actor), capacity=capacity,
        subject_user_id=_user_id_of(decision.person_id))
    evaluation = evaluate_level(decision.person_id, decision.level)
    problems += domain.completion_problems(evaluation, override=decision.override,
                                           override_reason=decision.override_reason)
    if problems:
        raise DomainError(" ".join(problems))
    if record_approval(actor, decision, capacity, evaluation):
        _issue(actor, decision)
    db.session.flush()
    return decision


def record_approval(actor: Any, decision: CertificationDecision,
                    capacity: domain.ApproverRole, evaluation: domain.Evaluation,
                    **detail: Any) -> bool:
    """Stamp one approval (already checked) with the criteria as the approver saw them; True
    when it was the second, so the caller issues or renews the certification."""
    decision.criteria_snapshot = evaluation.snapshot()
    decision.criteria_met = evaluation.all_met
    now = utcnow()
    if capacity is domain.ApproverRole.MASTER_COACH:
        decision.master_approver_id, decision.master_approved_at = actor.id, now
    else:
        decision.admin_approver_id, decision.admin_approved_at = actor.id, now
    audit.record("certification.approved", actor=actor, object_type="certification_decision",
                 object_id=decision.id, detail={"capacity": capacity.value,
                                                "override": decision.override, **detail})
    return domain.Approvals(decision.master_approver_id, decision.admin_approver_id).complete


def _issue(actor: Any, decision: CertificationDecision) -> Certification:
    day = today()
    decision.status = domain.DecisionStatus.APPROVED.value
    decision.decided_at = utcnow()
    spec = levels_policy().level(decision.level)
    if spec.requires is not None:
        for lower in db.session.scalars(sa.select(Certification).where(
                Certification.person_id == decision.person_id,
                Certification.level == spec.requires,
                Certification.status == domain.CertStatus.ACTIVE.value)):
            lower.status = domain.CertStatus.SUPERSEDED.value
            lower.superseded_at = utcnow()
    cert = Certification(person_id=decision.person_id, level=decision.level,
                         status=domain.CertStatus.ACTIVE.value, issued_on=day,
                         valid_until=domain.due_date(
                             day, levels_policy().recertification.cycle_months),
                         decision_id=decision.id)
    db.session.add(cert)
    db.session.flush()
    audit.record("certification.issued", actor=actor, object_type="certification",
                 object_id=cert.id, detail={"person_id": cert.person_id, "level": cert.level,
                                            "override": decision.override})
    return cert
