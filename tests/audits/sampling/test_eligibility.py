"""The auditor choice list offers only auditors the audit may go to and says why the others
are not offered (issue 21), from a fixed number of statements whatever the pool's size."""

from __future__ import annotations

from bench.pages import counting
from coachprog.audits.sampling import services as sampling_services
from coachprog.audits.sampling.eligibility import AuditorOptions, auditor_options
from coachprog.auth.models import User
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.roles import Role
from tests.assessments.builders import calibrate
from tests.audits.builders import ADMIN, auditor, coaches, supervise, supervisor
from tests.coaching.builders import engagement
from tests.conftest import post_form
from tests.factories import PersonFactory, UserFactory


def _reasons(options: AuditorOptions, user: User) -> str:
    return " ".join(r for n in options.not_offered if n.user.id == user.id for r in n.reasons)


def _audit_of_coach():
    free = auditor()
    coach = coaches(1, supervisor())[0]
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=1, percent=100)
    audit = next(a for a in sample.audits if a.coach_person_id == coach.id)
    return audit, coach, free


def test_the_list_offers_only_auditors_the_audit_may_go_to(client, auth, clock) -> None:
    audit, coach, first = _audit_of_coach()
    assert audit.auditor_user_id == first.id
    free = auditor()
    uncalibrated = auditor(calibrated=False)
    direct = auditor()
    supervise(coach, direct)
    boss_person = PersonFactory()
    coach.manager_id = boss_person.id
    boss = UserFactory(roles=[Role.MASTER_COACH], person_id=boss_person.id)
    calibrate(boss, "audit")
    coaching = auditor()
    engagement(db.session.get(Person, coaching.person_id), coach)
    db.session.flush()
    options = auditor_options(audit)
    assert {o.user.id for o in options.offered} == {free.id}
    assert all(n.user.id != first.id for n in options.not_offered)  # holds it already
    assert "is not calibrated for the audit rubric" in _reasons(options, uncalibrated)
    assert "supervises this coach directly" in _reasons(options, direct)
    assert f"manages {coach.name}" in _reasons(options, boss)
    assert "coaches the person being assessed" in _reasons(options, coaching)
    # The page offers the same and says why in words.
    db.session.commit()
    auth.login_as(Role.ADMIN)
    page = client.get(f"/audits/audits/{audit.id}/assign").get_data(as_text=True)
    assert f'value="{free.id}"' in page
    for left_out in (uncalibrated, direct, boss, coaching):
        assert f'value="{left_out.id}"' not in page
    assert "Not offered: 4 people who cannot be the auditor" in page
    # A hand-made post of someone not offered is still refused in words.
    refused = post_form(client, f"/audits/audits/{audit.id}/assign",
                        {"auditor_user_id": str(direct.id)})
    assert "supervises this coach directly" in client.get(refused.location).get_data(
        as_text=True)


def test_the_list_costs_the_same_statements_for_a_small_and_a_large_pool(clock) -> None:
    audit, _coach, _first = _audit_of_coach()
    counts = []
    for extra in (2, 10):
        for number in range(extra):
            auditor(calibrated=number % 2 == 0, role=Role.RATER)
        db.session.commit()
        db.session.expire_all()
        with counting(db.engine) as seen:
            auditor_options(audit)
        counts.append(seen[0])
    assert counts[0] == counts[1], counts
