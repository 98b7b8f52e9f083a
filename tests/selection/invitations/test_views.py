"""L&D issues a nominee a new invitation link (issue 21): without SMTP the link reached nobody
(masked in the outbox and logs by design), so the admin sees a new one once, on the answer to
the POST, with a warning; the earlier link stops working; the new one works once. With SMTP
the new link is e-mailed instead and never shown."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.notifications.models import OutboxMessage
from coachprog.selection.entries import services as selection
from coachprog.selection.models import Candidate
from tests.conftest import Auth, csrf_token
from tests.factories import UserFactory
from tests.selection.builders import line, sprint

LINK = re.compile(r"http://[^<\s\"]+/sprints/invitations/([\w-]+)")


@pytest.fixture
def nomination() -> tuple[Candidate, str]:
    manager, nominee = line(1)
    entry = selection.nominate(UserFactory(person_id=manager.id), sprint(name="Spring sprint"),
                               nominee_employee_id=nominee.employee_id, why="Listens well.")
    db.session.commit()
    assert entry.invitation_token is not None
    return entry.candidate, entry.invitation_token


def _issue(client: FlaskClient, candidate: Candidate) -> object:
    page = f"/sprints/{candidate.sprint_id}/candidates/{candidate.id}"
    return client.post(f"{page}/invitation-link", data={"csrf_token": csrf_token(client, page)})


def test_without_smtp_the_admin_sees_a_new_link_once_and_the_old_one_stops_working(
        app: Flask, auth: Auth, nomination: tuple[Candidate, str],
        caplog: pytest.LogCaptureFixture) -> None:
    candidate, old_token = nomination
    auth.login_as("admin")
    page = auth.client.get(f"/sprints/{candidate.sprint_id}/candidates/{candidate.id}")
    assert "Issue a new invitation link" in page.get_data(as_text=True)
    assert "sends no e-mail" in page.get_data(as_text=True)
    with caplog.at_level(logging.DEBUG):
        issued = _issue(auth.client, candidate)
    assert issued.status_code == 200
    assert issued.headers["Cache-Control"] == "no-store"
    html = issued.get_data(as_text=True)
    assert "shown <strong>only now</strong>" in html and "Do not open it yourself" in html
    match = LINK.search(html)
    assert match, "the page shows the new link"
    token = match.group(1)
    assert token != old_token
    # Never logged, never in the outbox, never in the session cookie.
    assert token not in caplog.text
    assert all(token not in m.body for m in db.session.scalars(sa.select(OutboxMessage)))
    assert token not in (auth.client.get_cookie("session").value
                         if auth.client.get_cookie("session") else "")
    # Shown once: the candidate page does not show it again.
    again = auth.client.get(f"/sprints/{candidate.sprint_id}/candidates/{candidate.id}")
    assert token not in again.get_data(as_text=True)
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "candidate.invitation_link_issued"))
    assert entry is not None and entry.detail["emailed"] is False
    auth.logout()

    nominee = app.test_client()
    assert nominee.get(f"/sprints/invitations/{old_token}").status_code == 404
    url = f"/sprints/invitations/{token}"
    assert nominee.get(url).status_code == 200
    answered = nominee.post(url, data={"csrf_token": csrf_token(nominee, url), "accept": "y"})
    assert answered.status_code == 200
    db.session.expire_all()
    assert db.session.get(Candidate, candidate.id).stage == "applied"
    assert nominee.get(url).status_code == 404  # one use


def test_an_answered_invitation_gets_no_new_link(
        auth: Auth, nomination: tuple[Candidate, str]) -> None:
    candidate, token = nomination
    selection.respond_to_invitation(token, accept=False, reason="Not now.")
    db.session.commit()
    auth.login_as("admin")
    page = auth.client.get(f"/sprints/{candidate.sprint_id}/candidates/{candidate.id}")
    assert "Issue a new invitation link" not in page.get_data(as_text=True)
    refused = _issue(auth.client, candidate)
    assert refused.status_code == 302
    shown = auth.client.get(refused.headers["Location"]).get_data(as_text=True)
    assert 'role="alert"' in shown and "already been answered" in shown
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "candidate.invitation_link_issued")) == 0


def test_only_admins_issue_links(auth: Auth, nomination: tuple[Candidate, str]) -> None:
    candidate, _ = nomination
    for role in ("manager", "master_coach", "lead_coach"):
        auth.login_as(role)
        assert _issue(auth.client, candidate).status_code == 403
        auth.logout()


def test_with_smtp_the_new_link_is_emailed_not_shown(
        app: Flask, auth: Auth, nomination: tuple[Candidate, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    candidate, _ = nomination
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_PORT", 1)  # nothing is sent in the test
    auth.login_as("admin")
    issued = _issue(auth.client, candidate)
    assert issued.status_code == 302
    shown = auth.client.get(issued.headers["Location"]).get_data(as_text=True)
    assert "e-mailed to" in shown and not LINK.search(shown)
    mails = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "selection.invitation").order_by(OutboxMessage.id)).all()
    assert len(mails) == 2 and "no longer works" in mails[-1].body
