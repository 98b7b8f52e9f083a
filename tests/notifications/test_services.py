"""Queueing and delivering e-mails: one transaction with the caller, logged without SMTP, sent
over a real (local) SMTP conversation with it, failures recorded, never delivered twice."""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Iterator
from typing import Any, ClassVar, cast

import pytest
import sqlalchemy as sa

from coachprog.auth.models import User
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.jobs import queue
from coachprog.jobs.models import Job
from coachprog.notifications import services
from coachprog.notifications.models import OutboxMessage
from coachprog.roles import Role
from tests.conftest import wait_for_job
from tests.factories import UserFactory
from tests.notifications.smtp_server import FakeSmtpServer

INVITATION: dict[str, Any] = {"kind": "selection.invitation", "to_email": "ana@example.com",
              "to_name": "Ana Diaz", "subject": "You are invited to apply",
              "body": "Dear Ana,\n\nYou are invited to apply to the coach program.\n"
                      ".This line starts with a dot.\n",
              "related_type": "candidate", "related_id": 42}


def _jobs() -> list[Job]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(Job).where(Job.kind == services.DELIVER_JOB).order_by(Job.id)))


def _messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _send_and_commit(**changes: Any) -> tuple[OutboxMessage, Job]:
    message = services.send_email(**{**INVITATION, **changes})
    message_id = message.id
    db.session.commit()
    (job,) = [j for j in _jobs() if j.payload == {"message_id": message_id}]
    finished = wait_for_job(job.id)
    stored = db.session.get(OutboxMessage, message_id)
    assert stored is not None
    return stored, finished


def _user(role: Role) -> User:
    return cast(User, UserFactory(roles=[role]))


def _outbox_records(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == services.OUTBOX_LOGGER]


@pytest.fixture
def outbox_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=services.OUTBOX_LOGGER)
    return caplog


