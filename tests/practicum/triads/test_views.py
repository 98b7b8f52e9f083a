"""Peer-triad pages through the Flask client: forming a triad with bad input, the triad page
with its suggested rotation, logging rounds (bad input, the observer rule), ledger entries,
and who may open the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coachprog.extensions import db
from coachprog.practicum.ledger.models import LedgerEntry
from coachprog.practicum.triads.models import PeerTriad, PeerTriadRound
from coachprog.roles import Role
from tests.conftest import Auth, post_form
from tests.factories import UserFactory
from tests.practicum.builders import NOW, enrolled_trainee

pytestmark = pytest.mark.usefixtures("clock")
DAY = (NOW - timedelta(days=1)).date().isoformat()


def _sign_in(auth: Auth, user) -> None:
    db.session.commit()
    assert auth.login(user.email).status_code == 302


def _trio():
    members = [enrolled_trainee() for _ in range(3)]
    db.session.commit()
    return members


def _form_triad(client, members) -> PeerTriad:
    response = post_form(client, "/practicum/triads/new", {
        "name": "Tuesday triad", "partner_1": str(members[1][0].id),
        "partner_2": str(members[2][0].id)})
    assert response.status_code == 302
    triad = db.session.scalars(sa.select(PeerTriad)).one()
    assert response.location.endswith(f"/practicum/triads/{triad.id}")
    return triad


def _round(members, **fields):
    data = {"day": DAY, "at": "14:00", "minutes": "60", "coach": str(members[0][0].id),
            "client": str(members[1][0].id), "observer": str(members[2][0].id),
            "feedback": "Clear contracting; try more silence."}
    data.update(fields)
    return data


def test_trainee_forms_a_triad_and_the_observer_logs_a_round(client, auth) -> None:
    members = _trio()
    _sign_in(auth, members[0][1])
    page = client.get("/practicum/triads/new").get_data(as_text=True)
    assert members[1][0].name in page and members[2][0].name in page
    triad = _form_triad(client, members)
    page = client.get(f"/practicum/triads/{triad.id}").get_data(as_text=True)
    assert "Triad formed" in page and "Suggested next round" in page
    assert "not yet played: coach, client, observer" in page
    listing = client.get(f"/practicum/{members[0][0].id}/triads").get_data(as_text=True)
    assert "Tuesday triad" in listing and "0 rounds" in listing
    auth.logout()
    _sign_in(auth, members[2][1])  # the observer logs
    response = post_form(client, f"/practicum/triads/{triad.id}/rounds", _round(members))
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Round 1 logged" in page and "Clear contracting; try more silence." in page
    entries = db.session.scalars(sa.select(LedgerEntry)).all()
    assert sorted(e.triad_role for e in entries) == ["client", "coach", "observer"]
    assert {e.status for e in entries} == {"pending"}
    ledger = client.get(f"/practicum/{members[2][0].id}/").get_data(as_text=True)
    assert "Peer triad" in ledger and "observer" in ledger
    # Each member's supervisor reads the round and its feedback, but does not log.
    auth.logout()
    _sign_in(auth, members[1][2])
    page = client.get(f"/practicum/triads/{triad.id}").get_data(as_text=True)
    assert "Clear contracting" in page and "Log a round" not in page
    assert post_form(client, f"/practicum/triads/{triad.id}/rounds",
                     _round(members)).status_code == 403


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": ""}, "Give the triad a name"),
    ({"partner_2": ""}, "Choose the two other trainees"),
    ({"partner_2": "abc"}, "Choose the two other trainees"),
    ({"partner_2": "SAME"}, "three different trainees"),
    ({"partner_2": "999999"}, "enrolled in a practicum"),
])
def test_forming_bad_input(client, auth, fields, message) -> None:
    members = _trio()
    _sign_in(auth, members[0][1])
    data = {"name": "T", "partner_1": str(members[1][0].id), "partner_2": str(members[2][0].id)}
    data.update(fields)
    if data["partner_2"] == "SAME":
        data["partner_2"] = data["partner_1"]
    response = post_form(client, "/practicum/triads/new", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(PeerTriad)).all() == []


@pytest.mark.parametrize(("logger", "fields", "message"), [
    (0, {}, "The observer logs the round"),
    (2, {"observer": ""}, "Each round needs a coach, a client and an observer."),
    (2, {"client": "COACH"}, "Each trainee plays exactly one role"),
    (2, {"minutes": "0"}, "more than zero"),
    (2, {"minutes": "600"}, "at most 8 hours"),
    (2, {"minutes": "ten"}, "Give a whole number."),
    (2, {"day": ""}, "Give the date."),
    (2, {"day": "2099-01-01"}, "in the future"),
    (2, {"day": "yesterday"}, "Not a valid date"),
    (2, {"feedback": ""}, "Write the observer"),
    (2, {"feedback": "x" * 1001}, "at most 1000 characters"),
])
def test_logging_bad_input(client, auth, logger, fields, message) -> None:
    members = _trio()
    _sign_in(auth, members[0][1])
    triad = _form_triad(client, members)
    auth.logout()
    _sign_in(auth, members[logger][1])
    data = _round(members, **fields)
    if data["client"] == "COACH":
        data["client"] = data["coach"]
    response = post_form(client, f"/practicum/triads/{triad.id}/rounds", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(PeerTriadRound)).all() == []
    assert db.session.scalars(sa.select(LedgerEntry)).all() == []


def test_outsiders_are_refused(client, auth) -> None:
    members = _trio()
    _sign_in(auth, members[0][1])
    triad = _form_triad(client, members)
    auth.logout()
    outsider = enrolled_trainee()[1]
    admin = UserFactory(roles=[Role.ADMIN])
    for user in (outsider, admin):
        _sign_in(auth, user)
        assert client.get(f"/practicum/triads/{triad.id}").status_code == 403
        assert client.get(f"/practicum/{members[0][0].id}/triads").status_code == 403
        assert post_form(client, f"/practicum/triads/{triad.id}/rounds",
                         _round(members)).status_code == 403
        auth.logout()
    _sign_in(auth, members[0][1])
    assert client.get("/practicum/triads/999999").status_code == 404
    assert client.get("/practicum/999999/triads").status_code == 404


def test_forming_without_enrolment_explains(client, auth) -> None:
    person_user = auth.login_as(Role.COACH, person_id=None)
    assert person_user.person_id is None
    assert client.get("/practicum/triads/new").status_code == 403
