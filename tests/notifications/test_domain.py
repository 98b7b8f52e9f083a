"""The outbox's pure rules: which messages may be queued, how they are written, and settings."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.notifications.domain import (
    DEFAULT_MAIL_FROM,
    DELIVERED,
    MAX_SUBJECT,
    REDACTED,
    Letter,
    OutboxStatus,
    SmtpSettings,
    address_problem,
    build_email,
    has_line_break,
    log_text,
    message_problems,
    scrub,
)

GOOD = {"kind": "selection.invitation", "to_email": "ana@example.com", "to_name": "Ana Diaz",
        "subject": "You are invited to apply", "body": "Dear Ana,\n\nApply by Friday.\n",
        "related_type": "candidate"}
LETTER = Letter(outbox_id=7, kind="selection.decision", to_email="ana@example.com",
                to_name="Zoë “Z” Müller, Jr.", subject="Your selection decision",
                body="Dear Zoë,\n\n.A line starting with a dot\nThe panel appointed you.\n")
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

BREAKS = ["\r", "\n", "\r\n", "\x00", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\t"]
local_parts = st.from_regex(r"[a-z0-9]([a-z0-9_+-]{0,20}[a-z0-9])?(\.[a-z0-9]{1,8}){0,2}",
                            fullmatch=True)
domains = st.from_regex(r"[a-z0-9]{1,20}(\.[a-z0-9]{1,10}){0,3}\.[a-z]{2,6}", fullmatch=True)
addresses = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)


def test_a_good_message_has_no_problems() -> None:
    assert message_problems(**GOOD) == {}


@pytest.mark.parametrize(("field", "value", "words"), [
    ("to_email", "", "Give the recipient"),
    ("to_email", "ana.example.com", "exactly one “@”"),
    ("to_email", "ana@@example.com", "exactly one “@”"),
    ("to_email", "ana@b@example.com", "exactly one “@”"),
    ("to_email", "@example.com", "name before the “@”"),
    ("to_email", "ana@", "domain after it"),
    ("to_email", "ana @example.com", "spaces"),
    ("to_email", "ana@example.com\r\nBcc: all@example.com", "line breaks"),
    ("to_email", "ana@example.com,bo", "not a valid"),
    ("to_email", "ana@example.com;", "not a valid"),
    ("to_email", "<ana@example.com>", "not a valid"),
    ("to_email", "ana..b@example.com", "not a valid"),
    ("to_email", "a" * 250 + "@example.com", "at most 254"),
    ("to_name", "Ana\nBcc: all@example.com", "line breaks"),
    ("to_name", "A" * 201, "at most 200"),
    ("subject", "", "Give the e-mail a subject"),
    ("subject", "   ", "Give the e-mail a subject"),
    ("subject", "Hello\r\nBcc: all@example.com", "one line"),
    ("subject", "x" * (MAX_SUBJECT + 1), "at most 300"),
    ("body", " \n ", "no text"),
    ("kind", "", "short code"),
    ("kind", "Selection Invitation", "short code"),
    ("kind", "k" * 65, "short code"),
    ("related_type", "candidate\n", "one line"),
])
def test_unusable_messages_are_refused_with_the_reason_on_the_field(field, value, words) -> None:
    problems = message_problems(**{**GOOD, field: value})
    assert list(problems) == [field]
    assert words in " ".join(problems[field])


def test_the_longest_subject_allowed_is_accepted() -> None:
    assert message_problems(**{**GOOD, "subject": "x" * MAX_SUBJECT}) == {}


@given(addresses)
def test_plain_addresses_are_accepted(address: str) -> None:
    assert address_problem(address) is None


@given(st.text(max_size=30), st.sampled_from(BREAKS), st.text(max_size=30))
def test_a_line_break_anywhere_in_a_header_value_is_refused(before, brk, after) -> None:
    """Header injection: however the break is hidden, the message is not queued."""
    value = before + brk + after
    assert has_line_break(value)
    problems = message_problems(**{**GOOD, "to_email": "ana@example.com" + value,
                                   "to_name": value, "subject": "Hi " + value})
    assert {"to_email", "to_name", "subject"} <= set(problems)


@given(st.text(max_size=80))
def test_whatever_is_accepted_as_an_address_is_one_line_and_one_address(value: str) -> None:
    if address_problem(value) is None:
        assert not has_line_break(value)
        assert value.count("@") == 1
        assert "," not in value and " " not in value


@given(st.text(max_size=300))
def test_scrub_leaves_no_trace_of_the_secret(text: str) -> None:
    secret = "hunter2-Pass"
    assert secret not in scrub(text + secret + text, secret)
    assert scrub(text, "") == text


def test_scrub_replaces_the_longest_secret_first() -> None:
    assert scrub("pw=abc abcdef", "abc", "abcdef") == f"pw={REDACTED} {REDACTED}"


def test_delivered_states_are_never_sent_again() -> None:
    assert {OutboxStatus.SENT, OutboxStatus.LOGGED} == DELIVERED
    assert OutboxStatus.FAILED not in DELIVERED and OutboxStatus.QUEUED not in DELIVERED


def test_the_email_carries_the_headers_and_the_body_intact() -> None:
    email = build_email(LETTER, mail_from="Coach Program <program@corp.example>", now=NOW)
    parsed = message_from_bytes(email.as_bytes(), policy=policy.default)
    assert parsed["From"] == "Coach Program <program@corp.example>"
    assert parsed["To"].addresses[0].addr_spec == "ana@example.com"
    assert parsed["To"].addresses[0].display_name == "Zoë “Z” Müller, Jr."
    assert parsed["Subject"] == "Your selection decision"
    assert parsed["Date"].datetime == NOW
    assert parsed["Message-ID"].endswith("@corp.example>")
    assert "outbox7" in parsed["Message-ID"]
    assert parsed["X-Coachprog-Kind"] == "selection.decision"
    assert parsed.get_content() == LETTER.body


def test_the_email_library_refuses_a_line_break_that_slipped_past() -> None:
    """Belt and braces: a row edited in the database cannot inject headers either."""
    sneaky = Letter(**{**LETTER.__dict__, "subject": "Hi\r\nBcc: all@example.com"})
    with pytest.raises(ValueError, match=r"linefeed|CR or LF"):
        build_email(sneaky, mail_from=DEFAULT_MAIL_FROM, now=NOW)


def test_the_log_shows_the_whole_message_readably() -> None:
    text = log_text(LETTER, mail_from="program@corp.example")
    assert text.startswith("Outbox message #7 (selection.decision), not sent: no SMTP server")
    assert "To: Zoë “Z” Müller, Jr. <ana@example.com>" in text
    assert "Subject: Your selection decision" in text
    assert text.endswith(LETTER.body)


def test_settings_default_to_logging_only() -> None:
    settings = SmtpSettings.from_config({})
    assert not settings.configured
    assert (settings.port, settings.starttls, settings.mail_from, settings.timeout) == (
        587, True, "coachprog@localhost", 30.0)


def test_settings_read_every_value_and_never_show_the_password() -> None:
    settings = SmtpSettings.from_config({
        "COACHPROG_SMTP_HOST": "smtp.corp.example", "COACHPROG_SMTP_PORT": "2525",
        "COACHPROG_SMTP_STARTTLS": "false", "COACHPROG_SMTP_USERNAME": "mailer",
        "COACHPROG_SMTP_PASSWORD": " p4ss ", "COACHPROG_MAIL_FROM": "Program <p@corp.example>"})
    assert settings.configured
    assert (settings.host, settings.port, settings.starttls, settings.username,
            settings.password, settings.mail_from) == (
        "smtp.corp.example", 2525, False, "mailer", " p4ss ", "Program <p@corp.example>")
    assert "p4ss" not in repr(settings)


def test_settings_take_typed_values_from_the_config_too() -> None:
    settings = SmtpSettings.from_config({"COACHPROG_SMTP_HOST": "smtp", "COACHPROG_SMTP_PORT": 25,
                                         "COACHPROG_SMTP_STARTTLS": False})
    assert (settings.port, settings.starttls) == (25, False)


@pytest.mark.parametrize(("config", "words"), [
    ({"COACHPROG_SMTP_PORT": "twenty-five"}, "COACHPROG_SMTP_PORT must be a number"),
    ({"COACHPROG_SMTP_PORT": "70000"}, "between 1 and 65535"),
    ({"COACHPROG_SMTP_STARTTLS": "maybe"}, "COACHPROG_SMTP_STARTTLS must be true or false"),
    ({"COACHPROG_MAIL_FROM": "a@b.c\r\nBcc: x@y.z"}, "COACHPROG_MAIL_FROM"),
])
def test_unusable_settings_name_the_variable(config, words) -> None:
    with pytest.raises(ValueError, match=words):
        SmtpSettings.from_config({"COACHPROG_SMTP_HOST": "smtp", **config})
