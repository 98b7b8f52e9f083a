"""Pages through the Flask client: the queue, feedback (supervisor writes, trainee reads,
others refused), 1:1 privacy, gates with their checklist and refusal, bad input."""

from __future__ import annotations

from datetime import timedelta

from coachprog.extensions import db
from coachprog.roles import Role
from tests.conftest import TEST_PASSWORD, csrf_token
from tests.factories import UserFactory
from tests.practicum.supervision.builders import (
    T0,
    enrol,
    log_hours,
    scored,
    trainee_with_supervisor,
)


def _login(client, auth, user) -> None:
    with client.session_transaction() as session:
        session.clear()
    assert auth.login(user.email, TEST_PASSWORD).status_code == 302


def test_supervisor_writes_feedback_the_trainee_reads_it(client, auth, clock) -> None:
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


def test_feedback_is_hidden_from_admins_sponsors_and_other_coaches(client, auth,
                                                                   clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    review = scored(person, rater=supervisor)
    db.session.commit()
    for role in (Role.ADMIN, Role.SPONSOR, Role.COACH, Role.MASTER_COACH):
        user = UserFactory(roles=[role])
        db.session.commit()
        _login(client, auth, user)
        assert client.get(f"/supervision/reviews/{review.id}").status_code == 403
    assert client.get("/supervision/reviews/999999").status_code == 404


def test_one_on_one_notes_private_to_the_pair(client, auth, clock) -> None:
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


def test_gate_page_checklist_refusal_and_decision(client, auth, clock) -> None:
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
    log_hours(person, coached=12, lab=6, verifier=supervisor)
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


def test_home_panels(client, auth, clock) -> None:
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


def test_verify_and_query_from_the_queue(client, auth, clock) -> None:
    from coachprog.practicum.ledger.models import LedgerEntry

    person, trainee, supervisor = trainee_with_supervisor()
    enrol(person)
    first, second = log_hours(person, coached=1, lab=1, status="pending")
    other, _, _ = trainee_with_supervisor()
    (foreign,) = log_hours(other, coached=1, status="pending")
    db.session.commit()
    _login(client, auth, supervisor)
    page = client.get("/supervision/").get_data(as_text=True)
    assert "Hours entries to verify (2)" in page
    assert f"/practicum/entries/{first.id}" in page and f"entry-{foreign.id}" not in page
    url = f"/supervision/entries/{first.id}/review"
    ok = client.post(url, data={"decision": "verify",
                                "csrf_token": csrf_token(client, "/supervision/")})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/supervision/")
    assert "counts now" in client.get("/supervision/").get_data(as_text=True)
    url2 = f"/supervision/entries/{second.id}/review"
    bare = client.post(url2, data={"decision": "query",
                                   "csrf_token": csrf_token(client, "/supervision/")})
    assert bare.status_code == 400
    assert "Say what needs checking" in bare.get_data(as_text=True)
    odd = client.post(url2, data={"decision": "approve",
                                  "csrf_token": csrf_token(client, "/supervision/")})
    assert odd.status_code == 400 and "Choose verify or query" in odd.get_data(as_text=True)
    assert client.post(url2, data={"decision": "query", "comment": "Which lab was this?"}
                       ).status_code == 400  # no CSRF token
    queried = client.post(url2, data={"decision": "query", "comment": "Which lab was this?",
                                      "csrf_token": csrf_token(client, "/supervision/")})
    assert queried.status_code == 302
    again = client.post(url, data={"decision": "verify",
                                   "csrf_token": csrf_token(client, "/supervision/")})
    assert again.status_code == 400 and "verified already" in again.get_data(as_text=True)
    db.session.expire_all()
    statuses = {e.id: e.status for e in db.session.query(LedgerEntry).filter(
        LedgerEntry.id.in_([first.id, second.id, foreign.id]))}
    assert statuses == {first.id: "verified", second.id: "queried", foreign.id: "pending"}
    assert client.post(f"/supervision/entries/{foreign.id}/review", data={
        "decision": "verify", "csrf_token": csrf_token(client, "/supervision/")}
    ).status_code == 403
    assert client.post("/supervision/entries/999999/review", data={
        "decision": "verify", "csrf_token": csrf_token(client, "/supervision/")}
    ).status_code == 404
    _login(client, auth, trainee)
    assert client.post(f"/supervision/entries/{second.id}/review", data={
        "decision": "verify", "csrf_token": csrf_token(client, "/supervision/mine")}
    ).status_code == 403


def test_program_page_lists_trainees_and_overdue_counts(client, auth, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    enrol(person)
    log_hours(person, coached=3, lab=1, verifier=supervisor)
    scored(person, rater=supervisor, at=T0 - timedelta(days=8))
    admin = UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    _login(client, auth, admin)
    page = client.get("/supervision/program").get_data(as_text=True)
    assert person.name in page and supervisor.display_name in page
    assert "5 of 8–12" in page  # week 5 of the default 8–12 week window
    assert "3 / 20" in page and "1 / 10" in page
    assert "1 feedback, 1 1:1" in page and "1 of 2 met" in page
    assert "/supervision/program" in client.get("/").get_data(as_text=True)
    _login(client, auth, supervisor)
    assert client.get("/supervision/program").status_code == 403
    assert "Program overview" not in client.get("/supervision/").get_data(as_text=True)


def test_program_and_ledger_lists_page_and_search_on_the_server(client, auth, clock,
                                                                  app) -> None:
    """Issue 20: the program overview and the ledger list show a page of trainees (by name)
    with a search, and the totals still count every trainee."""
    trainees = []
    for _ in range(3):
        person, _, supervisor = trainee_with_supervisor()
        enrol(person)
        trainees.append(person)
    scored(trainees[0], rater=supervisor, at=T0 - timedelta(days=8))  # overdue, any page
    admin = UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    _login(client, auth, admin)
    by_name = sorted(trainees, key=lambda p: (p.name.lower(), p.id))
    app.config["COACHPROG_PAGE_SIZE"] = 2
    try:
        for url in ("/supervision/program", "/practicum/"):
            first = client.get(url).get_data(as_text=True)
            second = client.get(f"{url}?page=2").get_data(as_text=True)
            assert by_name[0].name in first and by_name[1].name in first
            assert by_name[2].name not in first and by_name[2].name in second
            assert "Page 1 of 2" in first and "Page 2 of 2" in second
            found = client.get(f"{url}?q={by_name[2].name.split()[-1].upper()}")
            assert by_name[2].name in found.get_data(as_text=True)
            missing = client.get(f"{url}?q=nobody%25_here").get_data(as_text=True)
            assert "nobody%_here" in missing and by_name[0].name not in missing
            assert client.get(f"{url}?page=banana").status_code == 200
        overview = client.get("/supervision/program?page=2").get_data(as_text=True)
        assert "Trainees (3)" in overview
        assert '<span class="count">1</span> written feedback overdue' in overview
    finally:
        app.config["COACHPROG_PAGE_SIZE"] = 50
