"""The certification register: every certification with its state today, filters and paging in
SQL (same statements at any size), bad filter values reported in words, an audited CSV export
that is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient

from coachprog.certification import register, services
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from tests.certification.certificates.access_cases import make_certification
from tests.conftest import Auth, statements_for
from tests.factories import PersonFactory

LEVEL = "certified_internal_coach"


def _register_rows(client: FlaskClient, query: str = "") -> str:
    response = client.get(f"/certification/register{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_state_of_follows_the_verify_page_and_the_reminder_clock() -> None:
    today = date(2026, 12, 7)
    valid = make_certification(name="Valid", valid_until=today + timedelta(days=300))
    due = make_certification(name="Due", valid_until=today + timedelta(days=10))
    overdue = make_certification(name="Overdue", valid_until=today - timedelta(days=1))
    lapsed = make_certification(name="Lapsed", status="lapsed")
    revoked = make_certification(name="Revoked", status="revoked")
    superseded = make_certification(name="Superseded", status="superseded")
    states = {cert.person.name: register.state_of(cert, today)
              for cert in (valid, due, overdue, lapsed, revoked, superseded)}
    assert states == {"Valid": register.RegisterState.VALID,
                      "Due": register.RegisterState.DUE_SOON,
                      "Overdue": register.RegisterState.LAPSED,
                      "Lapsed": register.RegisterState.LAPSED,
                      "Revoked": register.RegisterState.REVOKED,
                      "Superseded": register.RegisterState.EXPIRED}


def test_register_filters_by_state_level_department_and_name(client: FlaskClient,
                                                              auth: Auth) -> None:
    today = services.today()
    make_certification(name="Valid Vera", valid_until=today + timedelta(days=300),
                       person=PersonFactory(name="Valid Vera", department="Finance"))
    make_certification(name="Due Dana", valid_until=today + timedelta(days=5))
    make_certification(name="Overdue Otto", valid_until=today - timedelta(days=3))
    make_certification(name="Revoked Rita", status="revoked")
    db.session.commit()
    auth.login_as(Role.MASTER_COACH)

    everything = _register_rows(client)
    for name in ("Valid Vera", "Due Dana", "Overdue Otto", "Revoked Rita"):
        assert name in everything

    lapsed = _register_rows(client, "?state=lapsed")
    assert "Overdue Otto" in lapsed and "Valid Vera" not in lapsed and "Due Dana" not in lapsed
    due = _register_rows(client, "?state=due")
    assert "Due Dana" in due and "Valid Vera" not in due
    valid = _register_rows(client, "?state=valid")
    assert "Valid Vera" in valid and "Due Dana" in valid and "Overdue Otto" not in valid
    assert "Revoked Rita" in _register_rows(client, "?state=revoked")
    finance = _register_rows(client, "?department=Finance")
    assert "Valid Vera" in finance and "Due Dana" not in finance
    by_name = _register_rows(client, "?q=dana")
    assert "Due Dana" in by_name and "Valid Vera" not in by_name
    # LIKE wildcards are taken literally, not as patterns.
    assert "No certification matches" in _register_rows(client, "?q=%25")
    assert "No certification matches" in _register_rows(client, f"?level={LEVEL}&q=nobody")


def test_unknown_filter_values_are_named_not_dropped_silently(client: FlaskClient,
                                                               auth: Auth) -> None:
    make_certification(name="Ada Lovelace")
    db.session.commit()
    auth.login_as(Role.ADMIN)
    html = _register_rows(client, "?state=golden&level=wizard")
    assert 'role="alert"' in html
    assert "There is no state “golden”" in html and "There is no level “wizard”" in html
    assert "Ada Lovelace" in html  # the rest of the page still answers


def test_register_pages_and_costs_the_same_statements_at_any_size(client: FlaskClient,
                                                                  auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    for n in range(3):
        make_certification(name=f"Coach {n:03d}")
    db.session.commit()
    small = statements_for(client, "/certification/register")
    for n in range(3, 60):
        make_certification(name=f"Coach {n:03d}")
    db.session.commit()
    assert statements_for(client, "/certification/register") == small
    first = _register_rows(client)
    assert "Coach 000" in first and "Coach 059" not in first
    assert 'rel="next"' in first
    last = _register_rows(client, "?page=2")
    assert "Coach 059" in last


def test_csv_export_is_audited_streams_every_row_and_defuses_formulas(client: FlaskClient,
                                                                      auth: Auth) -> None:
    make_certification(name="=HYPERLINK(evil)")
    make_certification(name="Plain Coach", status="revoked")
    db.session.commit()
    auth.login_as(Role.LEAD_COACH)
    response = client.get("/certification/register.csv?state=revoked")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["name"] for row in rows] == ["Plain Coach"]
    assert rows[0]["state"] == "revoked" and rows[0]["level"] == LEVEL
    everything = client.get("/certification/register.csv").get_data(as_text=True)
    assert "'=HYPERLINK(evil)" in everything
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("certification.register_exported") == 2


def test_dashboard_links_the_register(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    html = client.get("/certification/").get_data(as_text=True)
    assert 'href="/certification/register"' in html


def test_coach_page_links_paperwork_only_once_it_exists(client: FlaskClient, auth: Auth) -> None:
    """A trainee with no paperwork drawn up gets words, not a link to a page that would 404."""
    person = PersonFactory(name="New Trainee")
    db.session.commit()
    auth.login_as(Role.ADMIN)
    html = client.get(f"/certification/people/{person.id}").get_data(as_text=True)
    assert f"/coaching/coaches/{person.id}/paperwork" not in html
    assert "No paperwork drawn up yet" in html
    # Why the link must not be there: the page answers 404 until L&D starts the file.
    assert client.get(f"/coaching/coaches/{person.id}/paperwork").status_code == 404
