"""Who sees what of coaching relationships: the agreement's manager sees the agreement and
nothing else, a manager of either party never sees an engagement (whatever their role), a
sponsor sees nothing, and the coach and coachee see their own."""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask.testing import FlaskClient

from coachprog.authority import can
from coachprog.coaching.paperwork import services as paperwork_services
from coachprog.extensions import db
from coachprog.roles import Role
from tests.coaching.builders import engagement, ready_coach
from tests.conftest import Auth
from tests.factories import PersonFactory, UserFactory

ROLE_PROFILE_TEXT = "Leadership transitions for new managers"
COACHEE_NAME = "Quinn Coachee-Private"
GOALS = "Rebuild confidence after the reorganisation"


def _text(response: Any) -> str:
    """The page with whitespace collapsed, so phrases read as a person reads them."""
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def sign_in(client: FlaskClient, user: Any) -> None:
    with client.session_transaction() as session:
        session.clear()
    assert Auth(client).login(user.email).status_code == 302


@pytest.fixture
def world() -> dict[str, Any]:
    """A coach with complete paperwork and an engagement; accounts for the coach, the coachee
    (no role at all), the agreement manager, the coachee's manager (also an admin) and a
    sponsor."""
    coach = ready_coach(name="Casey Coach")
    coachee_boss = PersonFactory(name="Blake Boss")
    coachee = PersonFactory(name=COACHEE_NAME, manager=coachee_boss)
    row = engagement(coach, coachee, goals=GOALS)
    world = {
        "coach": coach, "coachee": coachee, "engagement": row,
        "coach_user": UserFactory(person_id=coach.id, roles=[Role.COACH]),
        "coachee_user": UserFactory(person_id=coachee.id, roles=[]),
        "manager_user": UserFactory(person_id=coach.manager_id, roles=[Role.MANAGER]),
        "boss_admin": UserFactory(person_id=coachee_boss.id, roles=[Role.ADMIN, Role.MANAGER]),
        "sponsor": UserFactory(roles=[Role.SPONSOR]),
    }
    db.session.commit()
    return world


def _file(world: dict[str, Any]) -> paperwork_services.CoachFile:
    coach = world["coach"]
    return paperwork_services.CoachFile(coach, paperwork_services.paperwork_for(coach.id), None)


def test_predicates_for_the_agreement_manager(world) -> None:
    manager, coach_file = world["manager_user"], _file(world)
    assert can(manager, "can_view_paperwork", coach_file)
    assert not can(manager, "can_view_full_paperwork", coach_file)
    assert can(manager, "can_sign_agreement_as_manager", coach_file)
    assert not can(manager, "can_sign_agreement_as_coach", coach_file)
    assert not can(manager, "can_view_engagement", world["engagement"])
    assert not can(manager, "can_list_engagements")
    assert not can(manager, "can_list_coaches")


def test_predicates_for_the_coach_and_coachee(world) -> None:
    coach_user, coachee_user, coach_file = world["coach_user"], world["coachee_user"], \
        _file(world)
    assert can(coach_user, "can_view_full_paperwork", coach_file)
    assert can(coach_user, "can_sign_agreement_as_coach", coach_file)
    assert not can(coach_user, "can_sign_agreement_as_manager", coach_file)
    assert not can(coach_user, "can_edit_paperwork", coach_file)
    assert can(coach_user, "can_view_engagement", world["engagement"])
    assert can(coachee_user, "can_view_engagement", world["engagement"])
    assert not can(coachee_user, "can_view_paperwork", coach_file)
    assert not can(coach_user, "can_end_engagement", world["engagement"])


