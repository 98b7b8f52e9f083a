"""Auditor assignment: constraints, balance, every rule on draw and on reassignment."""

from __future__ import annotations

import pytest

from coachprog.audits import services
from coachprog.audits.sampling import assignment
from coachprog.audits.sampling import services as sampling_services
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.roles import Role
from tests.audits.builders import (
    ADMIN,
    auditor,
    coaches,
    full_marks,
    supervise,
    supervisor,
    world,
)


def test_assignment_constraints_and_balance(clock) -> None:
    w = world()
    uncalibrated = auditor(calibrated=False)
    # A master coach who directly supervises a lead: never audits coaches they supervise.
    boss = w["masters"][0]
    for coach in w["a"]:
        supervise(coach, boss)
    db.session.commit()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=5, percent=100)
    loads: dict[int, int] = {}
    for audit in sample.audits:
        assert audit.auditor_user_id is not None
        assert audit.auditor_user_id != uncalibrated.id
        if audit.coach_person_id in {c.id for c in w["a"]}:
            assert audit.auditor_user_id != boss.id
        loads[audit.auditor_user_id] = loads.get(audit.auditor_user_id, 0) + 1
    # Balanced across the two eligible masters for group a; overall spread at most a few.
    assert max(loads.values()) - min(loads.values()) <= 3
    audit = next(a for a in sample.audits if a.coach_person_id == w["a"][0].id)
    with pytest.raises(DomainError, match="supervises"):
        assignment.assign_auditor(ADMIN, audit.id, boss.id)
    with pytest.raises(DomainError, match="not calibrated"):
        assignment.assign_auditor(ADMIN, audit.id, uncalibrated.id)


def test_every_assignment_rule_on_draw_and_on_reassignment(clock) -> None:
    """Automatic assignment and an admin's reassignment apply the same four rules; each
    refusal says which rule."""
    from tests.factories import UserFactory

    lead = supervisor()
    coach = coaches(1, lead)[0]
    expired = auditor(expired=True)
    other_rubric = auditor(rubric="test-review")
    lead_coach = auditor(role=Role.LEAD_COACH)  # calibrated, but not a master coach or rater
    boss = auditor()  # a calibrated master coach who supervises the coach
    supervise(coach, boss)
    manager = auditor(role=Role.RATER)  # a calibrated external rater who manages the coach
    coach.manager_id = manager.person_id
    external = auditor(role=Role.RATER)  # the only eligible one
    plain = UserFactory(roles=[Role.COACH])
    db.session.commit()
    audit = sampling_services.draw(ADMIN, "2026Q4", seed=1).audits[0]
    db.session.commit()
    assert audit.auditor_user_id == external.id
    refusals = {
        expired.id: "not calibrated for the audit rubric",
        other_rubric.id: "not calibrated for the audit rubric",
        lead_coach.id: "neither a master coach nor a rater",
        plain.id: "neither a master coach nor a rater",
        boss.id: "supervises this coach directly",
        # The chain bar, in its words (issue 19).
        manager.id: f"{manager.display_name} manages .*, so cannot be their auditor",
    }
    for user_id, reason in refusals.items():
        with pytest.raises(DomainError, match=reason) as info:
            assignment.assign_auditor(ADMIN, audit.id, user_id)
        assert "auditor_user_id" in info.value.field_errors
    with pytest.raises(DomainError, match="Choose a master coach"):
        assignment.assign_auditor(ADMIN, audit.id, 999_999)
    db.session.rollback()
    second = auditor(role=Role.RATER)
    db.session.commit()
    assignment.assign_auditor(ADMIN, audit.id, second.id)
    assert audit.auditor_user_id == second.id
    loads = {u.id: n for u, n in assignment.auditor_loads()}
    assert loads[second.id] == 1 and loads[external.id] == 0


def test_decided_audit_keeps_its_auditor(clock) -> None:
    w = world()
    audit = sampling_services.draw(ADMIN, "2026Q4", seed=2).audits[0]
    user = db.session.get(type(w["masters"][0]), audit.auditor_user_id)
    services.decide(user, audit.id, session_id=None, observed=True, findings="Observed live.",
                    outcome="meets_standard", marks=full_marks())
    other = next(m for m in w["masters"] if m.id != user.id)
    with pytest.raises(DomainError, match="already decided"):
        assignment.assign_auditor(ADMIN, audit.id, other.id)


def test_nobody_eligible_leaves_the_audit_unassigned(clock) -> None:
    from tests.assessments.builders import calibrate

    lead = supervisor(Role.MASTER_COACH)  # the only auditor, and the coaches' supervisor
    calibrate(lead, "audit")
    coaches(2, lead)
    db.session.commit()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=1)
    assert [a.auditor_user_id for a in sample.audits] == [None]


def test_rater_with_reporting_line_conflict_is_excluded(clock) -> None:
    from tests.factories import PersonFactory, UserFactory

    coach = coaches(1, supervisor())[0]
    manager_person = db.session.get(type(coach), coach.id)
    rater_person = PersonFactory()
    manager_person.manager_id = rater_person.id  # the rater manages the coach
    rater = UserFactory(roles=[Role.RATER], person_id=rater_person.id)
    from tests.assessments.builders import calibrate

    calibrate(rater, "audit")
    db.session.flush()
    assert rater.id in assignment.exclusions_for(coach.id, assignment.auditor_pool())
