"""The audits demo seed: a supervision tree, a drawn sample, one audit done; idempotent."""

from __future__ import annotations

from coachprog.audits import seed
from coachprog.audits.models import Audit, AuditSample
from coachprog.auth.domain import Role
from coachprog.coaching.models import SupervisorAssignment
from coachprog.extensions import db
from tests.audits.builders import ADMIN, coaches
from tests.factories import PersonFactory, UserFactory


def test_seed_is_idempotent(clock) -> None:
    assert seed.seed_demo(ADMIN) is False  # nothing to build on yet
    UserFactory(email="master@demo.example", roles=[Role.MASTER_COACH])
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
    from coachprog.coaching.services import active_coach_ids

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