@pytest.fixture
def smtp(app, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer() as server:
        for key, value in {"COACHPROG_SMTP_HOST": "127.0.0.1",
                           "COACHPROG_SMTP_PORT": server.port,
                           "COACHPROG_SMTP_STARTTLS": False,
                           "COACHPROG_SMTP_USERNAME": server.state.username,
                           "COACHPROG_SMTP_PASSWORD": server.state.password,
                           "COACHPROG_MAIL_FROM": "Coach Program <program@corp.example>"}.items():
            monkeypatch.setitem(app.config, key, value)
        yield server


class RecordingSMTP:
    """Stands in for smtplib.SMTP where a real server cannot: STARTTLS needs a certificate."""

    calls: ClassVar[list[tuple[Any, ...]]] = []
    fail_login_with: ClassVar[Exception | None] = None

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.calls.append(("connect", host, port, timeout))

    def __enter__(self) -> RecordingSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append(("quit",))

    def starttls(self, *, context: ssl.SSLContext) -> None:
        self.calls.append(("starttls", context.verify_mode, context.check_hostname))

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", user, password))
        if self.fail_login_with is not None:
            raise self.fail_login_with

    def send_message(self, message: Any) -> dict[str, Any]:
        self.calls.append(("send_message", message["To"], message["Subject"]))
        return {}


@pytest.fixture
def recording_smtp(app, monkeypatch: pytest.MonkeyPatch) -> type[RecordingSMTP]:
    monkeypatch.setattr(smtplib, "SMTP", RecordingSMTP)
    monkeypatch.setattr(RecordingSMTP, "calls", [])
    monkeypatch.setattr(RecordingSMTP, "fail_login_with", None)
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_HOST", "smtp.corp.example")
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_USERNAME", "mailer")
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_PASSWORD", "Tr0ub4dor&3")
    return RecordingSMTP


# --- queueing ----------------------------------------------------------------------------------


def test_the_message_and_its_job_join_the_callers_transaction(outbox_log) -> None:
    message = services.send_email(**INVITATION)

    # In the session, not yet committed: queued, with its job, and invisible to any worker.
    assert message.status == "queued"
    (job,) = _jobs()
    assert job.payload == {"message_id": message.id}
    assert job.created_by_id is None
    with db.engine.connect() as other:
        assert other.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
        assert other.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    assert _outbox_records(outbox_log) == []

    db.session.commit()

    assert wait_for_job(job.id).status == "succeeded"
    (stored,) = _messages()
    assert (stored.kind, stored.to_email, stored.to_name, stored.related_type,
            stored.related_id) == ("selection.invitation", "ana@example.com", "Ana Diaz",
                                   "candidate", 42)
    assert stored.status == "logged"


def test_a_rolled_back_change_sends_nothing(outbox_log, smtp) -> None:
    services.send_email(**INVITATION)
    db.session.rollback()
    db.session.commit()

    assert _messages() == []
    assert _jobs() == []
    assert smtp.state.received == []
    assert _outbox_records(outbox_log) == []


@pytest.mark.parametrize(("change", "field"), [
    ({"to_email": "ana@example.com\r\nBcc: everyone@example.com"}, "to_email"),
    ({"to_email": "ana@example.com\nBcc: everyone@example.com"}, "to_email"),
    ({"subject": "Invited\r\nBcc: everyone@example.com"}, "subject"),
    ({"subject": "Invited\nX-Priority: 1"}, "subject"),
    ({"to_name": "Ana\r\nBcc: everyone@example.com"}, "to_name"),
    ({"to_email": "ana@@example.com"}, "to_email"),
    ({"to_email": ""}, "to_email"),
    ({"subject": "s" * 301}, "subject"),
])
def test_unsafe_or_unusable_messages_are_refused_and_nothing_is_queued(change, field) -> None:
    with pytest.raises(DomainError) as refused:
        services.send_email(**{**INVITATION, **change})
    assert list(refused.value.field_errors) == [field]
    assert refused.value.message.startswith("The e-mail cannot be sent:")
    db.session.commit()
    assert _messages() == []
    assert _jobs() == []


# --- delivery without SMTP (development) -------------------------------------------------------


def test_without_smtp_the_whole_message_is_logged_and_marked_logged(outbox_log) -> None:
    message, job = _send_and_commit()

    assert message.status == "logged"
    assert message.delivered_at is not None
    assert message.error == ""
    assert job.status == "succeeded"
    assert job.result == {"message_id": message.id, "status": "logged"}
    (record,) = _outbox_records(outbox_log)
    assert f"Outbox message #{message.id} (selection.invitation), not sent" in record
    assert "From: coachprog@localhost" in record
    assert "To: Ana Diaz <ana@example.com>" in record
    assert "Subject: You are invited to apply" in record
    assert record.endswith(str(INVITATION["body"]))


def test_one_use_links_are_hidden_from_admins_and_removed_once_delivered(outbox_log) -> None:
    token = "s3cr3t-token-value"
    message = services.send_email(kind="selection.invitation", to_email="ana@example.com",
                                  subject="Invitation", secrets=(token,),
                                  body=f"Answer here: https://x.example/i/{token}\nThanks")
    assert token in message.body  # needed to send it
    assert token not in message.display_body and "••••••" in message.display_body
    db.session.commit()
    delivered = wait_for_job(db.session.scalar(
        sa.select(Job.id).where(Job.kind == "notifications.deliver")))
    assert delivered.status == "succeeded"
    db.session.expire_all()
    stored = db.session.get(OutboxMessage, message.id)
    assert token not in stored.body and services.REMOVED_SECRET in stored.body
    assert stored.secrets == []
    (record,) = _outbox_records(outbox_log)
    assert token in record  # the development log is how the recipient's copy is read


# --- delivery over SMTP ------------------------------------------------------------------------


def test_with_smtp_the_message_is_sent_and_marked_sent(outbox_log, smtp) -> None:
    message, job = _send_and_commit()

    assert (message.status, message.error, job.status) == ("sent", "", "succeeded")
    assert message.delivered_at is not None
    (received,) = smtp.state.received
    assert received.mail_from == "program@corp.example"
    assert received.rcpt_to == ["ana@example.com"]
    email = received.message
    assert email["From"] == "Coach Program <program@corp.example>"
    assert email["To"] == "Ana Diaz <ana@example.com>"
    assert email["Subject"] == "You are invited to apply"
    # Dot-stuffing undone, nothing lost (the wire has CRLF line ends).
    assert email.get_content().replace("\r\n", "\n") == INVITATION["body"]
    assert smtp.state.logins == [("mailer", "s3cret-pass")]
    # Once real mail flows, the log says that a message went, never to whom or what.
    records = _outbox_records(outbox_log)
    assert records == [f"outbox message #{message.id} (selection.invitation) sent over SMTP"]


def test_without_a_user_name_there_is_no_login(smtp, monkeypatch, app) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_USERNAME", "")
    message, _ = _send_and_commit()
    assert message.status == "sent"
    assert smtp.state.logins == []
    assert "AUTH" not in smtp.state.commands


def test_starttls_comes_before_the_login_and_verifies_the_server(recording_smtp) -> None:
    message, _ = _send_and_commit()

    assert message.status == "sent"
    assert recording_smtp.calls == [
        ("connect", "smtp.corp.example", 587, 30.0),
        ("starttls", ssl.CERT_REQUIRED, True),
        ("login", "mailer", "Tr0ub4dor&3"),
        ("send_message", "Ana Diaz <ana@example.com>", "You are invited to apply"),
        ("quit",),
    ]


def test_a_second_run_of_the_job_delivers_nothing_again(smtp) -> None:
    message, job = _send_and_commit()
    assert len(smtp.state.received) == 1

    # The sweeper puts a job back when its worker seemed to die; the message went already.
    job.status = "queued"
    db.session.commit()
    queue.run_job(job.id)

    assert wait_for_job(job.id).status == "succeeded"
    assert services.deliver_message(message.id).status == "sent"
    assert len(smtp.state.received) == 1


# --- failures ----------------------------------------------------------------------------------


def _failure(message: OutboxMessage, job: Job) -> AuditEntry:
    assert message.status == "failed"
    assert message.delivered_at is None
    assert job.status == "failed"
    assert job.error is not None
    assert job.error.startswith(f"E-mail #{message.id} was not delivered: ")
    assert message.error in job.error
    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "outbox.delivery_failed"))
    assert (entry.actor_label, entry.object_type, entry.object_id) == (
        "system:outbox", "outbox_message", str(message.id))
    assert entry.detail == {"via": f"job:{job.id}", "kind": "selection.invitation",
                            "error": message.error}
    return entry


