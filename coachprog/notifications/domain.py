"""E-mail notifications: what makes a message safe to send, and how it is written.

Policy:
- Every e-mail the program sends (invitation to apply, interview and simulation scheduling,
  decisions) is first an outbox row, delivered after the change it tells about commits.
- Headers are one line each. A line break (or any control character) in an address, a name
  or a subject could add headers of its own — a second recipient, a forged sender — so such
  values are refused outright, never cleaned up quietly.
- One recipient per message, a plain ASCII address with exactly one "@" (`address_problem`
  is the one rule: the people import and account forms refuse what it refuses, in its words).
- Without an SMTP server configured (development), messages are only written to the log and
  shown on the outbox page; nothing leaves the machine.
- Error texts kept on a message never carry the SMTP password.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from enum import StrEnum
from typing import Any

MAX_KIND = 64
MAX_ADDRESS = 254  # RFC 5321's practical limit, and the column's length
MAX_NAME = 200
MAX_SUBJECT = 300
MAX_RELATED_TYPE = 64
KIND_PATTERN = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")

DEFAULT_MAIL_FROM = "coachprog@localhost"
DEFAULT_SMTP_PORT = 587
SMTP_TIMEOUT_SECONDS = 30.0
REDACTED = "[redacted]"


class OutboxStatus(StrEnum):
    QUEUED = "queued"  # written, waiting for the worker
    SENT = "sent"  # handed to the SMTP server
    LOGGED = "logged"  # no SMTP configured: written to the log only
    FAILED = "failed"  # the SMTP server refused or could not be reached; see `error`


# A message in one of these states is never delivered again (a job may run twice).
DELIVERED = frozenset({OutboxStatus.SENT, OutboxStatus.LOGGED})


def _is_header_unsafe(char: str) -> bool:
    # Cc covers CR, LF, tab, NUL and the C1 controls (NEL, U+0085, among them); Zl and Zp are
    # the Unicode line and paragraph separators, which some mail software treats as newlines.
    return unicodedata.category(char) in {"Cc", "Zl", "Zp"}


def has_line_break(value: str) -> bool:
    """Whether `value` holds a line break or other control character (unsafe in a header)."""
    return any(_is_header_unsafe(char) for char in value)


def address_problem(value: str) -> str | None:
    """Why `value` cannot be a recipient address; None when it can."""
    if not value:
        return "Give the recipient's e-mail address."
    if has_line_break(value):
        return "An e-mail address cannot contain line breaks or control characters."
    if any(char.isspace() for char in value):
        return "An e-mail address cannot contain spaces."
    if len(value) > MAX_ADDRESS:
        return f"An e-mail address has at most {MAX_ADDRESS} characters."
    if value.count("@") != 1:
        return "An e-mail address has exactly one “@”, like name@example.com."
    local, domain = value.split("@")
    if not local or not domain:
        return "An e-mail address needs a name before the “@” and a domain after it."
    if not value.isascii():
        # RFC 6531 (SMTPUTF8) addresses need a mail server and a message format that the
        # mailer does not use; the people import refuses them with these same words.
        return ("Addresses with accents or other non-ASCII characters (RFC 6531) cannot be "
                "delivered by coachprog's mailer; use the person's plain ASCII address.")
    try:
        parsed = Address(addr_spec=value)
    except (ValueError, HeaderParseError):
        # Commas, angle brackets, doubled dots: anything the mail parser would not take as
        # exactly this one address.
        return "This is not a valid e-mail address."
    if parsed.addr_spec != value:
        return "This is not a valid e-mail address."
    return None


def message_problems(*, kind: str, to_email: str, to_name: str, subject: str, body: str,
                     related_type: str) -> dict[str, list[str]]:
    """Field errors of a message about to be queued; empty when it may be sent."""
    problems: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if not KIND_PATTERN.fullmatch(kind) or len(kind) > MAX_KIND:
        add("kind", f"The kind is a short code like “selection.invitation” (lower-case "
                    f"letters, digits, “.”, “_”, “-”; at most {MAX_KIND} characters).")
    if (problem := address_problem(to_email)) is not None:
        add("to_email", problem)
    if has_line_break(to_name):
        add("to_name", "The recipient's name cannot contain line breaks or control characters.")
    if len(to_name) > MAX_NAME:
        add("to_name", f"The recipient's name has at most {MAX_NAME} characters.")
    if not subject.strip():
        add("subject", "Give the e-mail a subject.")
    elif has_line_break(subject):
        add("subject", "The subject must be one line: no line breaks or control characters.")
    if len(subject) > MAX_SUBJECT:
        add("subject", f"The subject has at most {MAX_SUBJECT} characters.")
    if not body.strip():
        add("body", "The e-mail has no text.")
    if has_line_break(related_type) or len(related_type) > MAX_RELATED_TYPE:
        add("related_type", f"The related type is a short code of at most {MAX_RELATED_TYPE} "
                            "characters on one line.")
    return problems


def _as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def _as_port(value: Any) -> int:
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"COACHPROG_SMTP_PORT must be a number, not {value!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"COACHPROG_SMTP_PORT must be between 1 and 65535, not {port}")
    return port


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to deliver. `host` empty means: log only (development)."""

    host: str = ""
    port: int = DEFAULT_SMTP_PORT
    starttls: bool = True
    username: str = ""
    password: str = field(default="", repr=False)
    mail_from: str = DEFAULT_MAIL_FROM
    timeout: float = SMTP_TIMEOUT_SECONDS

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        """Read the COACHPROG_SMTP_* and COACHPROG_MAIL_FROM settings; unset ones take their
        defaults. Raises ValueError naming the setting that cannot be used."""

        def text(name: str, default: str = "") -> str:
            value = config.get(name)
            return default if value is None or value == "" else str(value).strip()

        port = config.get("COACHPROG_SMTP_PORT")
        starttls = config.get("COACHPROG_SMTP_STARTTLS")
        mail_from = text("COACHPROG_MAIL_FROM", DEFAULT_MAIL_FROM)
        if has_line_break(mail_from):
            raise ValueError("COACHPROG_MAIL_FROM cannot contain line breaks")
        return cls(
            host=text("COACHPROG_SMTP_HOST"),
            port=DEFAULT_SMTP_PORT if port is None or port == "" else _as_port(port),
            starttls=True if starttls is None or starttls == ""
            else _as_bool(starttls, "COACHPROG_SMTP_STARTTLS"),
            username=text("COACHPROG_SMTP_USERNAME"),
            # Passwords may begin or end with spaces: taken as given.
            password=str(config.get("COACHPROG_SMTP_PASSWORD") or ""),
            mail_from=mail_from,
        )


