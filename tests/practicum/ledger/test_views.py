"""Ledger pages through the Flask client: the trainee's own ledger, weekly logging with bad
input, the supervisor's verify/query, answering a query, enrolment, the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coachprog.extensions import db
from coachprog.practicum.ledger import domain
from coachprog.practicum.ledger.models import LedgerEntry, PracticumEnrolment
from coachprog.roles import Role
from tests.conftest import Auth, post_form
from tests.factories import PersonFactory, UserFactory
from tests.practicum.builders import NOW, enrolled_trainee, entry

pytestmark = pytest.mark.usefixtures("clock")

DAY = (NOW - timedelta(days=2)).date().isoformat()


def _row(i: int, **fields: str) -> dict[str, str]:
    return {f"rows-{i}-{k}": v for k, v in fields.items()}


def _sign_in(auth: Auth, user) -> None:
    db.session.commit()
    assert auth.login(user.email).status_code == 302


def test_trainee_sees_own_ledger_and_is_sent_there_from_the_index(client, auth) -> None:
    person, trainee, _ = enrolled_trainee()
    entry(person, days_ago=3, status=domain.VERIFIED, coachee="Client Z")
    _sign_in(auth, trainee)
    index = client.get("/practicum/")
    assert index.status_code == 302 and index.location.endswith(f"/practicum/{person.id}/")
    page = client.get(f"/practicum/{person.id}/").get_data(as_text=True)
    assert "Coached hours: 1 of 20–30 h" in page
    assert "Client Z" in page and "Log your week" in page
    assert "20 more verified coached hours" not in page  # 19 are missing now
    assert "19 more verified coached hours" in page
    other, _, _ = enrolled_trainee()
    db.session.commit()
    assert client.get(f"/practicum/{other.id}/").status_code == 403
    assert client.get("/practicum/999999/").status_code == 404


def test_trainee_logs_a_week_with_several_rows(client, auth) -> None:
    person, trainee, _ = enrolled_trainee()
    _sign_in(auth, trainee)
    assert client.get(f"/practicum/{person.id}/log").status_code == 200
    data = {**_row(0, kind="coached_session", day=DAY, at="10:00", minutes="60",
                   coachee="Client A", pro_bono="y"),
            **_row(1, kind="peer_triad", day=DAY, at="14:00", minutes="90",
                   triad_role="client"),
            **_row(2, kind="supervision", day=DAY, at="16:00", minutes="60", is_group="y",
                   group_size="6")}
    response = post_form(client, f"/practicum/{person.id}/log", data)
    assert response.status_code == 302
    rows = db.session.scalars(sa.select(LedgerEntry).order_by(LedgerEntry.starts_at)).all()
    assert [(r.kind, r.minutes, r.pro_bono) for r in rows] == [
        ("coached_session", 60, True), ("peer_triad", 90, False), ("supervision", 60, False)]
    assert rows[1].triad_role == "client" and rows[2].group_size == 6
    assert all(r.status == domain.PENDING for r in rows)
    page = client.get(response.location).get_data(as_text=True)
    assert "Logged 3 entries (3.5 h)" in page


@pytest.mark.parametrize(("row", "message"), [
    ({"kind": "coached_session", "day": "2099-01-01", "minutes": "60", "coachee": "A"},
     "future"),
    ({"kind": "reflective_lab", "day": DAY, "minutes": "0"}, "more than zero"),
    ({"kind": "reflective_lab", "day": DAY, "minutes": "500"}, "at most 8 hours"),
    ({"kind": "reflective_lab", "day": DAY, "minutes": "ten"}, "Give a whole number."),
    ({"kind": "coached_session", "day": DAY, "minutes": "60"}, "pseudonym"),
    ({"kind": "peer_triad", "day": DAY, "minutes": "60"}, "coach, client or observer"),
    ({"kind": "coached_session", "day": DAY, "minutes": "60", "coachee": "A", "is_group": "y"},
     "group size"),
    ({"kind": "", "day": DAY, "minutes": "60"}, "Choose an activity type"),
    ({"kind": "reflective_lab", "minutes": "60"}, "Give the date"),
    ({"kind": "reflective_lab", "day": "31/02/2026", "minutes": "60"}, "Not a valid date"),
])
def test_log_week_refuses_bad_rows_beside_the_field(client, auth, row, message) -> None:
    person, trainee, _ = enrolled_trainee()
    _sign_in(auth, trainee)
    response = post_form(client, f"/practicum/{person.id}/log", _row(0, **row))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0


def test_log_week_refuses_overlap_with_stored_entry(client, auth) -> None:
    person, trainee, _ = enrolled_trainee()
    entry(person, days_ago=2, hour=10)
    _sign_in(auth, trainee)
    response = post_form(client, f"/practicum/{person.id}/log", _row(
        0, kind="reflective_lab", day=DAY, at="10:30", minutes="30"))
    assert response.status_code == 400
    assert "Overlaps another entry of yours" in response.get_data(as_text=True)


def test_log_week_without_rows_or_enrolment(client, auth) -> None:
    person, trainee, _ = enrolled_trainee()
    _sign_in(auth, trainee)
    response = post_form(client, f"/practicum/{person.id}/log", {})
    assert response.status_code == 400
    assert "Fill in at least one row" in response.get_data(as_text=True)
    db.session.execute(sa.delete(PracticumEnrolment))
    db.session.commit()
    page = client.get(f"/practicum/{person.id}/log").get_data(as_text=True)
    assert "not enrolled in a practicum yet" in page


def test_supervisor_verifies_and_queries(client, auth) -> None:
    person, _, supervisor = enrolled_trainee()
    a, b = entry(person, days_ago=2), entry(person, days_ago=3)
    _sign_in(auth, supervisor)
    assert "Verify or query" in client.get(f"/practicum/{person.id}/").get_data(as_text=True)
    assert client.get(f"/practicum/entries/{a.id}").status_code == 200
    ok = post_form(client, f"/practicum/entries/{a.id}/review", {"decision": "verify"})
    assert ok.status_code == 302
    bad = post_form(client, f"/practicum/entries/{b.id}/review", {"decision": "query"})
    assert bad.status_code == 400
    assert "Say what needs checking" in bad.get_data(as_text=True)
    queried = post_form(client, f"/practicum/entries/{b.id}/review",
                        {"decision": "query", "comment": "Which coachee?"})
    assert queried.status_code == 302
    again = post_form(client, f"/practicum/entries/{a.id}/review", {"decision": "query",
                                                                     "comment": "x"})
    assert again.status_code == 400
    db.session.expire_all()
    assert (db.session.get(LedgerEntry, a.id).status, db.session.get(LedgerEntry, b.id).status
            ) == (domain.VERIFIED, domain.QUERIED)
    # Supervisors list only their trainees.
    listing = client.get("/practicum/").get_data(as_text=True)
    assert person.name in listing


def test_trainee_answers_a_query(client, auth) -> None:
    person, trainee, _ = enrolled_trainee()
    row = entry(person, days_ago=2, status=domain.QUERIED, review_comment="45 minutes?",
                reviewed_by_id=None)
    _sign_in(auth, trainee)
    page = client.get(f"/practicum/entries/{row.id}").get_data(as_text=True)
    assert "45 minutes?" in page and "Answer the query" in page
    refused = post_form(client, f"/practicum/entries/{row.id}/correct", {
        "kind": "coached_session", "day": DAY, "at": "10:00", "minutes": "45",
        "coachee": "Client A"})
    assert refused.status_code == 400
    assert "Answer the supervisor" in refused.get_data(as_text=True)
    ok = post_form(client, f"/practicum/entries/{row.id}/correct", {
        "kind": "coached_session", "day": DAY, "at": "10:00", "minutes": "45",
        "coachee": "Client A", "reply": "Yes, 45."})
    assert ok.status_code == 302
    db.session.expire_all()
    stored = db.session.get(LedgerEntry, row.id)
    assert (stored.status, stored.minutes, stored.trainee_reply) == (domain.PENDING, 45,
                                                                     "Yes, 45.")
    # The trainee may not verify their own entry.
    assert post_form(client, f"/practicum/entries/{row.id}/review",
                     {"decision": "verify"}).status_code == 403


def test_admin_enrols_an_appointed_coach(client, auth) -> None:
    coach = PersonFactory(name="Nadia Coach")
    UserFactory(roles=[Role.COACH], person_id=coach.id)
    admin = UserFactory(roles=[Role.ADMIN])
    _sign_in(auth, admin)
    assert "Nadia Coach" in client.get("/practicum/enrol").get_data(as_text=True)
    missing = post_form(client, "/practicum/enrol", {"person_id": str(coach.id)})
    assert missing.status_code == 400 and "Give the start date" in missing.get_data(
        as_text=True)
    ok = post_form(client, "/practicum/enrol", {"person_id": str(coach.id),
                                                "start_date": "2026-03-02"})
    assert ok.status_code == 302
    page = client.get(ok.location).get_data(as_text=True)
    assert "Standard practicum, started 2026-03-02" in page
    assert "Nadia Coach" in client.get("/practicum/").get_data(as_text=True)


def test_export_csv_download(client, auth) -> None:
    person, trainee, _ = enrolled_trainee()
    entry(person, days_ago=3, status=domain.VERIFIED, coachee="Client Q")
    _sign_in(auth, trainee)
    response = client.get(f"/practicum/{person.id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Client Name" and rows[1][:3] == ["Client Q", "redacted", "Individual"]


def test_sponsor_and_manager_never_see_entries(client, auth) -> None:
    person, _, _ = enrolled_trainee()
    manager_person = PersonFactory()
    person.manager_id = manager_person.id
    row = entry(person)
    manager = UserFactory(roles=[Role.MANAGER], person_id=manager_person.id)
    _sign_in(auth, manager)
    assert client.get(f"/practicum/{person.id}/").status_code == 403
    assert client.get(f"/practicum/entries/{row.id}").status_code == 403
    assert client.get(f"/practicum/{person.id}/export.csv").status_code == 403
    assert "Practicum" not in client.get("/").get_data(as_text=True).split("<main")[0]


def test_nav_and_home_panel_for_trainee(client, auth) -> None:
    person, trainee, _ = enrolled_trainee()
    entry(person, days_ago=2)
    _sign_in(auth, trainee)
    home = client.get("/").get_data(as_text=True)
    assert "My practicum" in home
    assert "Still to go: 20 more verified coached hours" in home


def test_supervision_queue_lists_entries_to_verify_with_their_link(client, auth) -> None:
    person, _, supervisor = enrolled_trainee()
    row = entry(person, days_ago=2)
    _sign_in(auth, supervisor)
    page = client.get("/supervision/").get_data(as_text=True)
    assert f'href="/practicum/entries/{row.id}"' in page
    assert f"Coached session · {person.name}" in page
