"""Supervised practice through the Flask client: logging, verifying and reviewing hours."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.selection.domain import CandidateStage
from coachprog.selection.models import CoachedHoursEntry
from coachprog.selection.practice import services as practice_services
from tests.conftest import Auth, post_form
from tests.selection.builders import (
    SYSTEM,
    candidate_at,
)
from tests.selection.helpers import (
    follow,
    make_user,
    path_of,
    reload_candidate,
    sign_in,
    text_of,
    user_of,
)


def test_supervisors_log_verify_and_review_practice(client: FlaskClient) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    lead = make_user(Role.LEAD_COACH)
    master = make_user(Role.MASTER_COACH)
    sign_in(client, lead)
    today = utcnow().date().isoformat()
    response = post_form(client, path_of(candidate, "/hours"),
                         {"session_date": today, "minutes": "90", "note": "Goal setting"})
    assert "90 minutes logged" in follow(client, response)
    [entry] = reload_candidate(candidate.id).hours
    page = text_of(client.get(path_of(candidate)))
    assert "awaiting another supervisor (you logged it)" in page
    response = post_form(client, path_of(candidate, f"/hours/{entry.id}/verify"))
    assert "Someone other than the person who logged the hours verifies them." in \
        follow(client, response)
    response = post_form(client, path_of(candidate, "/reviews"),
                         {"title": "", "notes": "", "link": "ftp://x"})
    assert response.status_code == 400
    page = text_of(response)
    assert 'id="title-error" role="alert">Say which session you reviewed' in page
    assert 'id="link-error" role="alert">A link starts with http:// or https://.' in page
    assert 'value="ftp://x"' in page
    response = post_form(client, path_of(candidate, "/reviews"),
                         {"title": "Session 2", "notes": "Asked more than told."})
    assert "Your review is recorded." in follow(client, response)
    sign_in(client, master)
    page = text_of(client.get(path_of(candidate)))
    assert f'/hours/{entry.id}/verify"' in page
    response = post_form(client, path_of(candidate, f"/hours/{entry.id}/verify"))
    assert "90 minutes verified" in follow(client, response)
    db.session.expire_all()
    verified = db.session.get(CoachedHoursEntry, entry.id)
    assert verified is not None and verified.verified_by_id == master.id
    assert post_form(client, path_of(candidate, "/hours/999999/verify")).status_code == 404
    page = follow(client, post_form(client, path_of(candidate, f"/hours/{entry.id}/verify")))
    assert "These hours are already verified." in page


def test_admins_do_not_verify_hours(client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    entry = practice_services.log_practice_hours(SYSTEM, candidate, session_date=utcnow().date(),
                                         minutes=60)
    auth.login_as(Role.ADMIN)
    assert 'Verify</button>' not in text_of(client.get(path_of(candidate)))
    assert post_form(client, path_of(candidate, f"/hours/{entry.id}/verify")).status_code == 403


def test_hours_are_logged_only_in_supervised_practice(client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    auth.login_as(Role.ADMIN)
    response = post_form(client, path_of(candidate, "/hours"),
                         {"session_date": utcnow().date().isoformat(), "minutes": "60"})
    assert "Coached hours are logged while the candidate is in supervised practice." in \
        follow(client, response)
    assert reload_candidate(candidate.id).hours == []


def test_candidate_logs_hours_and_sees_errors_on_their_own_page(client: FlaskClient) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    sign_in(client, user_of(candidate))
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    response = post_form(client, path_of(candidate, "/hours"),
                         {"session_date": tomorrow, "minutes": "0", "origin": "mine"})
    assert response.status_code == 400
    page = text_of(response)
    assert "Your candidacy in" in page
    assert 'id="session_date-error" role="alert">The date is in the future' in page
    assert 'id="minutes-error" role="alert">Give the length in minutes, from 1 to 480' in page
    response = post_form(client, path_of(candidate, "/hours"),
                         {"session_date": "not a date", "minutes": "60", "origin": "mine"})
    assert response.status_code == 400
    assert "Give the date as year-month-day" in text_of(response)
    response = post_form(client, path_of(candidate, "/hours"), {
        "session_date": utcnow().date().isoformat(), "minutes": "45", "origin": "mine"})
    assert response.headers["Location"].endswith(path_of(candidate, "/mine"))
    page = follow(client, response)
    assert "45 minutes logged" in page and "awaiting a supervisor" in page
