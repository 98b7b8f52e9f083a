"""The audits demo seed: a supervision tree, a drawn sample, one audit done; idempotent."""

from __future__ import annotations

from coachprog.audits.models import Audit, AuditSample
from coachprog.coaching.models import SupervisorAssignment
from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.seed import audits as seed
from tests.assessments.builders import calibrate
from tests.audits.builders import ADMIN, coaches
from tests.factories import PersonFactory, UserFactory


def test_seed_is_idempotent(clock) -> None:
    assert seed.seed_demo(ADMIN) is False  # nothing to build on yet
    master = UserFactory(email="master@demo.example", roles=[Role.MASTER_COACH])
    calibrate(master, "audit")
    UserFactory(email="lead@demo.example", roles=[Role.LEAD_COACH],
                person_id=PersonFactory().id)
    coaches(6)
    db.session.commit()
    assert seed.seed_demo(ADMIN) is True
    db.session.commit()
    counts = (db.session.query(SupervisorAssignment).count(),
              db.session.query(AuditSample).count(),
              db.session.query(Audit).filter(Audit.outcome.is_not(None)).count())
    assert counts == (7, 1, 1)
    assert seed.seed_demo(ADMIN) is False
    assert (db.session.query(SupervisorAssignment).count(),
            db.session.query(AuditSample).count(),
            db.session.query(Audit).filter(Audit.outcome.is_not(None)).count()) == counts


def test_seed_appoints_a_demo_cohort_when_nobody_is_appointed(clock) -> None:
    from coachprog.coaching.roster.services import active_coach_ids

    UserFactory(email="master@demo.example", roles=[Role.MASTER_COACH])
    UserFactory(email="lead@demo.example", roles=[Role.LEAD_COACH],
                person_id=PersonFactory().id)
    boss = PersonFactory()
    for _ in range(15):
        PersonFactory(manager=boss)
    db.session.commit()
    assert seed.seed_demo(ADMIN) is True
    assert len(active_coach_ids()) == seed.COHORT_SIZE
    sample = db.session.query(AuditSample).one()
    assert len(sample.drawn) >= 3
    assert seed.seed_demo(ADMIN) is False
    assert len(active_coach_ids()) == seed.COHORT_SIZE


def test_seed_assigns_an_older_unassigned_sample_once_someone_is_calibrated(clock) -> None:
    master = UserFactory(email="master@demo.example", roles=[Role.MASTER_COACH])
    UserFactory(email="lead@demo.example", roles=[Role.LEAD_COACH],
                person_id=PersonFactory().id)
    coaches(6)
    db.session.commit()
    assert seed.seed_demo(ADMIN) is True
    db.session.commit()
    sample = db.session.query(AuditSample).one()
    # Nobody calibrated for audits: nothing assigned, and the seed decides nothing itself.
    assert sample.audits and all(a.auditor_user_id is None for a in sample.audits)
    assert not any(a.outcome for a in sample.audits)
    assert seed.seed_demo(ADMIN) is False
    calibrate(master, "audit")
    db.session.commit()
    assert seed.seed_demo(ADMIN) is True
    db.session.commit()
    assert all(a.auditor_user_id == master.id for a in sample.audits)
    assert [a.decided_by_id for a in sample.audits if a.outcome] == [master.id]
    assert db.session.query(AuditSample).count() == 1  # the same sample, not redrawn
    assert seed.seed_demo(ADMIN) is False
