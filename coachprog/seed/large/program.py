"""Quality and certification records of the large organisation: four quarters of audit
samples (drawn with the audit domain's own method over the whole roster, the older quarters
decided, corrective actions after "needs development"), monthly case clinics, certifications
with the two-person decisions behind them, recertifications under way, reminders, and the
audit log of what the generator stands in for."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from coachprog.audits import domain as audit_domain
from coachprog.audits.models import Audit, AuditSample, CorrectiveAction
from coachprog.audits.sampling import domain as sampling_domain
from coachprog.audits.sampling.services import stratum_of
from coachprog.audits.structure.models import SupervisionEvent
from coachprog.audits.structure.services import supervisors_by_coach
from coachprog.certification import domain as cert_domain
from coachprog.certification.models import (
    Certification,
    CertificationDecision,
    CertificationEvidence,
    CertificationReminder,
)
from coachprog.coaching.roster.services import active_coach_ids
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.seed.large.context import Org

CRITERIA = [{"key": "practicum_hours", "label": "Practicum hours verified", "met": True,
             "detail": "Targets met.", "evidence_url": None},
            {"key": "session_reviews", "label": "Scored session reviews", "met": True,
             "detail": "Two passed reviews.", "evidence_url": None}]


def _quarters(org: Org, count: int) -> list[str]:
    current = audit_domain.quarter_of(org.today)
    return [*reversed(audit_domain.previous_quarters(current, count - 1)), current]


def generate_audits(org: Org) -> None:
    """A sample per quarter over every active coach (the current quarter's demo sample, if
    any, is superseded: it was drawn over the demo's few coaches)."""
    coaches = sorted(active_coach_ids())
    sup_of = supervisors_by_coach()
    population = [sampling_domain.PopulationMember(c, stratum_of(c, sup_of), 1.0)
                  for c in coaches]
    auditors = org.raters + org.masters
    quarters = _quarters(org, 4)
    db.session.execute(sa.update(AuditSample).where(
        AuditSample.quarter.in_(quarters), AuditSample.superseded_at.is_(None)).values(
        superseded_at=org.now, superseded_reason="Redrawn over the large organisation."))
    for number, quarter in enumerate(quarters):
        current = number == len(quarters) - 1
        start, end = audit_domain.quarter_bounds(quarter)
        seed = org.rng.randrange(2 ** 31)
        result = sampling_domain.draw_sample(population, percent=audit_domain.MIN_PERCENT,
                                             seed=seed)
        drawn_at = datetime.combine(start + timedelta(days=3), time(9), org.now.tzinfo)
        sample_id = org.bulk.add(
            AuditSample, quarter=quarter, seed=seed, method_version=sampling_domain.METHOD_VERSION,
            percent=audit_domain.MIN_PERCENT, override_reason="",
            population=[{"coach_id": m.coach_id, "stratum": m.stratum, "weight": m.weight}
                        for m in population],
            drawn=list(result.drawn), drawn_by_id=org.admin_id, drawn_at=drawn_at,
            superseded_reason="")
        for index, coach in enumerate(result.drawn):
            in_quarter = [sid for sid, day in org.sessions_of.get(coach, [])
                          if start <= day < end]
            decided = not current or org.rng.random() < 0.3
            outcome = None
            if decided:
                roll = org.rng.random()
                outcome = ("meets_standard" if roll < 0.8 else
                           "needs_development" if roll < 0.95 else "serious_concern")
            auditor = auditors[index % len(auditors)]
            decided_at = drawn_at + timedelta(days=30) if decided else None
            audit_id = org.bulk.add(
                Audit, sample_id=sample_id, quarter=quarter, coach_person_id=coach,
                auditor_user_id=auditor, session_id=in_quarter[0] if in_quarter else None,
                observed=decided and bool(in_quarter), scores={},
                findings="Generated findings." if decided else "", outcome=outcome,
                decided_at=decided_at, decided_by_id=auditor if decided else None,
                resolution_note="", created_at=drawn_at)
            if outcome == "needs_development" and decided_at is not None:
                done = not current and org.rng.random() < 0.7
                org.bulk.add(CorrectiveAction, audit_id=audit_id, kind="extra_supervision",
                             description="Two extra supervision sessions.",
                             owner_user_id=org.lead_of.get(coach, auditor),
                             due_on=(drawn_at + timedelta(days=75)).date(),
                             status="done" if done else "open",
                             closing_note="Held." if done else "", created_at=decided_at,
                             closed_at=decided_at + timedelta(days=40) if done else None)
    for month in range(12):
        held = org.today - timedelta(days=30 * month + 5)
        attendees = org.rng.sample(org.coaches, min(40, len(org.coaches)))
        org.bulk.add(SupervisionEvent, kind="case_clinic", title=f"Case clinic {held:%B %Y}",
                     held_on=held, attendee_person_ids=attendees, recorded_by_id=org.admin_id,
                     recorded_at=org.now)
    org.bulk.flush()


def generate_certifications(org: Org) -> None:
    """About 60 % of coaches certified (a few lapsed, a few senior), each through an approved
    decision; those due within 60 days have a recertification decision open with evidence."""
    level = cert_domain.Level.CERTIFIED_INTERNAL_COACH.value
    senior = cert_domain.Level.SENIOR_COACH.value
    for index, person_id in enumerate(org.coaches):
        roll = org.rng.random()
        if roll >= 0.6:
            continue
        due = org.today + timedelta(days=org.rng.randrange(-30, 365))
        issued = cert_domain.add_months(due, -12)
        status = "lapsed" if due < org.today else "active"
        decided = datetime.combine(issued, time(10), org.now.tzinfo)
        master = org.masters[index % len(org.masters)]
        chosen = senior if roll < 0.05 else level
        decision_id = org.bulk.add(
            CertificationDecision, person_id=person_id, level=chosen, kind="certification",
            status="approved", levels_version=1, criteria_snapshot=CRITERIA, criteria_met=True,
            master_approver_id=master, master_approved_at=decided,
            admin_approver_id=org.admin_id, admin_approved_at=decided, override=False,
            note="", created_by_id=org.admin_id, created_at=decided, decided_at=decided)
        cert_id = org.bulk.add(
            Certification, person_id=person_id, level=chosen, status=status, issued_on=issued,
            valid_until=due, decision_id=decision_id, created_at=decided,
            lapsed_at=org.now if status == "lapsed" else None,
            verification_code=f"L{index:06d}{org.rng.getrandbits(64):016x}")
        if status == "active" and (due - org.today).days <= 60:
            org.bulk.add(
                CertificationDecision, person_id=person_id, level=chosen,
                kind="recertification", status="pending", levels_version=1,
                criteria_snapshot=CRITERIA, criteria_met=True, renews_certification_id=cert_id,
                override=False, note="", created_by_id=org.admin_id, created_at=org.now)
            org.bulk.add(CertificationEvidence, person_id=person_id, kind="outcomes_brief",
                         summary="Coachee outcomes this cycle.", certification_id=cert_id,
                         recorded_on=org.today, recorded_by_id=org.admin_id, created_at=org.now)
            org.bulk.add(CertificationReminder, certification_id=cert_id, due_on=due,
                         days_before=60, recipients=2, sent_at=org.now)
    org.bulk.flush()


def generate_audit_log(org: Org, counts: dict[str, int]) -> None:
    """The log entries the work above stands for (one per account, engagement, recording,
    enrolment, decided audit and certification), dated over the last year."""
    label = "system:seed"
    per_kind: list[tuple[str, str, int]] = [
        ("user.created", "user", counts.get("users", 0)),
        ("coaching.engagement_created", "engagement", counts.get("engagements", 0)),
        ("recording.session_created", "coaching_session", counts.get("recordings", 0)),
        ("practicum.enrolled", "person", counts.get("practicum_enrolments", 0)),
        ("certification.issued", "certification", counts.get("certifications", 0)),
    ]
    for action, object_type, count in per_kind:
        for number in range(count):
            detail: dict[str, Any] = {"generated": True}
            org.bulk.add(AuditEntry, occurred_at=org.now - timedelta(
                minutes=org.rng.randrange(60 * 24 * 365)), actor_id=org.admin_id,
                actor_label=label, action=action, object_type=object_type,
                object_id=str(number + 1), ip=None, detail=detail)
    org.bulk.flush()
