"""Every outbox test starts with no SMTP server configured, whatever the environment says:
a test must never send real mail. Tests that deliver over SMTP set the settings themselves."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_smtp_unless_asked(app, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("COACHPROG_SMTP_HOST", "COACHPROG_SMTP_PORT", "COACHPROG_SMTP_STARTTLS",
                "COACHPROG_SMTP_USERNAME", "COACHPROG_SMTP_PASSWORD", "COACHPROG_MAIL_FROM"):
        monkeypatch.setitem(app.config, key, None)
