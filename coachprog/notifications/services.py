"""E-mail notifications: queue a message with the change it tells about, deliver it after commit.

`send_email` is for other services (selection invitations, interview and simulation
scheduling, decisions). It checks no permission — the calling service has checked its own
before deciding to tell someone — and writes no audit entry: the caller audits the change,
and the outbox row is the record of the e-mail. Both the row and its delivery job join the
caller's transaction, so a rolled-back change sends nothing and the worker never looks for a
row that is not committed.

Delivery (`deliver_message`, run by the `notifications.deliver` job) is at least once: a
message already sent or logged is never sent again, but a worker that dies between the SMTP
server's "250 OK" and its commit leaves the message queued, and the retried job sends it again.

Never put coaching content (session notes, transcripts, marks) in an e-mail: it goes to the
outbox page, the log and a mail server. Say what happened and link to the page that shows it.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, NoReturn

import sqlalchemy as sa
from flask import current_app

from coachprog.authority import SystemActor, require
from coachprog.db import fetch_page, get_or_404, utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.jobs.queue import create_job
from coachprog.notifications.domain import (
    DELIVERED,
    Letter,
    OutboxStatus,
    SmtpSettings,
    build_email,
    log_text,
    message_problems,
    scrub,
)
from coachprog.notifications.models import OutboxMessage

DELIVER_JOB = "notifications.deliver"
OUTBOX_LOGGER = "coachprog.outbox"
log = logging.getLogger(OUTBOX_LOGGER)


class DeliveryFailed(Exception):  # noqa: N818 - reads as the outcome it reports
    """The message could not be delivered; it is marked failed with `reason` (no secrets)."""

    def __init__(self, message_id: int, reason: str) -> None:
        super().__init__(reason)
        self.message_id = message_id
        self.reason = reason


def send_email(*, kind: str, to_email: str, to_name: str = "", subject: str, body: str,
               related_type: str = "", related_id: int | None = None,
               secrets: Sequence[str] = ()) -> OutboxMessage:
    """Queue one e-mail in the caller's transaction; it is delivered after that commits.

    `kind` names the notification (e.g. "selection.invitation"), `related_type`/`related_id`
    the object it is about. `secrets` are one-use tokens in the body (invitation or withdrawal
    links): admins never see them on the outbox page, and they are removed from the stored
    body once the message is delivered. Raises DomainError (with field errors) for an
    unusable address, an empty or over-long subject, an empty body, or a line break in any
    header value.
    """
    problems = message_problems(kind=kind, to_email=to_email, to_name=to_name,
                                subject=subject, body=body, related_type=related_type)
    if problems:
        raise DomainError("The e-mail cannot be sent: " + " ".join(
            message for messages in problems.values() for message in messages),
            field_errors=problems)
    message = OutboxMessage(kind=kind, to_email=to_email, to_name=to_name, subject=subject,
                            body=body, status=OutboxStatus.QUEUED.value, error="",
                            related_type=related_type, related_id=related_id,
                            secrets=[secret for secret in secrets if secret])
    db.session.add(message)
    db.session.flush()
    create_job(DELIVER_JOB, payload={"message_id": message.id}, created_by_id=None)
    return message


def smtp_settings() -> SmtpSettings:
    """The delivery settings of the running app (ValueError for unusable ones)."""
    return SmtpSettings.from_config(current_app.config)


def deliver_message(message_id: int) -> OutboxMessage:
    """Send one queued (or previously failed) message over SMTP, or log it when no SMTP
    server is configured. Flushes; the job commits. Raises DeliveryFailed after marking the
    message failed and auditing it, and NotFound when the row is gone."""
    # FOR UPDATE (PostgreSQL): a second worker on the same message waits, then sees it sent.
    message = db.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFound("outbox message")
    if message.status in DELIVERED:
        return message
    letter = Letter(outbox_id=message.id, kind=message.kind, to_email=message.to_email,
                    to_name=message.to_name, subject=message.subject, body=message.body)
    try:
        settings = smtp_settings()
    except ValueError as error:
        _fail(message, f"The SMTP settings cannot be used: {error}.")
    if not settings.configured:
        _outbox_log().info("%s", log_text(letter, mail_from=settings.mail_from))
        _mark_delivered(message, OutboxStatus.LOGGED)
        return message
    try:
        _send(settings, build_email(letter, mail_from=settings.mail_from, now=utcnow()))
    except (smtplib.SMTPException, OSError, ValueError) as error:
        _fail(message, _secret_free(describe_smtp_error(error, settings), settings))
    _mark_delivered(message, OutboxStatus.SENT)
    # Who and what stay out of the log once real mail flows: the outbox row has them.
    log.info("outbox message #%s (%s) sent over SMTP", message.id, message.kind)
    return message


def _send(settings: SmtpSettings, email: EmailMessage) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            # Verifies the server's certificate and name; the password never goes out in clear.
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password)
        smtp.send_message(email)


REMOVED_SECRET = "[one-use link removed after delivery]"  # noqa: S105 - a placeholder


def _mark_delivered(message: OutboxMessage, status: OutboxStatus) -> None:
    for secret in message.secrets or ():
        message.body = message.body.replace(str(secret), REMOVED_SECRET)
    message.secrets = []
    message.status = status.value
    message.error = ""
    message.delivered_at = utcnow()
    db.session.flush()


def _fail(message: OutboxMessage, reason: str) -> NoReturn:
    message.status = OutboxStatus.FAILED.value
    message.error = reason
    audit.record("outbox.delivery_failed", actor=SystemActor("outbox"),
                 object_type="outbox_message", object_id=message.id,
                 detail={"kind": message.kind, "error": reason[:500]})
    db.session.flush()
    raise DeliveryFailed(message.id, reason)


def _secret_free(text: str, settings: SmtpSettings) -> str:
    password = settings.password
    if not password:
        return text
    # Also the encodings AUTH LOGIN and AUTH PLAIN put on the wire, should a server echo them.
    encoded = [base64.b64encode(value.encode()).decode() for value in (
        password, f"\0{settings.username}\0{password}")]
    return scrub(text, password, *encoded)


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def describe_smtp_error(error: Exception, settings: SmtpSettings) -> str:
    """What went wrong, in words an admin can act on (may still hold secrets: scrub it)."""
    server = f"{settings.host}:{settings.port}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (f"The SMTP server {server} refused the user name or password "
                f"(COACHPROG_SMTP_USERNAME/COACHPROG_SMTP_PASSWORD): "
                f"{error.smtp_code} {_reply_text(error.smtp_error)}")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refusals = "; ".join(f"{address}: {code} {_reply_text(reply)}"
                             for address, (code, reply) in error.recipients.items())
        return f"The SMTP server {server} refused the recipient address ({refusals})."
    if isinstance(error, smtplib.SMTPSenderRefused):
        return (f"The SMTP server {server} refused the sender address {error.sender} "
                f"(COACHPROG_MAIL_FROM): {error.smtp_code} {_reply_text(error.smtp_error)}")
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return (f"The SMTP server {server} does not offer what was asked: {error}. STARTTLS "
                "is on by default (COACHPROG_SMTP_STARTTLS); a user name needs AUTH.")
    if isinstance(error, smtplib.SMTPResponseException) and not isinstance(
            error, smtplib.SMTPConnectError):
        return (f"The SMTP server {server} answered {error.smtp_code} "
                f"{_reply_text(error.smtp_error)}.")
    if isinstance(error, OSError):  # SMTPException is one too: disconnects, refusals, timeouts
        return f"Could not talk to the SMTP server {server}: {error or type(error).__name__}."
    if isinstance(error, ValueError):
        return f"The message could not be written: {error}."
    return f"Sending through {server} failed: {type(error).__name__}: {error}."


def _outbox_log() -> logging.Logger:
    """The development log. Flask's `app.logger` gives the "coachprog" loggers a handler when
    logging is not configured otherwise, and INFO is let through unless a level was set."""
    current_app.logger  # noqa: B018 - creating it attaches Flask's default handler
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    return log


# --- the outbox pages ------------------------------------------------------------------------


def list_outbox(actor: Any, *, kind: str = "", status: str = "", page: int = 1,
                per_page: int = 50) -> tuple[Sequence[OutboxMessage], int]:
    """One page of messages, newest first, and how many matched."""
    require(actor, "can_view_outbox")
    query = sa.select(OutboxMessage)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if status:
        query = query.where(OutboxMessage.status == status)
    return fetch_page(query.order_by(OutboxMessage.created_at.desc(),
                                     OutboxMessage.id.desc()), page=page, per_page=per_page)


def list_outbox_kinds(actor: Any) -> list[str]:
    """The kinds of message in the outbox, for the filter."""
    require(actor, "can_view_outbox")
    return list(db.session.scalars(
        sa.select(OutboxMessage.kind).distinct().order_by(OutboxMessage.kind)))


def get_outbox_message(actor: Any, message_id: int) -> OutboxMessage:
    # Permission first: whether message N exists is itself not for everyone.
    require(actor, "can_view_outbox")
    return get_or_404(OutboxMessage, message_id, what="outbox message")


@dataclass(frozen=True)
class DeliverySummary:
    """How messages leave right now, for the outbox page (never the password)."""

    configured: bool
    server: str = ""
    mail_from: str = ""
    starttls: bool = True
    problem: str = ""


def describe_delivery(actor: Any) -> DeliverySummary:
    require(actor, "can_view_outbox")
    try:
        settings = smtp_settings()
    except ValueError as error:
        return DeliverySummary(configured=False, problem=str(error))
    return DeliverySummary(configured=settings.configured,
                           server=f"{settings.host}:{settings.port}" if settings.host else "",
                           mail_from=settings.mail_from, starttls=settings.starttls)


def resend_outbox_message(actor: Any, message_id: int) -> OutboxMessage:
    """Queue a failed message for delivery once more (after the SMTP settings or the outage
    are fixed). Messages that were sent or logged are never sent twice."""
    require(actor, "can_resend_outbox_message")
    message = get_outbox_message(actor, message_id)
    if message.status != OutboxStatus.FAILED.value:
        raise DomainError(f"Only a message whose delivery failed can be sent again; this one "
                          f"is {message.status}.")
    previous_error = message.error
    message.status = OutboxStatus.QUEUED.value
    message.error = ""
    db.session.flush()
    create_job(DELIVER_JOB, payload={"message_id": message.id},
               created_by_id=getattr(actor, "id", None))
    audit.record("outbox.resend_requested", actor=actor, object_type="outbox_message",
                 object_id=message.id,
                 detail={"kind": message.kind, "previous_error": previous_error[:500]})
    return message
