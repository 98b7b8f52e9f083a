"""Pages through the Flask client: the queue, feedback (supervisor writes, trainee reads,
others refused), 1:1 privacy, gates with their checklist and refusal, bad input."""

from __future__ import annotations

from datetime import timedelta

from coachprog.auth.domain import Role
from coachprog.extensions import db
from tests.conftest import TEST_PASSWORD, csrf_token
from tests.factories import UserFactory
from tests.supervision.builders import T0, scored, trainee_with_supervisor


def _login(client, auth, user) -> None:
    with client.session_transaction() as session:
        session.clear()
    assert auth.login(user.email, TEST_PASSWORD).status_code == 302


def test_supervisor_writes_feedback_the_trainee_reads_it(client, auth, clock, hours) -> None:
    person, trainee, supervisor = trainee_with_supervisor()
    review = scored(person, rater=supervisor)
    db.session.commit()
    _login(client, auth, supervisor)
    clock.now = T0 + timedelta(hours=49)
    page = client.get("/supervision/").get_data(as_text=True)
    assert "Overdue" in page and "overdue by 1 h" in page
    url = f"/supervision/reviews/{review.id}"
    bad = client.post(url, data={"body": "short", "csrf_token": csrf_token(client, url)})
    assert bad.status_code == 400, bad.get_data(as_text=True)[-1500:]
    ok = client.post(url, data={"body": "You listened well; ask fewer closed questions.",
                                "csrf_token": csrf_token(client, url)})
    assert ok.status_code == 302
    assert "No feedback is due" in client.get("/supervision/").get_data(as_text=True)
    _login(client, auth, trainee)
    assert "feedback received" in client.get("/supervision/mine").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "ask fewer closed questions" in page and "Save feedback" not in page
    assert client.post(url, data={"body": "I rewrite my own feedback",
                                  "csrf_token": csrf_token(client, url)}).status_code == 403


def test_feedback_is_hidden_from_admins_sponsors_and_other_coaches(client, auth, clock,
                                                                   hours) -> None:
    person, _, supervisor = trainee_with_supervisor()
    review = scored(person, rater=supervisor)
    db.session.commit()
    for role in (Role.ADMIN, Role.SPONSOR, Role.COACH, Role.MASTER_COACH):
        user = UserFactory(roles=[role])
        db.session.commit()
        _login(client, auth, user)
        assert client.get(f"/supervision/reviews/{review.id}").status_code == 403
    assert client.get("/supervision/reviews/999999").status_code == 404


def test_one_on_one_notes_private_to_the_pair(client, auth, clock, hours) -> None:
    person, trainee, supervisor = trainee_with_supervisor()
    review = scored(person, rater=supervisor)
    db.session.commit()
    _login(client, auth, supervisor)
    url = f"/supervision/trainees/{person.id}/one-on-ones"
    future = client.post(url, data={"held_on": "2027-01-01", "notes": "",
                                    "csrf_token": csrf_token(client, url)})
    assert future.status_code == 400 and "future" in future.get_data(as_text=True)
    assert client.post(url, data={"held_on": "", "csrf_token": csrf_token(client, url)}
                       ).status_code == 400
    ok = client.post(url, data={"held_on": "2026-03-27", "notes": "Talked about silence",
                                "assessment_id": str(review.id),
                                "csrf_token": csrf_token(client, url)})
    assert ok.status_code == 302
    assert "Talked about silence" in client.get(url).get_data(as_text=True)
    _login(client, auth, trainee)
    assert "Talked about silence" in client.get("/supervision/mine").get_data(as_text=True)
    assert client.post(url, data={"held_on": "2026-03-27",
                                  "csrf_token": csrf_token(client, url)}).status_code == 403
    admin = UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    _login(client, auth, admin)
    assert client.get(url).status_code == 403


def test_gate_page_checklist_refusal_and_decision(client, auth, clock, hours) -> None:
    person, trainee, supervisor = trainee_with_supervisor()
    master = UserFactory(roles=[Role.MASTER_COACH])
    db.session.commit()
    _login(client, auth, master)
    url = f"/supervision/trainees/{person.id}/gates/midpoint"
    page = client.get(url).get_data(as_text=True)
    assert "Not met" in page and "No decision yet" in page
    refused = client.post(url, data={"outcome": "proceed", "csrf_token": csrf_token(client, url)})
    assert refused.status_code == 400
    assert "Not yet met: A recorded session" in refused.get_data(as_text=True)
    hours.update(coached=12, lab=6)
    scored(person, rater=supervisor)
    db.session.commit()
    assert client.post(url, data={"outcome": "nonsense",
                                  "csrf_token": csrf_token(client, url)}).status_code == 400
    assert client.post(url, data={"outcome": "proceed", "note": "On track",
                                  "csrf_token": csrf_token(client, url)}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Proceed" in page and master.display_name in page
    _login(client, auth, trainee)
    assert master.display_name in client.get(url).get_data(as_text=True)
    assert client.get(f"/supervision/trainees/{person.id}/gates/bogus").status_code == 404


def test_home_panels(client, auth, clock, hours) -> None:
    person, _, supervisor = trainee_with_supervisor()
    scored(person, rater=supervisor)
    admin = UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    clock.now = T0 + timedelta(days=8)
    _login(client, auth, admin)
    page = client.get("/").get_data(as_text=True)
    assert "Written feedback overdue" in page
    _login(client, auth, supervisor)
    assert "Supervision due" in client.get("/").get_data(as_text=True)
