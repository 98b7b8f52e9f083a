"""Selection sprint pages through the Flask client: creating and editing sprints, the board
(timeline, lateness, funnel, panel, what is missing, guarded moves), the candidate's evidence
pack and its forms, the candidate's own view, entries (application, nomination, invitation),
the export, and who may see what."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from coachprog.auth.models import User
from coachprog.db import set_clock, utcnow
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.notifications.models import OutboxMessage
from coachprog.people.models import Person
from coachprog.roles import Role
from coachprog.selection import domain
from coachprog.selection import services as selection
from coachprog.selection.domain import CandidateStage
from coachprog.selection.models import Candidate, CoachedHoursEntry, Sprint
from tests.assessments.builders import LOW
from tests.conftest import Auth, csrf_token, post_form, statements_for
from tests.factories import PersonFactory, UserFactory
from tests.selection.builders import (
    APPLICATION,
    SYSTEM,
    applicant,
    candidate_at,
    line,
    panel_decides,
    passed_assessment,
    sprint,
    stage_rubrics,
)

EXIT_REASON = "Directive style in the interview, XJ-7781"


def _person(**fields: Any) -> Person:
    # factory_boy builds the model; its stubs say otherwise.
    return cast(Person, PersonFactory(**fields))


def _user(*roles: Role, **fields: Any) -> User:
    return cast(User, UserFactory(roles=list(roles), **fields))


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def _sign_in(client: FlaskClient, user: Any) -> None:
    with client.session_transaction() as session:
        session.clear()
    db.session.commit()
    response = Auth(client).login(user.email)
    assert response.status_code == 302


def _user_of(candidate: Candidate) -> User:
    user = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    assert user is not None
    return user


def _reload(candidate_id: int) -> Candidate:
    db.session.expire_all()
    candidate = db.session.get(Candidate, candidate_id)
    assert candidate is not None
    return candidate


def _only(model: Any) -> Any:
    rows = db.session.scalars(sa.select(model)).all()
    assert len(rows) == 1, rows
    return rows[0]


def _url(candidate: Candidate, suffix: str = "") -> str:
    return f"/sprints/{candidate.sprint_id}/candidates/{candidate.id}{suffix}"


def _follow(client: FlaskClient, response: Any) -> str:
    assert response.status_code == 302, _text(response)
    return _text(client.get(response.headers["Location"]))


@pytest.fixture
def frozen() -> Iterator[datetime]:
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
    set_clock(lambda: moment)
    yield moment
    set_clock(None)


# --- the sprint list -------------------------------------------------------------------------


def test_list_shows_staff_all_sprints_with_seats_and_lateness(client: FlaskClient, auth: Auth,
                                                              frozen: datetime) -> None:
    late = sprint(name="Winter sprint", start=frozen.date() - timedelta(days=10))
    set_clock(lambda: datetime.combine(late.start_date, frozen.timetz()))
    applicant(late)
    set_clock(lambda: frozen)
    sprint(name="Spring sprint")
    auth.login_as(Role.ADMIN)
    page = _text(client.get("/sprints/"))
    assert "New sprint" in page
    assert "Winter sprint" in page and "Spring sprint" in page
    row = page[page.index("Winter sprint"):]
    assert re.search(r"0 / 4</td>\s*<td class=\"num\">1</td>\s*<td><span class=\"tag tag-late\">"
                     r"late</span>", row)
    assert f"{late.start_date.isoformat()} – " in page


def test_list_offers_entries_and_own_candidacies_to_employees(client: FlaskClient) -> None:
    row = sprint(name="Spring sprint")
    candidate = applicant(sprint(name="Autumn sprint"))
    _sign_in(client, _user_of(candidate))
    page = _text(client.get("/sprints/"))
    assert "Open for entries" in page
    assert f'href="/sprints/{row.id}/apply"' in page
    assert f'href="/sprints/{row.id}/nominate"' in page
    assert "Your candidacies" in page and f'href="{_url(candidate, "/mine")}"' in page
    assert "New sprint" not in page
    assert "All sprints" not in page and "Open candidates" not in page


def test_list_tells_an_unlinked_account_why_it_cannot_enter(client: FlaskClient,
                                                            auth: Auth) -> None:
    sprint()
    auth.login_as(Role.COACH)
    page = _text(client.get("/sprints/"))
    assert "not linked to a directory record" in page
    assert "Open for entries" not in page


def test_panel_member_sees_the_sprints_they_sit_on(client: FlaskClient) -> None:
    mine = sprint(name="Panel sprint")
    sprint(name="Other sprint")
    sponsor = next(m.user for m in mine.panel if m.panel_role == "business_sponsor")
    _sign_in(client, sponsor)
    page = _text(client.get("/sprints/"))
    assert "Sprints whose panel you sit on" in page
    assert "Panel sprint" in page and "Other sprint" not in page


# --- creating and editing ----------------------------------------------------------------------


def test_create_form_shows_the_blueprint_defaults(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    page = _text(client.get("/sprints/new"))
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
    created = _only(Sprint)
    assert response.headers["Location"].endswith(f"/sprints/{created.id}")
    assert created.capacity == 5 and created.stage_days == {"supervised_practice": 28}
    page = _follow(client, response)
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
    page = _text(response)
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
    assert re.search(rf'id="{field}-error" role="alert">{re.escape(message)}', _text(response))


def test_edit_prefills_and_saves_the_sprint(client: FlaskClient, auth: Auth) -> None:
    row = selection.create_sprint(SYSTEM, selection.SprintDraft(
        name="Spring", capacity=3, start_date=utcnow().date(),
        stage_days={"interview": 14}))
    auth.login_as(Role.ADMIN)
    page = _text(client.get(f"/sprints/{row.id}/edit"))
    assert 'name="days_interview"' in page and re.search(r'name="days_interview"[^>]*value="14"',
                                                         page)
    form = {"name": "Spring (renamed)", "capacity": "6", "start_date": "2026-05-04",
            "eligibility_notes": "", "days_interview": "7"}
    response = post_form(client, f"/sprints/{row.id}/edit", form)
    assert "The sprint is saved." in _follow(client, response)
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
    page = _follow(client, post_form(client, f"/sprints/{row.id}/close"))
    assert "The sprint stays open: 1 candidate still has no decision" in page
    selection.reject_candidate(SYSTEM, candidate, "Not eligible.")
    db.session.commit()
    page = _follow(client, post_form(client, f"/sprints/{row.id}/close"))
    assert "The sprint is closed" in page and "Close sprint</button>" not in page
    response = post_form(client, _url(candidate, "/withdraw"), {"reason": "x"})
    assert "This candidacy has already ended" in _follow(client, response)
    _sign_in(client, _user(person_id=_person().id))
    page = _text(client.get(f"/sprints/{row.id}/apply"))
    assert "This sprint is not taking applications:\nit is closed." in page
    assert "<textarea" not in page
    response = post_form(client, f"/sprints/{row.id}/apply", {"text": APPLICATION})
    assert response.status_code == 400 and "This sprint is closed." in _text(response)


def test_closed_sprint_refuses_moves_with_the_reason(client: FlaskClient, auth: Auth) -> None:
    row = sprint()
    candidate = applicant(row)
    db.session.commit()
    # Closed behind the page's back (e.g. by another admin): the move is refused, not a 500.
    row.status = "closed"
    db.session.commit()
    auth.login_as(Role.ADMIN)
    response = post_form(client, _url(candidate, "/advance"), {"target": "interview"})
    assert "This sprint is closed; its candidates no longer move." in _follow(client, response)
    response = post_form(client, _url(candidate, "/reject"), {"reason": "Too late."})
    assert "This sprint is closed" in _follow(client, response)
    assert _reload(candidate.id).stage == "applied"


# --- the board ---------------------------------------------------------------------------------


def test_board_shows_timeline_lateness_funnel_panel_and_what_is_missing(
        client: FlaskClient, auth: Auth, frozen: datetime) -> None:
    row = sprint(start=frozen.date() - timedelta(days=10))
    set_clock(lambda: datetime.combine(row.start_date, frozen.timetz()))
    waiting = applicant(row, _person(name="Wanda Waiting"))
    moved = applicant(row, _person(name="Ivo Interview"))
    set_clock(lambda: frozen)
    selection.advance_candidate(SYSTEM, moved, "interview")
    auth.login_as(Role.ADMIN)
    page = _text(client.get(f"/sprints/{row.id}"))
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
    page = _text(client.get(f"/sprints/{row.id}"))
    assert "Ready to move to interview." in page
    assert "Move to interview" not in page and "seat-form" not in page
    assert "board.js" not in page and "Export" not in page and "Close sprint" not in page


def test_board_button_moves_and_a_guard_refusal_comes_back_with_its_reasons(
        client: FlaskClient, auth: Auth) -> None:
    row = sprint()
    candidate = applicant(row, _person(name="Gil Guarded"))
    auth.login_as(Role.ADMIN)
    response = post_form(client, _url(candidate, "/advance"), {"target": "interview"})
    assert response.headers["Location"].endswith(f"/sprints/{row.id}")
    assert "Gil Guarded moved to interview." in _follow(client, response)
    response = post_form(client, _url(candidate, "/advance"), {"target": "simulations"})
    page = _follow(client, response)
    assert "Gil Guarded was not moved. No interview assessment is recorded" in page
    assert _reload(candidate.id).stage == "interview"
    page = _follow(client, post_form(client, _url(candidate, "/advance"), {"target": "panel"}))
    assert "cannot move to calibration panel: the next stage is simulations" in page
    page = _follow(client, post_form(client, _url(candidate, "/advance"), {"target": "done"}))
    assert "There is no stage called &#39;done&#39;." in page


def test_moves_follow_only_a_safe_next(client: FlaskClient, auth: Auth) -> None:
    candidate = applicant(sprint())
    auth.login_as(Role.ADMIN)
    response = post_form(client, _url(candidate, "/advance?next=https://evil.example/x"),
                         {"target": "interview"})
    assert response.headers["Location"].endswith(f"/sprints/{candidate.sprint_id}")
    response = post_form(client, _url(candidate, f"/advance?next={_url(candidate)}"),
                         {"target": "simulations"})
    assert response.headers["Location"].endswith(_url(candidate))


def test_a_candidate_of_another_sprint_is_not_found_here(client: FlaskClient,
                                                         auth: Auth) -> None:
    candidate = applicant(sprint())
    other = sprint(name="Other")
    auth.login_as(Role.ADMIN)
    wrong = f"/sprints/{other.id}/candidates/{candidate.id}"
    assert client.get(wrong).status_code == 404
    for suffix, data in (("/advance", {"target": "interview"}), ("/reject", {"reason": "x"}),
                         ("/withdraw", {"reason": "x"}), ("/hours", {}),
                         ("/assessments", {"purpose": "interview"})):
        assert post_form(client, wrong + suffix, data).status_code == 404, suffix
    assert _reload(candidate.id).stage == "applied"
    assert client.get(f"/sprints/{other.id}/candidates/999999").status_code == 404


def test_panel_seats_are_set_from_the_board(client: FlaskClient, auth: Auth) -> None:
    row = sprint(panel=False)
    sponsor = _user(Role.SPONSOR, display_name="Sol Sponsor")
    lead = _user(Role.LEAD_COACH, display_name="Lee Lead")
    auth.login_as(Role.ADMIN)
    page = _text(client.get(f"/sprints/{row.id}"))
    assert "Sol Sponsor" in page and 'id="seat-business_sponsor"' in page
    response = post_form(client, f"/sprints/{row.id}/panel/business_sponsor",
                         {"user_id": str(sponsor.id)})
    assert "Sol Sponsor sits on the panel as Business sponsor." in _follow(client, response)
    response = post_form(client, f"/sprints/{row.id}/panel/external_master_coach",
                         {"user_id": str(lead.id)})
    assert "Lee Lead cannot sit as External master coach: the seat needs the master coach " \
           "role." in _follow(client, response)
    response = post_form(client, f"/sprints/{row.id}/panel/chair", {"user_id": "abc"})
    assert "Choose a panel seat." in _follow(client, response)


def test_board_script_is_served(client: FlaskClient) -> None:
    with client.get("/static/js/board.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        body = _text(response)
    assert "advance-form" in body and "data-next-stage" in body


# --- the candidate page ------------------------------------------------------------------------


def test_candidate_page_shows_the_full_evidence_pack(client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    members = {m.panel_role: m.user for m in candidate.sprint.panel}
    selection.record_panel_decision(members["hr_ld"], candidate, verdict="appoint",
                                    reasons="Strong contracting, QZ-3 evidence.")
    auth.login_as(Role.MASTER_COACH)
    page = _text(client.get(_url(candidate)))
    assert candidate.person.name in page and "Engineering" in page
    assert "I coached two new team leads" in page  # the application
    assert "Behavioural interview" in page and "Simulation: performance scenario" in page
    assert page.count("Passed: overall 100% ≥ 60%") == 3
    link = candidate.assessments[0].assessment_id
    assert f'href="/assessments/{link}"' in page
    assert "Verified coached hours: <strong>8</strong> of at least 8 (target 12)" in page
    assert '<progress id="hours-progress" max="12.0" value="8.0">67 %</progress>' in page
    assert "Session 3 recording" in page and "let silences run longer" in page
    assert "Strong contracting, QZ-3 evidence." in page and "Hana Rees" in page
    assert "The External master coach has not recorded a decision." in page
    assert "incomplete — not every member has decided" in page
    assert "Applied → Interview" in page  # the history
    for private in ("gender", "ethnicity", "age_band", "disability", "Tell us about yourself"):
        assert private not in page


def test_candidate_page_actions_follow_permissions(client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    auth.login_as(Role.ADMIN)
    page = _text(client.get(_url(candidate)))
    assert 'id="reject"' in page and 'id="withdraw"' in page
    assert '<option value="interview">Behavioural interview</option>' in page
    assert "Move to simulations" in page
    _sign_in(client, _user(Role.LEAD_COACH))
    page = _text(client.get(_url(candidate)))
    assert 'id="reject"' not in page and "Move to simulations" not in page
    assert 'name="purpose"' not in page


def test_admin_creates_the_stage_assessment_then_assigns_raters(client: FlaskClient,
                                                                auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    stage_rubrics()
    auth.login_as(Role.ADMIN)
    response = post_form(client, _url(candidate, "/assessments"), {"purpose": ""})
    assert response.status_code == 400
    assert ('id="purpose-error" role="alert">Choose the interview or one of the two '
            'simulations.') in _text(response)
    response = post_form(client, _url(candidate, "/assessments"), {"purpose": "interview"})
    [link] = _reload(candidate.id).assessments
    assert response.headers["Location"].endswith(f"/assessments/{link.assessment_id}")
    assert "Assign its raters here" in _follow(client, response)
    response = post_form(client, _url(candidate, "/assessments"), {"purpose": "interview"})
    assert "already exists" in _follow(client, response)


def test_rejection_needs_a_reason_shown_next_to_the_field(client: FlaskClient,
                                                          auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    auth.login_as(Role.ADMIN)
    response = post_form(client, _url(candidate, "/reject"), {"reason": "  "})
    assert response.status_code == 400
    assert 'id="reject-reason-error" role="alert">Give a reason for the rejection.' in \
        _text(response)
    response = post_form(client, _url(candidate, "/reject"), {"reason": "x" * 2001})
    assert response.status_code == 400
    assert "Field cannot be longer than 2000 characters." in _text(response)
    assert _reload(candidate.id).stage == "interview"
    response = post_form(client, _url(candidate, f"/reject?next={_url(candidate)}"),
                         {"reason": EXIT_REASON})
    page = _follow(client, response)
    assert "is rejected. They are told in neutral words" in page
    assert EXIT_REASON in page  # staff read the recorded reason in the history
    assert _reload(candidate.id).stage == "rejected"


def test_only_admins_move_reject_or_create_assessments(client: FlaskClient,
                                                       auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    auth.login_as(Role.MASTER_COACH)
    assert post_form(client, _url(candidate, "/advance"),
                     {"target": "simulations"}).status_code == 403
    assert post_form(client, _url(candidate, "/reject"), {"reason": "No."}).status_code == 403
    assert post_form(client, _url(candidate, "/withdraw"), {"reason": "No."}).status_code == 403
    assert post_form(client, _url(candidate, "/assessments"),
                     {"purpose": "interview"}).status_code == 403
    assert _reload(candidate.id).stage == "interview"


def test_supervisors_log_verify_and_review_practice(client: FlaskClient) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    lead = _user(Role.LEAD_COACH)
    master = _user(Role.MASTER_COACH)
    _sign_in(client, lead)
    today = utcnow().date().isoformat()
    response = post_form(client, _url(candidate, "/hours"),
                         {"session_date": today, "minutes": "90", "note": "Goal setting"})
    assert "90 minutes logged" in _follow(client, response)
    [entry] = _reload(candidate.id).hours
    page = _text(client.get(_url(candidate)))
    assert "awaiting another supervisor (you logged it)" in page
    response = post_form(client, _url(candidate, f"/hours/{entry.id}/verify"))
    assert "Someone other than the person who logged the hours verifies them." in \
        _follow(client, response)
    response = post_form(client, _url(candidate, "/reviews"),
                         {"title": "", "notes": "", "link": "ftp://x"})
    assert response.status_code == 400
    page = _text(response)
    assert 'id="title-error" role="alert">Say which session you reviewed' in page
    assert 'id="link-error" role="alert">A link starts with http:// or https://.' in page
    assert 'value="ftp://x"' in page
    response = post_form(client, _url(candidate, "/reviews"),
                         {"title": "Session 2", "notes": "Asked more than told."})
    assert "Your review is recorded." in _follow(client, response)
    _sign_in(client, master)
    page = _text(client.get(_url(candidate)))
    assert f'/hours/{entry.id}/verify"' in page
    response = post_form(client, _url(candidate, f"/hours/{entry.id}/verify"))
    assert "90 minutes verified" in _follow(client, response)
    db.session.expire_all()
    verified = db.session.get(CoachedHoursEntry, entry.id)
    assert verified is not None and verified.verified_by_id == master.id
    assert post_form(client, _url(candidate, "/hours/999999/verify")).status_code == 404
    page = _follow(client, post_form(client, _url(candidate, f"/hours/{entry.id}/verify")))
    assert "These hours are already verified." in page


def test_admins_do_not_verify_hours(client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    entry = selection.log_practice_hours(SYSTEM, candidate, session_date=utcnow().date(),
                                         minutes=60)
    auth.login_as(Role.ADMIN)
    assert 'Verify</button>' not in _text(client.get(_url(candidate)))
    assert post_form(client, _url(candidate, f"/hours/{entry.id}/verify")).status_code == 403


def test_hours_are_logged_only_in_supervised_practice(client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    auth.login_as(Role.ADMIN)
    response = post_form(client, _url(candidate, "/hours"),
                         {"session_date": utcnow().date().isoformat(), "minutes": "60"})
    assert "Coached hours are logged while the candidate is in supervised practice." in \
        _follow(client, response)
    assert _reload(candidate.id).hours == []


# --- the panel -------------------------------------------------------------------------------


def test_panel_member_reads_the_pack_and_records_a_decision(client: FlaskClient) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    early = applicant(candidate.sprint)
    sponsor = next(m.user for m in candidate.sprint.panel if m.panel_role == "business_sponsor")
    _sign_in(client, sponsor)
    board = _text(client.get(f"/sprints/{candidate.sprint_id}"))
    assert "the calibration panel" in board and candidate.person.name in board
    assert early.person.name not in board and "board-card" not in board
    page = _text(client.get(_url(candidate)))
    assert "Your decision (Business sponsor)" in page
    assert 'id="reject"' not in page and "Move to appointed" not in page
    response = post_form(client, _url(candidate, "/decision"), {"verdict": "maybe",
                                                               "reasons": " "})
    assert response.status_code == 400
    page = _text(response)
    assert 'id="verdict-error" role="alert">Choose appoint or do not appoint.' in page
    assert 'id="reasons-error" role="alert">Give the reasons for your decision' in page
    response = post_form(client, _url(candidate, "/decision"),
                         {"verdict": "appoint", "reasons": "Manager confirmed the time."})
    page = _follow(client, response)
    assert "Your decision is recorded." in page
    assert re.search(r'checked[^>]*value="appoint"|value="appoint"[^>]*checked', page)
    assert "Manager confirmed the time.</textarea>" in page
    assert client.get(_url(early)).status_code == 403
    assert post_form(client, _url(early, "/decision"),
                     {"verdict": "appoint", "reasons": "x"}).status_code == 403


def test_a_sponsor_on_the_panel_sees_hours_but_not_practice_session_notes(
        client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.PANEL)  # notes "Session 1…" and a review
    sponsor = next(m.user for m in candidate.sprint.panel if m.panel_role == "business_sponsor")
    db.session.commit()
    _sign_in(client, sponsor)
    page = _text(client.get(_url(candidate)))
    assert "Session 1" not in page and "let silences run longer" not in page
    assert "for supervisors and L&amp;D only" in page
    auth.logout()
    auth.login_as("lead_coach")
    page = _text(client.get(_url(candidate)))
    assert "Session 1" in page and "let silences run longer" in page
    opened = db.session.scalars(sa.select(AuditEntry.actor_id).where(
        AuditEntry.action == "candidate.evidence_viewed",
        AuditEntry.object_id == str(candidate.id))).all()
    assert len(opened) == 2 and sponsor.id in opened


def test_panel_decision_after_the_panel_stage_is_refused_with_a_reason(
        client: FlaskClient) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    panel_decides(candidate)
    selection.advance_candidate(SYSTEM, candidate, "appointed")
    member = candidate.sprint.panel[0].user
    _sign_in(client, member)
    response = post_form(client, _url(candidate, "/decision"),
                         {"verdict": "do_not_appoint", "reasons": "Changed my mind."})
    assert "Panel decisions are recorded while the candidate is at the calibration panel " \
           "stage." in _follow(client, response)


def test_a_sponsor_off_the_panel_sees_no_candidate(client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    auth.login_as(Role.SPONSOR)
    assert client.get(_url(candidate)).status_code == 403
    assert client.get(f"/sprints/{candidate.sprint_id}").status_code == 403
    assert client.get(f"/sprints/{candidate.sprint_id}/export.csv").status_code == 403


# --- the candidate's own view ------------------------------------------------------------------


def test_own_candidacy_in_plain_words_with_the_calendar(client: FlaskClient,
                                                        app: Flask) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    _sign_in(client, _user_of(candidate))
    page = _text(client.get(_url(candidate, "/mine")))
    assert "You are at the behavioural interview." in page
    assert "What happens next" in page
    assert "Shadowing &amp; supervised practice" in page  # the calendar
    assert 'id="withdraw"' in page
    self_report = "Tell us about yourself (optional, for fairness monitoring)"
    assert (self_report in page) == ("selection_impact.self_report" in app.view_functions)
    # Their own evidence pack is for staff and the panel.
    assert client.get(_url(candidate)).status_code == 403


def test_own_view_never_shows_scores_or_the_recorded_reason(client: FlaskClient) -> None:
    candidate = candidate_at(CandidateStage.SIMULATIONS)
    passed_assessment(candidate, "simulation-performance", LOW)
    selection.reject_candidate(SYSTEM, candidate, EXIT_REASON)
    _sign_in(client, _user_of(candidate))
    page = _text(client.get(_url(candidate, "/mine")))
    assert str(escape(domain.candidate_notice("rejected", candidate.sprint.name))) in page
    for secret in (EXIT_REASON, "XJ-7781", "did not pass", "Passed", "%", "rater"):
        assert secret not in page, secret
    assert 'id="withdraw"' not in page


def test_candidate_logs_hours_and_sees_errors_on_their_own_page(client: FlaskClient) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    _sign_in(client, _user_of(candidate))
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    response = post_form(client, _url(candidate, "/hours"),
                         {"session_date": tomorrow, "minutes": "0", "origin": "mine"})
    assert response.status_code == 400
    page = _text(response)
    assert "Your candidacy in" in page
    assert 'id="session_date-error" role="alert">The date is in the future' in page
    assert 'id="minutes-error" role="alert">Give the length in minutes, from 1 to 480' in page
    response = post_form(client, _url(candidate, "/hours"),
                         {"session_date": "not a date", "minutes": "60", "origin": "mine"})
    assert response.status_code == 400
    assert "Give the date as year-month-day" in _text(response)
    response = post_form(client, _url(candidate, "/hours"), {
        "session_date": utcnow().date().isoformat(), "minutes": "45", "origin": "mine"})
    assert response.headers["Location"].endswith(_url(candidate, "/mine"))
    page = _follow(client, response)
    assert "45 minutes logged" in page and "awaiting a supervisor" in page


def test_candidate_withdraws_with_a_reason(client: FlaskClient) -> None:
    candidate = applicant(sprint())
    _sign_in(client, _user_of(candidate))
    response = post_form(client, _url(candidate, "/withdraw"), {"reason": "", "origin": "mine"})
    assert response.status_code == 400
    assert 'id="withdraw-reason-error" role="alert">Give a reason for the withdrawal.' in \
        _text(response)
    response = post_form(client, _url(candidate, "/withdraw"),
                         {"reason": "A new role takes my time.", "origin": "mine"})
    page = _follow(client, response)
    assert "The candidacy is withdrawn." in page
    assert str(escape(domain.candidate_notice("withdrawn", candidate.sprint.name))) in page
    assert "A new role takes my time." not in page


def test_nobody_else_opens_or_acts_on_a_candidacy(client: FlaskClient, auth: Auth) -> None:
    candidate = applicant(sprint())
    auth.login_as(Role.MANAGER, person_id=_person().id)
    assert client.get(_url(candidate, "/mine")).status_code == 403
    assert post_form(client, _url(candidate, "/withdraw"), {"reason": "x"}).status_code == 403
    assert post_form(client, _url(candidate, "/hours"), {"minutes": "60"}).status_code == 403
    assert _reload(candidate.id).stage == "applied"


# --- entries -----------------------------------------------------------------------------------


def test_application_counts_words_after_a_refusal_and_keeps_the_text(client: FlaskClient) -> None:
    row = sprint()
    user = _user(person_id=_person().id)
    _sign_in(client, user)
    page = _text(client.get(f"/sprints/{row.id}/apply"))
    assert "150–600 words" in page and "Twelve months in role." in page
    response = post_form(client, f"/sprints/{row.id}/apply", {"text": "Short but sincere."})
    assert response.status_code == 400
    page = _text(response)
    assert 'id="text-error" role="alert">The application has 3 words; write at least 150' in page
    assert "Your text has 3 words." in page and "Short but sincere.</textarea>" in page
    response = post_form(client, f"/sprints/{row.id}/apply", {"text": APPLICATION})
    candidate = _only(Candidate)
    assert response.headers["Location"].endswith(_url(candidate, "/mine"))
    assert "Your application is in" in _follow(client, response)
    response = client.get(f"/sprints/{row.id}/apply")
    assert response.headers["Location"].endswith(_url(candidate, "/mine"))
    too_long = " ".join(["word"] * 601)
    other = sprint(name="Other")
    db.session.commit()
    response = post_form(client, f"/sprints/{other.id}/apply", {"text": too_long})
    assert "keep it to one page of at most 600 words" in _text(response)


def test_application_outside_the_window_is_refused(client: FlaskClient,
                                                  frozen: datetime) -> None:
    row = sprint(start=frozen.date() - timedelta(days=7))
    _sign_in(client, _user(person_id=_person().id))
    page = _text(client.get(f"/sprints/{row.id}/apply"))
    assert "entries closed on 2026-03-01" in page and "<textarea" not in page
    response = post_form(client, f"/sprints/{row.id}/apply", {"text": APPLICATION})
    assert response.status_code == 400
    page = _text(response)
    assert "Nominations and applications closed on 2026-03-01." in page
    assert "I coached two new team leads" in page  # the text is kept to copy
    assert client.get("/sprints/999999/apply").status_code == 404


def test_nomination_lists_the_reporting_line_and_invites_by_email(client: FlaskClient) -> None:
    top, middle, bottom = line(2)
    stranger = _person(name="Stranger Danger")
    manager = _user(Role.MANAGER, person_id=top.id)
    row = sprint()
    _sign_in(client, manager)
    page = _text(client.get(f"/sprints/{row.id}/nominate"))
    assert f'value="{middle.employee_id}">Line person 1' in page
    assert f'value="{bottom.employee_id}">Line person 2' in page
    assert "Stranger Danger" not in page and f'value="{top.employee_id}"' not in page
    response = post_form(client, f"/sprints/{row.id}/nominate",
                         {"nominee_employee_id": bottom.employee_id, "why": ""})
    assert response.status_code == 400
    assert 'id="why-error" role="alert">Say why you are nominating this person.' in \
        _text(response)
    response = post_form(client, f"/sprints/{row.id}/nominate",
                         {"nominee_employee_id": stranger.employee_id, "why": "Kind."})
    assert response.status_code == 400
    assert "You can nominate only people in your reporting line" in _text(response)
    response = post_form(client, f"/sprints/{row.id}/nominate",
                         {"nominee_employee_id": bottom.employee_id, "why": "x" * 2001})
    assert response.status_code == 400
    assert 'id="why-error" role="alert">Field cannot be longer than 2000 characters.' in \
        _text(response)
    response = post_form(client, f"/sprints/{row.id}/nominate",
                         {"nominee_employee_id": bottom.employee_id, "why": "Listens first."})
    assert response.headers["Location"].endswith("/sprints/nominations")
    page = _follow(client, response)
    # The tests send no e-mail: the nominator learns that L&D hands the link over.
    assert "Line person 2 is nominated. This site sends no e-mail, so L&amp;D gives them" in page
    assert "Invited — no answer yet" in page
    [mail] = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "selection.invitation")).all()
    found = re.search(r"/sprints/invitations/(\S+)", mail.body)
    assert found is not None
    token = found.group(1)
    assert token not in page and "/sprints/invitations/" not in page
    page = _text(client.get(f"/sprints/{row.id}/nominate"))
    assert f'value="{bottom.employee_id}"' not in page
    assert "1 person in your line already has an entry" in page


def test_nominating_an_appointed_coach_is_refused_in_words(client: FlaskClient) -> None:
    appointed = candidate_at(CandidateStage.APPOINTED)
    boss = _person(name="Bo Boss")
    appointed.person.manager_id = boss.id
    manager = _user(Role.MANAGER, person_id=boss.id)
    row = sprint(name="Next sprint")
    _sign_in(client, manager)
    assert f'value="{appointed.person.employee_id}"' not in _text(
        client.get(f"/sprints/{row.id}/nominate"))
    response = post_form(client, f"/sprints/{row.id}/nominate",
                         {"nominee_employee_id": appointed.person.employee_id, "why": "Again."})
    assert response.status_code == 400
    page = _text(response)
    assert 'role="alert"' in page and "is already an appointed coach" in page


def test_nomination_page_explains_an_empty_reporting_line(client: FlaskClient) -> None:
    row = sprint()
    _sign_in(client, _user(person_id=_person().id))
    page = _text(client.get(f"/sprints/{row.id}/nominate"))
    assert "Nobody reports to you in the directory" in page and "<select" not in page


def test_manager_sees_only_whether_the_nominee_answered(client: FlaskClient) -> None:
    top, nominee = line(1)
    manager = _user(Role.MANAGER, person_id=top.id)
    entry = selection.nominate(manager, sprint(), nominee_employee_id=nominee.employee_id,
                               why="Curious mind.")
    assert entry.invitation_token is not None
    candidate = selection.respond_to_invitation(entry.invitation_token, accept=True)
    selection.advance_candidate(SYSTEM, candidate, "interview")
    passed_assessment(candidate, "interview", LOW)
    selection.reject_candidate(SYSTEM, candidate, EXIT_REASON)
    _sign_in(client, manager)
    page = _text(client.get("/sprints/nominations"))
    assert "Line person 1" in page and "Accepted — now a candidate" in page
    for secret in (EXIT_REASON, "XJ-7781", "Rejected", "rejected", "Interview", "%",
                   "did not pass"):
        assert secret not in page, secret
    assert client.get(_url(candidate)).status_code == 403
    assert client.get(_url(candidate, "/mine")).status_code == 403


def test_nominations_need_a_directory_record(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.MANAGER)
    assert client.get("/sprints/nominations").status_code == 403


# --- the invitation ----------------------------------------------------------------------------


def _invitation(why: str = "Listens before she speaks.") -> tuple[str, Candidate]:
    top, nominee = line(1)
    manager = _user(Role.MANAGER, person_id=top.id, display_name="Mona Manager")
    entry = selection.nominate(manager, sprint(), nominee_employee_id=nominee.employee_id,
                               why=why)
    db.session.commit()
    return entry.invitation_token or "", entry.candidate


def test_invitation_is_answered_without_signing_in_and_works_once(client: FlaskClient) -> None:
    token, candidate = _invitation()
    response = client.get(f"/sprints/invitations/{token}")
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Cache-Control"] == "no-store"
    page = _text(response)
    assert "Mona Manager" in page and "Listens before she speaks." in page
    assert "4–6 weeks with 8–12 coached hours" in page
    form = {"csrf_token": csrf_token(client, f"/sprints/invitations/{token}")}
    response = client.post(f"/sprints/invitations/{token}", data={**form, "accept": "Accept"})
    assert response.status_code == 200
    assert "You have accepted: you are now a candidate" in _text(response)
    assert _reload(candidate.id).stage == "applied"
    assert client.get(f"/sprints/invitations/{token}").status_code == 404
    assert client.post(f"/sprints/invitations/{token}",
                       data={**form, "decline": "Decline"}).status_code == 404


def test_declining_withdraws_the_nominee_with_the_reason(client: FlaskClient) -> None:
    token, candidate = _invitation()
    url = f"/sprints/invitations/{token}"
    form = {"csrf_token": csrf_token(client, url)}
    response = client.post(url, data={**form, "reason": ""})
    assert response.status_code == 400 and "Choose Accept or Decline." in _text(response)
    response = client.post(url, data={**form, "reason": "x" * 2001, "decline": "Decline"})
    assert response.status_code == 400
    assert "Field cannot be longer than 2000 characters." in _text(response)
    response = client.post(url, data={**form, "reason": "Parental leave.", "decline": "Decline"})
    assert "You have declined" in _text(response)
    declined = _reload(candidate.id)
    assert declined.stage == "withdrawn" and declined.exit_reason == "Parental leave."
    assert client.get(url).status_code == 404


def test_l_and_d_withdraws_a_nominee_and_the_link_stops_working(client: FlaskClient,
                                                                   auth: Auth) -> None:
    token, candidate = _invitation()
    auth.login_as(Role.ADMIN)
    page = _text(client.get(_url(candidate)))
    assert "Why they were nominated" in page and "Listens before she speaks." in page
    assert "Move to applied" not in page  # only the nominee accepts
    response = post_form(client, _url(candidate, f"/withdraw?next={_url(candidate)}"),
                         {"reason": "Left the company."})
    assert "Line person 1&#39;s candidacy is withdrawn." in _follow(client, response)
    assert _reload(candidate.id).stage == "withdrawn"
    assert client.get(f"/sprints/invitations/{token}").status_code == 404


def test_unknown_invitations_and_missing_tokens_are_refused(client: FlaskClient) -> None:
    _invitation()
    assert client.get("/sprints/invitations/not-a-token").status_code == 404
    assert client.get("/sprints/invitations/" + "x" * 200).status_code == 404
    token, _ = _invitation()
    # No CSRF token: refused, and the invitation still stands.
    assert client.post(f"/sprints/invitations/{token}", data={"accept": "Accept"}).status_code \
        == 400
    assert client.get(f"/sprints/invitations/{token}").status_code == 200


# --- export ------------------------------------------------------------------------------------


def test_export_lists_the_board_and_defuses_formulas(client: FlaskClient, auth: Auth) -> None:
    row = sprint()
    candidate = applicant(row, _person(name="=HYPERLINK(\"http://x\")",
                                             department="@SUM(A1)"))
    selection.reject_candidate(SYSTEM, candidate, "-2+3 is not a reason")
    applicant(row, _person(name="Plain Name"))
    auth.login_as(Role.ADMIN)
    response = client.get(f"/sprints/{row.id}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"sprint-{row.id}-board.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_text(response))))
    assert list(rows[0]) == list(selection.EXPORT_COLUMNS)
    by_stage = {r["stage"]: r for r in rows}
    assert by_stage["rejected"]["name"] == "'=HYPERLINK(\"http://x\")"
    assert by_stage["rejected"]["department"] == "'@SUM(A1)"
    assert by_stage["rejected"]["exit_reason"] == "'-2+3 is not a reason"
    assert by_stage["applied"]["name"] == "Plain Name"
    assert db.session.scalar(sa.select(AuditEntry.action).where(
        AuditEntry.action == "sprint.board_exported")) == "sprint.board_exported"
    _sign_in(client, _user(Role.MASTER_COACH))
    assert client.get(f"/sprints/{row.id}/export.csv").status_code == 403


def test_forms_refuse_posts_without_a_csrf_token(client: FlaskClient, auth: Auth) -> None:
    candidate = applicant(sprint())
    auth.login_as(Role.ADMIN)
    assert client.post(_url(candidate, "/advance"), data={"target": "interview"}).status_code \
        == 400
    assert client.post("/sprints/new", data={"name": "X"}).status_code == 400
    assert _reload(candidate.id).stage == "applied"


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


def test_rejecting_twice_explains_instead_of_showing_a_hidden_form(client, auth: Auth) -> None:
    candidate = applicant(sprint())
    selection.reject_candidate(SYSTEM, candidate, "Not this time.")
    db.session.commit()
    auth.login_as("admin")
    response = post_form(client, _url(candidate, "/reject"), {"reason": "Again"})
    assert response.status_code == 302
    page = _follow(client, response)
    assert "was not rejected. The candidate is rejected, which is final" in page
