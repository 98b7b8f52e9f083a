"""The outbox pages through the Flask client: list, filters, pages, the message, sending again."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.jobs.models import Job
from coachprog.notifications import services
from coachprog.notifications.models import OutboxMessage
from tests.conftest import csrf_token, post_form, wait_for_job


def _row(n: int, **fields: Any) -> OutboxMessage:
    values = {"kind": "selection.invitation", "to_email": f"cand{n}@example.com",
              "to_name": f"Candidate {n}", "subject": f"Invitation number {n}",
              "body": f"Dear Candidate {n},\n\nPlease apply.", "status": "logged", **fields}
    message = OutboxMessage(**values)
    db.session.add(message)
    db.session.flush()
    return message


def _status(message_id: int) -> str:
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    assert message is not None
    return message.status


def _wait_for_delivery(message_id: int) -> None:
    """Every delivery job of the message finished (at once in-process; polled on Redis)."""
    db.session.expire_all()
    jobs = db.session.scalars(sa.select(Job).where(Job.kind == services.DELIVER_JOB)).all()
    mine = [job for job in jobs if job.payload == {"message_id": message_id}]
    assert mine, f"no delivery job for message {message_id}"
    for job in mine:
        wait_for_job(job.id)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _subjects(html: str) -> list[str]:
    return re.findall(r'<a href="/admin/outbox/\d+">([^<]+)</a>', html)


def test_the_list_shows_every_message_and_explains_logging_without_smtp(client, auth) -> None:
    auth.login_as("admin")
    _row(1)
    _row(2, kind="selection.decision", status="failed", to_name="")
    db.session.commit()

    response = client.get("/admin/outbox")

    assert response.status_code == 200
    html = _text(response)
    assert "E-mail outbox" in html
    assert "No SMTP server is configured" in html and "coachprog.outbox" in html
    assert _subjects(html) == ["Invitation number 2", "Invitation number 1"]
    assert "Candidate 1 &lt;cand1@example.com&gt;" in html
    assert "<td>cand2@example.com</td>" in html
    assert '<option value="selection.decision">' in html
    assert "Please apply" not in html  # bodies only on the message's own page


def test_the_list_says_where_mail_goes_when_smtp_is_configured(client, auth, app,
                                                               monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_HOST", "smtp.corp.example")
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_PASSWORD", "do-not-show-me")
    auth.login_as("admin")
    html = _text(client.get("/admin/outbox"))
    assert "smtp.corp.example:587" in html and "(STARTTLS)" in html
    assert "coachprog@localhost" in html
    assert "do-not-show-me" not in html


def test_the_list_warns_about_unusable_smtp_settings(client, auth, app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_HOST", "smtp.corp.example")
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_STARTTLS", "perhaps")
    auth.login_as("admin")
    html = _text(client.get("/admin/outbox"))
    assert "The SMTP settings cannot be used" in html
    assert "COACHPROG_SMTP_STARTTLS must be true or false" in html


def test_filters_by_kind_and_status(client, auth) -> None:
    auth.login_as("admin")
    _row(1)
    _row(2, kind="selection.decision")
    _row(3, kind="selection.decision", status="failed")
    db.session.commit()

    assert _subjects(_text(client.get("/admin/outbox?kind=selection.decision"))) == [
        "Invitation number 3", "Invitation number 2"]
    assert _subjects(_text(client.get("/admin/outbox?status=failed"))) == [
        "Invitation number 3"]
    html = _text(client.get("/admin/outbox?kind=selection.invitation&status=failed"))
    assert _subjects(html) == []
    assert "No messages match these filters" in html
    assert '<option value="failed" selected>' in html


@pytest.mark.parametrize("query", [
    "status=exploded", "kind=no.such.kind", "kind=%0d%0aBcc", "status=%27%20OR%201%3D1",
    "page=abc", "page=-3", "page=99999999999", "kind=" + "k" * 500,
])
def test_bad_filter_values_are_ignored_safely(client, auth, query) -> None:
    auth.login_as("admin")
    _row(1)
    db.session.commit()
    response = client.get(f"/admin/outbox?{query}")
    assert response.status_code == 200
    assert _subjects(_text(response)) == ["Invitation number 1"]


def test_the_list_pages_like_every_other_list(client, auth, app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_PAGE_SIZE", 2)
    auth.login_as("admin")
    for n in range(5):
        _row(n, status="failed" if n % 2 else "logged")
    db.session.commit()

    first = _text(client.get("/admin/outbox"))
    assert _subjects(first) == ["Invitation number 4", "Invitation number 3"]
    assert "1–2 of 5" in first and "Page 1 of 3" in first
    assert 'href="/admin/outbox?page=2"' in first
    last = _text(client.get("/admin/outbox?page=3"))
    assert _subjects(last) == ["Invitation number 0"]
    assert "Next →" not in last
    # Filters travel with the pages.
    failed = _text(client.get("/admin/outbox?status=failed"))
    assert "1–2 of 2" in failed and "Next →" not in failed
    beyond = _text(client.get("/admin/outbox?page=9"))
    assert _subjects(beyond) == []


def test_an_empty_outbox_says_what_will_appear(client, auth) -> None:
    auth.login_as("admin")
    html = _text(client.get("/admin/outbox"))
    assert "No e-mails yet" in html


def test_a_message_page_shows_the_whole_message(client, auth) -> None:
    auth.login_as("admin")
    message = _row(1, body="Dear Ana,\n\n<script>alert(1)</script> & see you Friday.",
                   related_type="candidate", related_id=42)
    db.session.commit()

    response = client.get(f"/admin/outbox/{message.id}")

    assert response.status_code == 200
    html = _text(response)
    assert "<h1>Invitation number 1</h1>" in html
    assert ('<pre class="outbox-body">Dear Ana,\n\n&lt;script&gt;alert(1)&lt;/script&gt; '
            "&amp; see you Friday.</pre>") in html
    assert "Candidate 1 &lt;cand1@example.com&gt;" in html
    assert "Candidate 42" in html
    assert "only written to the log" in html
    assert "Send again" not in html


def test_a_failed_message_shows_why_and_offers_to_send_again(client, auth) -> None:
    auth.login_as("admin")
    message = _row(1, status="failed", error="The SMTP server refused the recipient address")
    db.session.commit()

    html = _text(client.get(f"/admin/outbox/{message.id}"))

    assert "Why it was not delivered" in html
    assert "refused the recipient address" in html
    assert "Send again" in html
    assert f'action="/admin/outbox/{message.id}/resend"' in html


def test_a_queued_message_says_it_waits_for_the_worker(client, auth) -> None:
    auth.login_as("admin")
    message = _row(1, status="queued")
    db.session.commit()
    assert "waiting for the background worker" in _text(client.get(f"/admin/outbox/{message.id}"))


def test_a_missing_message_is_404(client, auth) -> None:
    auth.login_as("admin")
    assert client.get("/admin/outbox/424242").status_code == 404
    assert post_form(client, "/admin/outbox/424242/resend").status_code == 404


def test_sending_a_failed_message_again_queues_and_delivers_it(client, auth) -> None:
    auth.login_as("admin")
    message = _row(1, status="failed", error="Could not talk to the SMTP server")
    db.session.commit()

    response = post_form(client, f"/admin/outbox/{message.id}/resend")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/outbox/{message.id}"
    _wait_for_delivery(message.id)
    # No SMTP in the tests: the queued message was delivered to the log right after commit.
    assert _status(message.id) == "logged"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "outbox.resend_requested")) == 1
    page = _text(client.get(f"/admin/outbox/{message.id}"))
    assert "is queued again" in page


def test_a_delivered_message_is_not_sent_again(client, auth) -> None:
    auth.login_as("admin")
    message = services.send_email(kind="selection.invitation", to_email="ana@example.com",
                                  subject="Invited", body="Hello")
    db.session.commit()
    _wait_for_delivery(message.id)

    response = post_form(client, f"/admin/outbox/{message.id}/resend")

    assert response.status_code == 302
    page = _text(client.get(f"/admin/outbox/{message.id}"))
    assert "Only a message whose delivery failed can be sent again; this one is logged." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "outbox.resend_requested")) == 0


def test_sending_again_needs_the_forms_token(client, auth) -> None:
    auth.login_as("admin")
    message = _row(1, status="failed")
    db.session.commit()
    csrf_token(client, "/account")
    response = client.post(f"/admin/outbox/{message.id}/resend")
    assert response.status_code == 400
    assert _status(message.id) == "failed"


@pytest.mark.parametrize("role", ["master_coach", "lead_coach", "coach", "rater", "sponsor",
                                  "manager"])
def test_nobody_but_admins_gets_in(client, auth, role) -> None:
    auth.login_as(role)
    message = _row(1, status="failed")
    db.session.commit()
    assert client.get("/admin/outbox").status_code == 403
    assert client.get(f"/admin/outbox/{message.id}").status_code == 403
    # Not even whether a message exists.
    assert client.get("/admin/outbox/424242").status_code == 403
    assert post_form(client, f"/admin/outbox/{message.id}/resend").status_code == 403
    assert _status(message.id) == "failed"


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:
    response = client.get("/admin/outbox")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
