"""Entering a sprint through the Flask client: application, nomination, a manager's
nominations and the invitation answered without signing in."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient

from coachprog.extensions import db
from coachprog.notifications.models import OutboxMessage
from coachprog.roles import Role
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.domain import CandidateStage
from coachprog.selection.entries import services as entry_services
from coachprog.selection.models import Candidate
from tests.assessments.builders import LOW
from tests.conftest import Auth, csrf_token, post_form
from tests.selection.builders import (
    APPLICATION,
    SYSTEM,
    candidate_at,
    line,
    passed_assessment,
    sprint,
)
from tests.selection.helpers import (
    EXIT_REASON,
    follow,
    make_person,
    make_user,
    only_row,
    path_of,
    reload_candidate,
    sign_in,
    text_of,
)


def test_application_counts_words_after_a_refusal_and_keeps_the_text(client: FlaskClient) -> None:
    row = sprint()
    user = make_user(person_id=make_person().id)
    sign_in(client, user)
    page = text_of(client.get(f"/sprints/{row.id}/apply"))
    assert "150–600 words" in page and "Twelve months in role." in page
    response = post_form(client, f"/sprints/{row.id}/apply", {"text": "Short but sincere."})
    assert response.status_code == 400
    page = text_of(response)
    assert 'id="text-error" role="alert">The application has 3 words; write at least 150' in page
    assert "Your text has 3 words." in page and "Short but sincere.</textarea>" in page
    response = post_form(client, f"/sprints/{row.id}/apply", {"text": APPLICATION})
    candidate = only_row(Candidate)
    assert response.headers["Location"].endswith(path_of(candidate, "/mine"))
    assert "Your application is in" in follow(client, response)
    response = client.get(f"/sprints/{row.id}/apply")
    assert response.headers["Location"].endswith(path_of(candidate, "/mine"))
    too_long = " ".join(["word"] * 601)
    other = sprint(name="Other")
    db.session.commit()
    response = post_form(client, f"/sprints/{other.id}/apply", {"text": too_long})
    assert "keep it to one page of at most 600 words" in text_of(response)


def test_application_outside_the_window_is_refused(client: FlaskClient,
                                                  frozen: datetime) -> None:
    row = sprint(start=frozen.date() - timedelta(days=7))
    sign_in(client, make_user(person_id=make_person().id))
    page = text_of(client.get(f"/sprints/{row.id}/apply"))
    assert "entries closed on 2026-03-01" in page and "<textarea" not in page
    response = post_form(client, f"/sprints/{row.id}/apply", {"text": APPLICATION})
    assert response.status_code == 400
    page = text_of(response)
    assert "Nominations and applications closed on 2026-03-01." in page
    assert "I coached two new team leads" in page  # the text is kept to copy
    assert client.get("/sprints/999999/apply").status_code == 404


def test_nomination_lists_the_reporting_line_and_invites_by_email(client: FlaskClient) -> None:
    top, middle, bottom = line(2)
    stranger = make_person(name="Stranger Danger")
    manager = make_user(Role.MANAGER, person_id=top.id)
    row = sprint()
    sign_in(client, manager)
    page = text_of(client.get(f"/sprints/{row.id}/nominate"))
    assert f'value="{middle.employee_id}">Line person 1' in page
    assert f'value="{bottom.employee_id}">Line person 2' in page
    assert "Stranger Danger" not in page and f'value="{top.employee_id}"' not in page
    response = post_form(client, f"/sprints/{row.id}/nominate",
                         {"nominee_employee_id": bottom.employee_id, "why": ""})
    assert response.status_code == 400
    assert 'id="why-error" role="alert">Say why you are nominating this person.' in \
        text_of(response)
    response = post_form(client, f"/sprints/{row.id}/nominate",
                         {"nominee_employee_id": stranger.employee_id, "why": "Kind."})
    assert response.status_code == 400
    assert "You can nominate only people in your reporting line" in text_of(response)
    response = post_form(client, f"/sprints/{row.id}/nominate",
                         {"nominee_employee_id": bottom.employee_id, "why": "x" * 2001})
    assert response.status_code == 400
    assert 'id="why-error" role="alert">Field cannot be longer than 2000 characters.' in \
        text_of(response)
    response = post_form(client, f"/sprints/{row.id}/nominate",
                         {"nominee_employee_id": bottom.employee_id, "why": "Listens first."})
    assert response.headers["Location"].endswith("/sprints/nominations")
    page = follow(client, response)
    # The tests send no e-mail: the nominator learns that L&D hands the link over.
    assert "Line person 2 is nominated. This site sends no e-mail, so L&amp;D gives them" in page
    assert "Invited — no answer yet" in page
    [mail] = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "selection.invitation")).all()
    found = re.search(r"/sprints/invitations/(\S+)", mail.body)
    assert found is not None
    token = found.group(1)
    assert token not in page and "/sprints/invitations/" not in page
    page = text_of(client.get(f"/sprints/{row.id}/nominate"))
    assert f'value="{bottom.employee_id}"' not in page
    assert "1 person in your line already has an entry" in page


def test_nominating_an_appointed_coach_is_refused_in_words(client: FlaskClient) -> None:
    appointed = candidate_at(CandidateStage.APPOINTED)
    boss = make_person(name="Bo Boss")
    appointed.person.manager_id = boss.id
    manager = make_user(Role.MANAGER, person_id=boss.id)
    row = sprint(name="Next sprint")
    sign_in(client, manager)
    assert f'value="{appointed.person.employee_id}"' not in text_of(
        client.get(f"/sprints/{row.id}/nominate"))
    response = post_form(client, f"/sprints/{row.id}/nominate",
                         {"nominee_employee_id": appointed.person.employee_id, "why": "Again."})
    assert response.status_code == 400
    page = text_of(response)
    assert 'role="alert"' in page and "is already an appointed coach" in page


def test_nomination_page_explains_an_empty_reporting_line(client: FlaskClient) -> None:
    row = sprint()
    sign_in(client, make_user(person_id=make_person().id))
    page = text_of(client.get(f"/sprints/{row.id}/nominate"))
    assert "Nobody reports to you in the directory" in page and "<select" not in page


def test_manager_sees_only_whether_the_nominee_answered(client: FlaskClient) -> None:
    top, nominee = line(1)
    manager = make_user(Role.MANAGER, person_id=top.id)
    entry = entry_services.nominate(manager, sprint(), nominee_employee_id=nominee.employee_id,
                               why="Curious mind.")
    assert entry.invitation_token is not None
    candidate = entry_services.respond_to_invitation(entry.invitation_token, accept=True)
    candidate_services.advance_candidate(SYSTEM, candidate, "interview")
    passed_assessment(candidate, "interview", LOW)
    candidate_services.reject_candidate(SYSTEM, candidate, EXIT_REASON)
    sign_in(client, manager)
    page = text_of(client.get("/sprints/nominations"))
    assert "Line person 1" in page and "Accepted — now a candidate" in page
    for secret in (EXIT_REASON, "XJ-7781", "Rejected", "rejected", "Interview", "%",
                   "did not pass"):
        assert secret not in page, secret
    assert client.get(path_of(candidate)).status_code == 403
    assert client.get(path_of(candidate, "/mine")).status_code == 403


def test_nominations_need_a_directory_record(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.MANAGER)
    assert client.get("/sprints/nominations").status_code == 403


def _invitation(why: str = "Listens before she speaks.") -> tuple[str, Candidate]:
    top, nominee = line(1)
    manager = make_user(Role.MANAGER, person_id=top.id, display_name="Mona Manager")
    entry = entry_services.nominate(manager, sprint(), nominee_employee_id=nominee.employee_id,
                               why=why)
    db.session.commit()
    return entry.invitation_token or "", entry.candidate


def test_invitation_is_answered_without_signing_in_and_works_once(client: FlaskClient) -> None:
    token, candidate = _invitation()
    response = client.get(f"/sprints/invitations/{token}")
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Cache-Control"] == "no-store"
    page = text_of(response)
    assert "Mona Manager" in page and "Listens before she speaks." in page
    assert "4–6 weeks with 8–12 coached hours" in page
    form = {"csrf_token": csrf_token(client, f"/sprints/invitations/{token}")}
    response = client.post(f"/sprints/invitations/{token}", data={**form, "accept": "Accept"})
    assert response.status_code == 200
    assert "You have accepted: you are now a candidate" in text_of(response)
    assert reload_candidate(candidate.id).stage == "applied"
    assert client.get(f"/sprints/invitations/{token}").status_code == 404
    assert client.post(f"/sprints/invitations/{token}",
                       data={**form, "decline": "Decline"}).status_code == 404


def test_declining_withdraws_the_nominee_with_the_reason(client: FlaskClient) -> None:
    token, candidate = _invitation()
    url = f"/sprints/invitations/{token}"
    form = {"csrf_token": csrf_token(client, url)}
    response = client.post(url, data={**form, "reason": ""})
    assert response.status_code == 400 and "Choose Accept or Decline." in text_of(response)
    response = client.post(url, data={**form, "reason": "x" * 2001, "decline": "Decline"})
    assert response.status_code == 400
    assert "Field cannot be longer than 2000 characters." in text_of(response)
    response = client.post(url, data={**form, "reason": "Parental leave.", "decline": "Decline"})
    assert "You have declined" in text_of(response)
    declined = reload_candidate(candidate.id)
    assert declined.stage == "withdrawn" and declined.exit_reason == "Parental leave."
    assert client.get(url).status_code == 404


def test_l_and_d_withdraws_a_nominee_and_the_link_stops_working(client: FlaskClient,
                                                                   auth: Auth) -> None:
    token, candidate = _invitation()
    auth.login_as(Role.ADMIN)
    page = text_of(client.get(path_of(candidate)))
    assert "Why they were nominated" in page and "Listens before she speaks." in page
    assert "Move to applied" not in page  # only the nominee accepts
    response = post_form(client, path_of(candidate, f"/withdraw?next={path_of(candidate)}"),
                         {"reason": "Left the company."})
    assert "Line person 1&#39;s candidacy is withdrawn." in follow(client, response)
    assert reload_candidate(candidate.id).stage == "withdrawn"
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
