"""Locked accounts and password-reset links (issue 19): an admin unlocks an account and issues
a one-use, expiring link; with SMTP set, people ask for one themselves and get the same answer
whether or not the address exists. Every step is audited."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from coachprog.auth.models import PasswordReset, User
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from tests.conftest import Auth, csrf_token
from tests.factories import UserFactory
from tests.notifications.smtp_server import FakeSmtpServer

NEW_PASSWORD = "a long new passphrase 42"
CSRF = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')


def _actions(user_id: int | None = None) -> list[str]:
    query = sa.select(AuditEntry.action).order_by(AuditEntry.id)
    if user_id is not None:
        query = query.where(AuditEntry.object_id == str(user_id))
    return list(db.session.scalars(query))


def _fail_sign_in(client: FlaskClient, email: str) -> int:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": "wrong password!",
                                       "csrf_token": token}).status_code


def _admin_post(client: FlaskClient, url: str) -> Any:
    return client.post(url, data={"csrf_token": csrf_token(client, "/account")})


def test_admin_unlocks_an_account_locked_by_failed_sign_ins(app: Flask, auth: Auth) -> None:
    locked = UserFactory()
    db.session.commit()
    other = app.test_client()
    statuses = [_fail_sign_in(other, locked.email) for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert Auth(other).login(locked.email).status_code == 429  # the right password too

    auth.login_as("admin")
    page = auth.client.get(f"/admin/users/{locked.id}").get_data(as_text=True)
    assert "locked: too many failed sign-ins" in page and "Unlock the account" in page
    response = _admin_post(auth.client, f"/admin/users/{locked.id}/unlock")
    assert response.status_code == 302
    assert "not locked" in auth.client.get(f"/admin/users/{locked.id}").get_data(as_text=True)
    assert Auth(other).login(locked.email).status_code == 302
    assert "auth.account_unlocked" in _actions(locked.id)


def test_only_admins_unlock_or_issue_links(auth: Auth) -> None:
    target = UserFactory()
    db.session.commit()
    auth.login_as("lead_coach")
    assert _admin_post(auth.client, f"/admin/users/{target.id}/unlock").status_code == 403
    assert _admin_post(auth.client,
                       f"/admin/users/{target.id}/password-reset").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordReset)) == 0


def _issue_link(auth: Auth, user: User) -> str:
    auth.login_as("admin")
    response = _admin_post(auth.client, f"/admin/users/{user.id}/password-reset")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = re.search(r"http://[^<\s]+/password/reset/([\w-]+)", response.get_data(as_text=True))
    assert match, "the page shows the link once"
    auth.logout()
    return match.group(1)


def test_a_reset_link_works_once_sets_a_new_password_and_ends_sessions(
        app: Flask, auth: Auth) -> None:
    user = UserFactory()
    db.session.commit()
    signed_in = app.test_client()
    assert Auth(signed_in).login(user.email).status_code == 302
    token = _issue_link(auth, user)
    row = db.session.scalar(sa.select(PasswordReset))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()  # only the hash

    client = app.test_client()
    page = f"/password/reset/{token}"
    assert client.get(page).status_code == 200
    weak = client.post(page, data={"new_password": "short", "confirm_password": "short",
                                   "csrf_token": csrf_token(client, page)})
    assert weak.status_code == 400
    assert "Use at least 12 characters." in weak.get_data(as_text=True)
    assert 'role="alert"' in weak.get_data(as_text=True)
    done = client.post(page, data={"new_password": NEW_PASSWORD,
                                   "confirm_password": NEW_PASSWORD,
                                   "csrf_token": csrf_token(client, page)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")

    # The old session ended, the old password is gone, the new one works, the link is spent.
    assert signed_in.get("/account").status_code == 302
    assert Auth(app.test_client()).login(user.email).status_code == 200
    assert Auth(app.test_client()).login(user.email, NEW_PASSWORD).status_code == 302
    again = client.get(page)
    assert again.status_code == 404
    assert "expired or has already been used" in again.get_data(as_text=True)
    actions = _actions(user.id)
    assert actions.index("auth.password_reset_issued") < actions.index("auth.password_reset")


def test_an_expired_or_unknown_link_is_refused_in_words(app: Flask, auth: Auth) -> None:
    user = UserFactory()
    db.session.commit()
    token = _issue_link(auth, user)
    row = db.session.scalar(sa.select(PasswordReset))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client = app.test_client()
    for page in (f"/password/reset/{token}", "/password/reset/not-a-token"):
        response = client.get(page)
        assert response.status_code == 404
        assert "expired or has already been used" in response.get_data(as_text=True)
    posted = client.post(f"/password/reset/{token}", data={
        "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
        "csrf_token": csrf_token(client, "/login")})
    assert posted.status_code == 404
    assert Auth(client).login(user.email).status_code == 302  # password unchanged


def test_without_smtp_people_are_told_to_ask_an_admin(client: FlaskClient) -> None:
    page = client.get("/password/forgot").get_data(as_text=True)
    assert "Ask an L&amp;D admin" in page and 'name="email"' not in page
    refused = client.post("/password/forgot", data={"email": "someone@example.org",
                                                    "csrf_token": csrf_token(client)})
    assert refused.status_code == 400
    assert "E-mail is not set up on this server" in refused.get_data(as_text=True)
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer() as server:
        for key, value in {"COACHPROG_SMTP_HOST": "127.0.0.1",
                           "COACHPROG_SMTP_PORT": server.port,
                           "COACHPROG_SMTP_STARTTLS": False,
                           "COACHPROG_SMTP_USERNAME": server.state.username,
                           "COACHPROG_SMTP_PASSWORD": server.state.password}.items():
            monkeypatch.setitem(app.config, key, value)
        yield server


def _ask(app: Flask, email: str) -> tuple[str, float]:
    client = app.test_client()
    token = csrf_token(client, "/password/forgot")
    started = time.perf_counter()
    response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return CSRF.sub("", response.get_data(as_text=True)), elapsed


def test_with_smtp_people_ask_for_a_link_and_learn_nothing_about_addresses(
        app: Flask, smtp: FakeSmtpServer) -> None:
    from tests.conftest import wait_for_job

    user = UserFactory()
    db.session.commit()
    known, known_time = _ask(app, user.email)
    unknown, unknown_time = _ask(app, "nobody-here@example.org")
    assert known == unknown  # the very same page
    assert "If that address belongs to an active account" in known
    # Similar time: the e-mail is queued, never sent while the person waits.
    assert abs(known_time - unknown_time) < 0.5, (known_time, unknown_time)

    from coachprog.jobs.models import Job

    for job in db.session.scalars(sa.select(Job)):
        wait_for_job(job.id)
    assert [r.rcpt_to for r in smtp.state.received] == [[user.email]]
    body = smtp.state.received[0].message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"/password/reset/([\w-]+)", body)
    assert link, body
    client = app.test_client()
    page = f"/password/reset/{link.group(1)}"
    done = client.post(page, data={"new_password": NEW_PASSWORD,
                                   "confirm_password": NEW_PASSWORD,
                                   "csrf_token": csrf_token(client, page)})
    assert done.status_code == 302
    assert Auth(app.test_client()).login(user.email, NEW_PASSWORD).status_code == 302
    requested = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "auth.password_reset_requested").order_by(AuditEntry.id)).all()
    assert [entry.detail["matched"] for entry in requested] == [True, False]