def test_sponsor_sees_nothing(world, client: FlaskClient) -> None:
    sponsor, coach_file = world["sponsor"], _file(world)
    for rule in ("can_list_coaches", "can_list_engagements", "can_match_coaches",
                 "can_manage_evaluations", "can_view_all_engagements"):
        assert not can(sponsor, rule)
    assert not can(sponsor, "can_view_paperwork", coach_file)
    assert not can(sponsor, "can_view_engagement", world["engagement"])
    sign_in(client, sponsor)
    coach_id, coachee_id = world["coach"].id, world["coachee"].id
    for url in ("/coaching/coaches", f"/coaching/coaches/{coach_id}/paperwork",
                "/coaching/engagements", f"/coaching/engagements/{world['engagement'].id}",
                f"/coaching/people/{coachee_id}/evaluations"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert COACHEE_NAME not in _text(response) and GOALS not in _text(response)


def test_manager_page_shows_the_agreement_only(world, client: FlaskClient) -> None:
    sign_in(client, world["manager_user"])
    coach = world["coach"]
    response = client.get(f"/coaching/coaches/{coach.id}/paperwork")
    page = _text(response)
    assert response.status_code == 200
    assert "Manager time-allocation agreement" in page
    assert "you see the agreement and its signatures only" in page
    assert "15 % of 40 h a week" in page
    for hidden in (ROLE_PROFILE_TEXT, "Coachee consent template", "Capacity", COACHEE_NAME,
                   GOALS, "active engagement"):
        assert hidden not in page, hidden
    # Neither the engagement nor any list of them.
    assert client.get(f"/coaching/engagements/{world['engagement'].id}").status_code == 403
    assert client.get("/coaching/engagements").status_code == 403
    assert client.get(f"/coaching/coaches/{coach.id}/paperwork/edit").status_code == 403


def test_a_manager_of_the_coachee_never_sees_the_engagement_even_as_admin(
        world, client: FlaskClient) -> None:
    boss = world["boss_admin"]
    assert not can(boss, "can_view_engagement", world["engagement"])
    assert not can(boss, "can_end_engagement", world["engagement"])
    sign_in(client, boss)
    assert client.get(f"/coaching/engagements/{world['engagement'].id}").status_code == 403
    page = _text(client.get("/coaching/engagements"))
    assert COACHEE_NAME not in page
    # Their admin work elsewhere is untouched.
    assert client.get("/coaching/coaches").status_code == 200


def test_coachee_with_an_account_sees_their_engagement(world, client: FlaskClient) -> None:
    sign_in(client, world["coachee_user"])
    response = client.get(f"/coaching/engagements/{world['engagement'].id}")
    assert response.status_code == 200
    assert GOALS in _text(response)
    assert "End engagement" not in _text(response)
    assert client.get(f"/coaching/coaches/{world['coach'].id}/paperwork").status_code == 403


def test_another_coach_sees_neither_paperwork_nor_engagement(world, client: FlaskClient) -> None:
    other = ready_coach()
    other_user = UserFactory(person_id=other.id, roles=[Role.COACH])
    db.session.commit()
    sign_in(client, other_user)
    assert client.get(f"/coaching/coaches/{world['coach'].id}/paperwork").status_code == 403
    assert client.get(f"/coaching/engagements/{world['engagement'].id}").status_code == 403
    assert COACHEE_NAME not in _text(client.get("/coaching/engagements"))
    assert client.get(f"/coaching/coaches/{other.id}/paperwork").status_code == 200


def test_goals_are_read_by_the_coach_their_supervisors_admins_and_the_coachee_only(
        world, client: FlaskClient) -> None:
    """Issue 19: program staff (lead and master coaches) see the engagement, not its goals;
    the coach's assigned supervisor does."""
    from coachprog.coaching.models import SupervisorAssignment

    row = world["engagement"]
    other_lead = UserFactory(roles=[Role.LEAD_COACH])
    master = UserFactory(roles=[Role.MASTER_COACH])
    supervisor = UserFactory(roles=[Role.LEAD_COACH])
    admin = UserFactory(roles=[Role.ADMIN])
    db.session.add(SupervisorAssignment(coach_person_id=world["coach"].id,
                                        supervisor_user_id=supervisor.id))
    db.session.commit()
    for user in (other_lead, master):
        assert can(user, "can_view_engagement", row)
        assert not can(user, "can_view_engagement_goals", row)
        sign_in(client, user)
        page = _text(client.get(f"/coaching/engagements/{row.id}"))
        assert GOALS not in page
        assert "read by the coach, their supervisors, the coachee and L&D only" in page
    for user in (supervisor, admin, world["coach_user"], world["coachee_user"]):
        assert can(user, "can_view_engagement_goals", row)
        sign_in(client, user)
        assert GOALS in _text(client.get(f"/coaching/engagements/{row.id}"))
    for user in (world["manager_user"], world["boss_admin"], world["sponsor"]):
        assert not can(user, "can_view_engagement_goals", row)
