"""Two-person certification decisions: a master coach and an admin, two different people;
refused while a criterion is unmet unless an admin overrides with a reason (audited)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.certification import services
from coachprog.certification.domain import ApproverRole
from coachprog.certification.models import Certification
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from tests.factories import PersonFactory, UserFactory


@pytest.fixture
def evidence(monkeypatch):
    """Every Certified Internal Coach criterion met unless a test says otherwise."""
    from coachprog.certification.domain import Measurement
    from coachprog.certification.levels import evidence as ev

    state = {"met": True}
    for name in ("final_review_passed", "practicum_hour_targets_met", "capstone_passed",
                 "paperwork_complete"):
        monkeypatch.setitem(ev.QUERIES, name,
                            lambda ctx, spec: Measurement(state["met"], url="/evidence"))
    return state


def _people():
    coach = PersonFactory()
    master = UserFactory(roles=[Role.MASTER_COACH])
    admin = UserFactory(roles=[Role.ADMIN])
    return coach, master, admin


def test_master_coach_and_admin_certify(evidence):
    coach, master, admin = _people()
    decision = services.open_decision(master, coach.id, "certified_internal_coach")
    assert decision.criteria_met and all(c["met"] for c in decision.criteria_snapshot)
    services.approve_decision(master, decision.id, ApproverRole.MASTER_COACH)
    assert db.session.scalar(sa.select(sa.func.count(Certification.id))) == 0
    services.approve_decision(admin, decision.id, ApproverRole.ADMIN)
    cert = db.session.scalar(sa.select(Certification))
    assert cert.person_id == coach.id and cert.status == "active"
    assert (cert.valid_until - cert.issued_on).days in (365, 366)
    assert decision.status == "approved" and cert.decision_id == decision.id


def test_one_person_cannot_give_both_approvals(evidence):
    coach, _, _ = _people()
    both = UserFactory(roles=[Role.MASTER_COACH, Role.ADMIN])
    decision = services.open_decision(both, coach.id, "certified_internal_coach")
    services.approve_decision(both, decision.id, ApproverRole.MASTER_COACH)
    with pytest.raises(DomainError, match="two different people"):
        services.approve_decision(both, decision.id, ApproverRole.ADMIN)


def test_wrong_role_and_non_deciders_refused(evidence):
    coach, master, _ = _people()
    decision = services.open_decision(master, coach.id, "certified_internal_coach")
    with pytest.raises(DomainError, match="given by an admin"):
        services.approve_decision(master, decision.id, ApproverRole.ADMIN)
    with pytest.raises(NotPermitted):
        services.approve_decision(UserFactory(roles=[Role.LEAD_COACH]), decision.id,
                                  ApproverRole.MASTER_COACH)


def test_unmet_criterion_refused_until_admin_overrides_with_reason(evidence):
    coach, master, admin = _people()
    evidence["met"] = False
    decision = services.open_decision(master, coach.id, "certified_internal_coach")
    assert not decision.criteria_met
    with pytest.raises(DomainError, match="Not met"):
        services.approve_decision(master, decision.id, ApproverRole.MASTER_COACH)
    with pytest.raises(NotPermitted):
        services.override_decision(master, decision.id, "Evidence held on paper, checked")
    with pytest.raises(DomainError):
        services.override_decision(admin, decision.id, "ok")
    services.override_decision(admin, decision.id, "Evidence held on paper, checked")
    services.approve_decision(master, decision.id, ApproverRole.MASTER_COACH)
    services.approve_decision(admin, decision.id, ApproverRole.ADMIN)
    assert decision.override and decision.status == "approved"
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert "certification.override" in actions and "certification.issued" in actions
    issued = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "certification.issued"))
    assert issued.detail["override"] is True


def test_senior_coach_needs_cic_and_supersedes_it(evidence, monkeypatch):
    from coachprog.certification.domain import Measurement
    from coachprog.certification.levels import evidence as ev

    coach, master, admin = _people()
    with pytest.raises(DomainError, match="requires an active"):
        services.open_decision(master, coach.id, "senior_coach")
    decision = services.open_decision(master, coach.id, "certified_internal_coach")
    services.approve_decision(master, decision.id, ApproverRole.MASTER_COACH)
    services.approve_decision(admin, decision.id, ApproverRole.ADMIN)
    for name in ("coached_hours", "months_certified"):
        monkeypatch.setitem(ev.QUERIES, name, lambda ctx, spec: Measurement(500.0))
    for name in ("audits_meet_standard", "outcomes_brief"):
        monkeypatch.setitem(ev.QUERIES, name, lambda ctx, spec: Measurement(True))
    senior = services.open_decision(master, coach.id, "senior_coach")
    services.approve_decision(admin, senior.id, ApproverRole.ADMIN)
    services.approve_decision(master, senior.id, ApproverRole.MASTER_COACH)
    rows = db.session.execute(sa.select(Certification.level, Certification.status)).all()
    levels = {row.level: row.status for row in rows}
    assert levels == {"certified_internal_coach": "superseded", "senior_coach": "active"}