def test_refused_credentials_fail_the_message_without_showing_the_password(smtp, app,
                                                                            monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_PASSWORD", "wrong-password")
    message, job = _send_and_commit()

    _failure(message, job)
    assert "refused the user name or password" in message.error
    assert "535" in message.error
    assert "wrong-password" not in message.error + (job.error or "")
    assert smtp.state.received == []


def test_a_server_that_echoes_the_password_has_it_scrubbed(recording_smtp) -> None:
    recording_smtp.fail_login_with = smtplib.SMTPAuthenticationError(
        535, b"5.7.8 rejected mailer/Tr0ub4dor&3")
    message, job = _send_and_commit()

    entry = _failure(message, job)
    assert "Tr0ub4dor&3" not in message.error + (job.error or "") + str(entry.detail)
    assert "[redacted]" in message.error


def test_a_refused_recipient_fails_the_message(smtp) -> None:
    smtp.state.refuse_recipients = True
    message, job = _send_and_commit()

    _failure(message, job)
    assert "refused the recipient address" in message.error
    assert "ana@example.com: 550" in message.error


def test_an_unreachable_server_fails_the_message(app, monkeypatch) -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_PORT", port)
    message, job = _send_and_commit()

    _failure(message, job)
    assert f"Could not talk to the SMTP server 127.0.0.1:{port}" in message.error


def test_starttls_against_a_server_without_it_fails_rather_than_sending_in_clear(smtp, app,
                                                                               monkeypatch):
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_STARTTLS", True)
    message, job = _send_and_commit()

    _failure(message, job)
    assert "does not offer" in message.error and "STARTTLS" in message.error
    assert smtp.state.logins == [] and smtp.state.received == []


def test_unusable_settings_fail_the_message_and_name_the_setting(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_HOST", "smtp.corp.example")
    monkeypatch.setitem(app.config, "COACHPROG_SMTP_PORT", "submission")
    message, job = _send_and_commit()

    _failure(message, job)
    assert "The SMTP settings cannot be used: COACHPROG_SMTP_PORT must be a number" in (
        message.error)


def test_a_job_for_a_message_that_is_gone_fails_clearly() -> None:
    job = queue.create_job(services.DELIVER_JOB, payload={"message_id": 999_999},
                           created_by_id=None)
    db.session.commit()
    finished = wait_for_job(job.id)
    assert (finished.status, finished.error) == (
        "failed", "E-mail #999999 is no longer in the outbox.")
    with pytest.raises(NotFound):
        services.deliver_message(999_999)


# --- sending a failed message again ------------------------------------------------------------


def test_a_failed_message_is_sent_once_the_cause_is_fixed(smtp) -> None:
    admin = _user(Role.ADMIN)
    smtp.state.refuse_recipients = True
    message, _ = _send_and_commit()
    assert message.status == "failed"
    previous_error = message.error

    smtp.state.refuse_recipients = False
    services.resend_outbox_message(admin, message.id)
    db.session.commit()

    jobs = _jobs()
    assert len(jobs) == 2 and jobs[1].created_by_id == admin.id
    assert wait_for_job(jobs[1].id).status == "succeeded"
    db.session.expire_all()
    resent = db.session.get(OutboxMessage, message.id)
    assert resent is not None
    assert (resent.status, resent.error) == ("sent", "")
    assert len(smtp.state.received) == 1
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "outbox.resend_requested")).one()
    assert (entry.actor_id, entry.object_id) == (admin.id, str(message.id))
    assert entry.detail["previous_error"] == previous_error


