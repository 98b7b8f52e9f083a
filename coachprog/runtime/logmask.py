"""One-use links never reach a log: invitation, consent-withdrawal and password-reset tokens
are masked in every log record (the outbox's development log, access logs, warnings).

The token is the whole proof of who may act, so anyone who can read a log could otherwise
accept a nomination, withdraw a coachee's consent or take over an account. The mask keeps
the first four characters, enough to tell two links apart when reading a log.

Masking is done in the log record itself (`MaskedLogRecord.getMessage`), installed as the
record factory, so every handler — Flask's, waitress's, pytest's, an operator's own — sees
the masked text, whichever logger wrote it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# The path prefixes of every one-use link; the token is the next path segment.
ONE_USE_PREFIXES = (
    "/sprints/invitations/",
    "/consent/withdraw/",
    "/password/reset/",
)
SHOWN = 4
_LINK = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in ONE_USE_PREFIXES) + r")([A-Za-z0-9_\-]+)"
)


def mask_one_use_links(text: str) -> str:
    """`text` with the token of every one-use link replaced by its first characters and …"""
    return _LINK.sub(lambda m: f"{m.group(1)}{m.group(2)[:SHOWN]}…[masked]", text)


class MaskOneUseLinks(logging.Filter):
    """Mask the record's message; a record that carried a token keeps no raw arguments
    either (a handler reading `record.args` must not find the token there)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = logging.LogRecord.getMessage(record)
        except (TypeError, ValueError):
            return True  # a malformed record: logging reports it when it is emitted
        masked = mask_one_use_links(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class MaskedLogRecord(logging.LogRecord):
    """A log record whose message never carries a one-use token (masked when it is made:
    records are only made for messages that pass the logger's level)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        MaskOneUseLinks().filter(self)


def install() -> None:
    """Make every new log record a masked one (idempotent; keeps a custom factory working)."""
    previous = logging.getLogRecordFactory()
    if previous is MaskedLogRecord or getattr(previous, "masks_one_use_links", False):
        return
    if previous is logging.LogRecord:
        logging.setLogRecordFactory(MaskedLogRecord)
        return

    def masked(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        MaskOneUseLinks().filter(record)
        return record

    masked.masks_one_use_links = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked)