@dataclass(frozen=True)
class Letter:
    """The content of one outbox message, as the delivery needs it."""

    outbox_id: int
    kind: str
    to_email: str
    to_name: str
    subject: str
    body: str


def build_email(letter: Letter, *, mail_from: str, now: datetime) -> EmailMessage:
    """The RFC 5322 message for `letter`. The address and subject were checked when the
    message was queued; the email package refuses line breaks in headers once more."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = Address(display_name=letter.to_name, addr_spec=letter.to_email)
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(now)
    sender_domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    # An explicit domain: make_msgid would otherwise look up this machine's name.
    message["Message-ID"] = make_msgid(idstring=f"outbox{letter.outbox_id}",
                                       domain=sender_domain)
    message["X-Coachprog-Kind"] = letter.kind
    message.set_content(letter.body)
    return message


def log_text(letter: Letter, *, mail_from: str) -> str:
    """The whole message as a person reads it (headers, then the body, undecoded), for the
    development log."""
    to = f"{letter.to_name} <{letter.to_email}>" if letter.to_name else letter.to_email
    return (f"Outbox message #{letter.outbox_id} ({letter.kind}), not sent: "
            "no SMTP server is configured.\n"
            f"From: {mail_from}\nTo: {to}\nSubject: {letter.subject}\n\n{letter.body}")


def scrub(text: str, *secrets: str) -> str:
    """`text` with every secret replaced, for error messages shown on pages and kept in rows."""
    # Longest first, so a secret that contains another is replaced whole.
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