def test_only_failed_messages_can_be_sent_again(outbox_log) -> None:
    admin = _user(Role.ADMIN)
    message, _ = _send_and_commit()
    with pytest.raises(DomainError, match="this one is logged"):
        services.resend_outbox_message(admin, message.id)
    db.session.rollback()
    assert len(_jobs()) == 1


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_admins_send_again(role) -> None:
    message = OutboxMessage(kind="selection.decision", to_email="a@example.com",
                            subject="Decision", body="b", status="failed")
    db.session.add(message)
    db.session.flush()
    with pytest.raises(NotPermitted):
        services.resend_outbox_message(_user(role), message.id)


# --- reading the outbox ------------------------------------------------------------------------


def _row(n: int, **fields: Any) -> OutboxMessage:
    values = {"kind": "selection.invitation", "to_email": f"c{n}@example.com",
              "subject": f"Message {n}", "body": "text", "status": "logged", **fields}
    message = OutboxMessage(**values)
    db.session.add(message)
    db.session.flush()
    return message


def test_the_outbox_lists_newest_first_with_filters_and_pages() -> None:
    admin = _user(Role.ADMIN)
    rows = [_row(n) for n in range(5)]
    rows.append(_row(5, kind="selection.decision", status="failed"))
    db.session.commit()

    listed, total = services.list_outbox(admin, page=1, per_page=4)
    assert total == 6
    assert [m.id for m in listed] == [m.id for m in reversed(rows)][:4]
    second, _ = services.list_outbox(admin, page=2, per_page=4)
    assert [m.id for m in second] == [rows[1].id, rows[0].id]
    assert services.list_outbox(admin, kind="selection.decision")[1] == 1
    assert services.list_outbox(admin, status="failed")[0] == [rows[5]]
    assert services.list_outbox(admin, kind="selection.decision", status="logged")[1] == 0
    assert services.list_outbox_kinds(admin) == ["selection.decision", "selection.invitation"]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_admins_read_the_outbox(role) -> None:
    user = _user(role)
    message = _row(1)
    for call in (lambda: services.list_outbox(user), lambda: services.list_outbox_kinds(user),
                 lambda: services.get_outbox_message(user, message.id),
                 lambda: services.describe_delivery(user)):
        with pytest.raises(NotPermitted):
            call()


def test_a_missing_message_is_not_found() -> None:
    with pytest.raises(NotFound):
        services.get_outbox_message(_user(Role.ADMIN), 12345)
