"""The e-mail outbox: every notification the program sends, kept as a row first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    """One e-mail. Written in the same transaction as the change it tells about, delivered by a
    job after commit: over SMTP when configured, otherwise only logged (development)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64), index=True)  # e.g. selection.invitation
    to_email: Mapped[str] = mapped_column(sa.String(254))
    to_name: Mapped[str] = mapped_column(sa.String(200), default="")
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    # queued | sent (over SMTP) | logged (no SMTP configured) | failed
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    related_type: Mapped[str] = mapped_column(sa.String(64), default="")
    related_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One-use secrets in the body (an invitation or withdrawal token): never shown on the
    # outbox page, and removed from the body once the message is delivered.
    secrets: Mapped[list[Any] | None] = mapped_column(sa.JSON, default=list)

    @property
    def display_body(self) -> str:
        body = self.body
        for secret in self.secrets or ():
            body = body.replace(str(secret), "••••••")
        return body
