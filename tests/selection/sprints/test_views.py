"""Sprint pages through the Flask client: the list, creating, editing and closing a sprint,
the board (timeline, lateness, funnel, capped columns), the candidate list and the export."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from coachprog.db import set_clock, utcnow
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from coachprog.selection import domain
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.domain import CandidateStage
from coachprog.selection.models import Candidate, Sprint
from coachprog.selection.sprints import services as sprint_services
from tests.conftest import Auth, post_form, statements_for
from tests.selection.builders import (
    APPLICATION,
    SYSTEM,
    applicant,
    candidate_at,
    sprint,
)
from tests.selection.helpers import (
    follow,
    make_person,
    make_user,
    only_row,
    path_of,
    reload_candidate,
    sign_in,
    text_of,
    user_of,
)


def test_list_shows_staff_all_sprints_with_seats_and_lateness(client: FlaskClient, auth: Auth,
                                                              frozen: datetime) -> None:
    late = sprint(name="Winter sprint", start=frozen.date() - timedelta(days=10))
    set_clock(lambda: datetime.combine(late.start_date, frozen.timetz()))
    applicant(late)
    set_clock(lambda: frozen)
    sprint(name="Spring sprint")
    auth.login_as(Role.ADMIN)
    page = text_of(client.get("/sprints/"))
    assert "New sprint" in page
    assert "Winter sprint" in page and "Spring sprint" in page
    row = page[page.index("Winter sprint"):]
    assert re.search(r"0 / 4</td>\s*<td class=\"num\">1</td>\s*<td><span class=\"tag tag-late\">"
                     r"late</span>", row)
    assert f"{late.start_date.isoformat()} – " in page


def test_list_offers_entries_and_own_candidacies_to_employees(client: FlaskClient) -> None:
    row = sprint(name="Spring sprint")
    candidate = applicant(sprint(name="Autumn sprint"))
    sign_in(client, user_of(candidate))
    page = text_of(client.get("/sprints/"))
    assert "Open for entries" in page
    assert f'href="/sprints/{row.id}/apply"' in page
    assert f'href="/sprints/{row.id}/nominate"' in page
    assert "Your candidacies" in page and f'href="{path_of(candidate, "/mine")}"' in page
    assert "New sprint" not in page
    assert "All sprints" not in page and "Open candidates" not in page


def test_list_tells_an_unlinked_account_why_it_cannot_enter(client: FlaskClient,
                                                            auth: Auth) -> None:
    sprint()
    auth.login_as(Role.COACH)
    page = text_of(client.get("/sprints/"))
    assert "not linked to a directory record" in page
    assert "Open for entries" not in page


def test_panel_member_sees_the_sprints_they_sit_on(client: FlaskClient) -> None:
    mine = sprint(name="Panel sprint")
    sprint(name="Other sprint")
    sponsor = next(m.user for m in mine.panel if m.panel_role == "business_sponsor")
    sign_in(client, sponsor)
    page = text_of(client.get("/sprints/"))
    assert "Sprints whose panel you sit on" in page
    assert "Panel sprint" in page and "Other sprint" not in page


def test_create_form_shows_the_blueprint_defaults(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    page = text_of(client.get("/sprints/new"))
    for default in domain.STAGE_DEFAULTS:
        assert re.search(rf'name="days_{default.stage.value}"[^>]*value="{default.days}"', page)
    assert "Blueprint: 4–6 weeks with 8–12 coached hours. Default 42 days; allowed 28–42 days." \
        in page
    assert "Blueprint: one half-day cohort session." in page
    assert 'type="date"' in page


def test_admin_creates_a_sprint_with_a_shorter_practice(client: FlaskClient,
                                                        auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    form = {"name": "Spring 2026", "capacity": "5", "start_date": "2026-04-06",
            "eligibility_notes": "Twelve months in role.",
            **{f"days_{d.stage.value}": str(d.days) for d in domain.STAGE_DEFAULTS}}
    form["days_supervised_practice"] = "28"
    response = post_form(client, "/sprints/new", form)
    created = only_row(Sprint)
    assert response.headers["Location"].endswith(f"/sprints/{created.id}")
    assert created.capacity == 5 and created.stage_days == {"supervised_practice": 28}
    page = follow(client, response)
    assert "Sprint “Spring 2026” created." in page
    # 7 + 7 + 1 days from 6 April, then 28 days of practice.
    assert "2026-04-21</td>\n    <td>2026-05-18" in page


def test_sprint_form_puts_every_problem_next_to_its_field(client: FlaskClient,
                                                          auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    response = post_form(client, "/sprints/new", {
        "name": " ", "capacity": "0", "start_date": "", "eligibility_notes": "",
        "days_supervised_practice": "10", "days_interview": ""})
    assert response.status_code == 400
    page = text_of(response)
    assert 'id="name-error" role="alert">Give the sprint a name.' in page
    assert 'id="capacity-error" role="alert">Capacity is the number of seats' in page
    assert 'id="start_date-error" role="alert">Choose the day the sprint opens.' in page
    assert ('id="days_supervised_practice-error" role="alert">Shadowing &amp; supervised '
            'practice: 10 days is outside the allowed 28–42 days') in page
    assert 'value="10"' in page  # nothing typed is lost
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Sprint)) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("start_date", "2026-02-31", "Give the date as year-month-day"),
    ("capacity", "lots", "Give a whole number."),
    ("name", "x" * 201, "Field cannot be longer than 200 characters."),
    ("eligibility_notes", "x" * 5001, "Field cannot be longer than 5000 characters."),
])
def test_sprint_form_refuses_bad_input(client: FlaskClient, auth: Auth, field: str,
                                       value: str, message: str) -> None:
    auth.login_as(Role.ADMIN)
    form = {"name": "Spring", "capacity": "3", "start_date": "2026-04-06", field: value}
    response = post_form(client, "/sprints/new", form)
    assert response.status_code == 400
    assert re.search(rf'id="{field}-error" role="alert">{re.escape(message)}', text_of(response))


def test_edit_prefills_and_saves_the_sprint(client: FlaskClient, auth: Auth) -> None:
    row = sprint_services.create_sprint(SYSTEM, sprint_services.SprintDraft(
        name="Spring", capacity=3, start_date=utcnow().date(),
        stage_days={"interview": 14}))
    auth.login_as(Role.ADMIN)
    page = text_of(client.get(f"/sprints/{row.id}/edit"))
    assert 'name="days_interview"' in page and re.search(r'name="days_interview"[^>]*value="14"',
                                                         page)
    form = {"name": "Spring (renamed)", "capacity": "6", "start_date": "2026-05-04",
            "eligibility_notes": "", "days_interview": "7"}
    response = post_form(client, f"/sprints/{row.id}/edit", form)
    assert "The sprint is saved." in follow(client, response)
    db.session.expire_all()
    saved = db.session.get(Sprint, row.id)
    assert saved is not None
    assert (saved.name, saved.capacity, saved.stage_days) == ("Spring (renamed)", 6, {})
    response = post_form(client, f"/sprints/{row.id}/edit", {**form, "capacity": ""})
    assert response.status_code == 400
    assert client.get("/sprints/999999/edit").status_code == 404


def test_closing_is_refused_while_candidates_wait_then_moves_stop(client: FlaskClient,
                                                                   auth: Auth) -> None:
    row = sprint()
    candidate = applicant(row)
    auth.login_as(Role.ADMIN)
    page = follow(client, post_form(client, f"/sprints/{row.id}/close"))
    assert "The sprint stays open: 1 candidate still has no decision" in page
    candidate_services.reject_candidate(SYSTEM, candidate, "Not eligible.")
    db.session.commit()
    page = follow(client, post_form(client, f"/sprints/{row.id}/close"))
    assert "The sprint is closed" in page and "Close sprint</button>" not in page
    response = post_form(client, path_of(candidate, "/withdraw"), {"reason": "x"})
    assert "This candidacy has already ended" in follow(client, response)
    sign_in(client, make_user(person_id=make_person().id))
    page = text_of(client.get(f"/sprints/{row.id}/apply"))
    assert "This sprint is not taking applications:\nit is closed." in page
    assert "<textarea" not in page
    response = post_form(client, f"/sprints/{row.id}/apply", {"text": APPLICATION})
    assert response.status_code == 400 and "This sprint is closed." in text_of(response)


def test_closed_sprint_refuses_moves_with_the_reason(client: FlaskClient, auth: Auth) -> None:
    row = sprint()
    candidate = applicant(row)
    db.session.commit()
    # Closed behind the page's back (e.g. by another admin): the move is refused, not a 500.
    row.status = "closed"
    db.session.commit()
    auth.login_as(Role.ADMIN)
    response = post_form(client, path_of(candidate, "/advance"), {"target": "interview"})
    assert "This sprint is closed; its candidates no longer move." in follow(client, response)
    response = post_form(client, path_of(candidate, "/reject"), {"reason": "Too late."})
    assert "This sprint is closed" in follow(client, response)
    assert reload_candidate(candidate.id).stage == "applied"


def test_board_shows_timeline_lateness_funnel_panel_and_what_is_missing(
        client: FlaskClient, auth: Auth, frozen: datetime) -> None:
    row = sprint(start=frozen.date() - timedelta(days=10))
    set_clock(lambda: datetime.combine(row.start_date, frozen.timetz()))
    waiting = applicant(row, make_person(name="Wanda Waiting"))
    moved = applicant(row, make_person(name="Ivo Interview"))
    set_clock(lambda: frozen)
    candidate_services.advance_candidate(SYSTEM, moved, "interview")
    auth.login_as(Role.ADMIN)
    page = text_of(client.get(f"/sprints/{row.id}"))
    assert "Nomination &amp; application should have finished on 2026-02-26 (4 days late)." \
        " 1 candidate is still waiting at or before this stage." in page
    assert 'aria-current="date"' in page and "today is 2026-03-02" in page
    # The board: a card per candidate, what is missing, a move button to the next stage.
    assert "Wanda Waiting" in page and "Ready to move to interview." in page
    assert "No interview assessment is recorded (rubric interview)." in page
    assert "Move to simulations" in page  # offered; the guard answers when pressed
    assert re.search(rf'id="card-{waiting.id}"', page)
    assert 'data-next-stage="interview"' in page and 'data-stage="interview"' in page
    assert '<script src="/static/js/board.js"></script>' in page
    # The funnel: two entered, one reached the interview (50 %).
    assert re.search(r'Interview</th>\s*<td class="num">1</td>\s*<td class="num">50 %</td>', page)
    assert '<rect class="funnel-fill" x="0" y="0" width="50" height="10"/>' in page
    # The panel, with a form per seat for admins.
    assert "Hana Rees" in page and "Mateo External" in page and "Sam Sponsor" in page
    assert page.count('class="seat-form"') == 3
    assert "Export the board (CSV)" in page


def test_program_staff_see_the_board_without_admin_controls(client: FlaskClient,
                                                            auth: Auth) -> None:
    row = sprint()
    applicant(row)
    auth.login_as(Role.LEAD_COACH)
    page = text_of(client.get(f"/sprints/{row.id}"))
    assert "Ready to move to interview." in page
    assert "Move to interview" not in page and "seat-form" not in page
    assert "board.js" not in page and "Export" not in page and "Close sprint" not in page


def test_board_script_is_served(client: FlaskClient) -> None:
    with client.get("/static/js/board.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        body = text_of(response)
    assert "advance-form" in body and "data-next-stage" in body


def test_export_lists_the_board_and_defuses_formulas(client: FlaskClient, auth: Auth) -> None:
    row = sprint()
    candidate = applicant(row, make_person(name="=HYPERLINK(\"http://x\")",
                                             department="@SUM(A1)"))
    candidate_services.reject_candidate(SYSTEM, candidate, "-2+3 is not a reason")
    applicant(row, make_person(name="Plain Name"))
    auth.login_as(Role.ADMIN)
    response = client.get(f"/sprints/{row.id}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"sprint-{row.id}-board.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(text_of(response))))
    assert list(rows[0]) == list(candidate_services.EXPORT_COLUMNS)
    by_stage = {r["stage"]: r for r in rows}
    assert by_stage["rejected"]["name"] == "'=HYPERLINK(\"http://x\")"
    assert by_stage["rejected"]["department"] == "'@SUM(A1)"
    assert by_stage["rejected"]["exit_reason"] == "'-2+3 is not a reason"
    assert by_stage["applied"]["name"] == "Plain Name"
    assert db.session.scalar(sa.select(AuditEntry.action).where(
        AuditEntry.action == "sprint.board_exported")) == "sprint.board_exported"
    sign_in(client, make_user(Role.MASTER_COACH))
    assert client.get(f"/sprints/{row.id}/export.csv").status_code == 403


def test_the_board_costs_the_same_queries_whatever_its_size(auth: Auth, client) -> None:
    """Cards read each candidate's evidence; it is loaded up front, not per card (one
    calibration look-up per rater assignment remains, so candidates here have none)."""
    row = sprint()
    for _ in range(2):
        candidate_at(CandidateStage.SUPERVISED_PRACTICE, row)
    small = sprint(name="Small")
    candidate_at(CandidateStage.APPLIED, small)
    big = sprint(name="Big")
    for _ in range(8):
        candidate_at(CandidateStage.APPLIED, big)
    db.session.commit()
    auth.login_as("admin")
    assert statements_for(client, f"/sprints/{big.id}") == statements_for(
        client, f"/sprints/{small.id}")
    assert statements_for(client, "/sprints/") <= 12


def _crowded_sprint(monkeypatch: pytest.MonkeyPatch) -> Sprint:
    """A sprint whose Applied column holds more than a (shrunk) column: Ada, Ben, then Zoe, who
    is managed by the seated sponsor (a conflict off the board's first cards)."""
    monkeypatch.setattr(sprint_services, "BOARD_COLUMN_SIZE", 2)
    row = sprint()
    sponsor = next(m.user for m in row.panel if m.panel_role == "business_sponsor")
    sponsor.person_id = make_person(name="Sam Sponsor").id
    db.session.flush()
    for name in ("Ben Second", "Ada First"):
        applicant(row, make_person(name=name, employee_id=f"E-{name[:3].upper()}"))
    applicant(row, make_person(name="Zoe Last", employee_id="E-ZOE", manager_id=sponsor.person_id))
    db.session.commit()
    return row


def test_a_board_column_shows_its_first_cards_and_links_to_the_rest(
        client: FlaskClient, auth: Auth, monkeypatch: pytest.MonkeyPatch) -> None:
    row = _crowded_sprint(monkeypatch)
    auth.login_as(Role.ADMIN)
    page = text_of(client.get(f"/sprints/{row.id}"))
    assert "Ada First" in page and "Ben Second" in page
    assert 'class="card-name"' in page and page.count('class="board-card"') == 2
    assert 'Applied <span class="count">(3)</span>' in page
    assert f'<a href="/sprints/{row.id}/candidates?stage=applied">Show all 3 in applied</a>' \
        in page
    # The panel's conflicts still weigh every candidate, the one off the board included.
    assert re.search(r"Business sponsor</th><td>Sam Sponsor</td><td>Zoe Last</td>", page)


def test_the_candidate_list_filters_by_stage_and_name_a_page_at_a_time(
        app: Flask, client: FlaskClient, auth: Auth, monkeypatch: pytest.MonkeyPatch) -> None:
    row = _crowded_sprint(monkeypatch)
    candidate_services.advance_candidate(SYSTEM, db.session.scalars(sa.select(Candidate).where(
        Candidate.sprint_id == row.id).order_by(Candidate.id)).first(), "interview")
    db.session.commit()
    monkeypatch.setitem(app.config, "COACHPROG_PAGE_SIZE", 1)
    auth.login_as(Role.LEAD_COACH)
    url = f"/sprints/{row.id}/candidates"
    first = text_of(client.get(f"{url}?stage=applied"))
    assert "Ada First" in first and "Zoe Last" not in first and "Ben Second" not in first
    assert "1–1 of 2" in first and "Page 1 of 2" in first
    assert f'href="{url}?stage=applied&amp;page=2"' in first
    assert '<option value="applied" selected>' in first
    second = text_of(client.get(f"{url}?stage=applied&page=2"))
    assert "Zoe Last" in second and "Ada First" not in second
    # Past the last page: the last page; not a number: the first.
    assert "Zoe Last" in text_of(client.get(f"{url}?stage=applied&page=99"))
    assert "Ada First" in text_of(client.get(f"{url}?stage=applied&page=two"))
    # An unknown stage is ignored (every stage), the search matches names and employee ids.
    every = client.get(f"{url}?stage=hired&page=3")
    assert every.status_code == 200
    assert "Zoe Last" in text_of(every) and "3–3 of 3" in text_of(every)
    assert "Ben Second" in text_of(client.get(f"{url}?stage=interview"))
    assert "Zoe Last" in text_of(client.get(f"{url}?q=e-zoe"))
    assert "has a name or employee id containing “nobody”" in text_of(
        client.get(f"{url}?q=nobody"))
    assert client.get("/sprints/999999/candidates").status_code == 404
    auth.logout()
    auth.login_as(Role.SPONSOR)
    assert client.get(url).status_code == 403


def test_the_candidate_list_costs_the_same_queries_whatever_the_sprint(
        client: FlaskClient, auth: Auth) -> None:
    small, big = sprint(name="Small"), sprint(name="Big")
    applicant(small)
    for _ in range(6):
        applicant(big)
    db.session.commit()
    auth.login_as(Role.ADMIN)
    assert statements_for(client, f"/sprints/{big.id}/candidates?q=a") == statements_for(
        client, f"/sprints/{small.id}/candidates?q=a")
