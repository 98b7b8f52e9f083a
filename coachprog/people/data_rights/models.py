"""Erasure requests (two admins decide) and the tombstones erasures leave behind."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db
from coachprog.people.models import Person


class ErasureRequest(db.Model):  # type: ignore[name-defined]
    """One admin asks for a person's erasure with a reason; a different admin approves it,
    which carries it out. The row outlives the erasure (the person row is pseudonymised, not
    deleted), so who decided and why stays on record."""

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="RESTRICT"),
                                           index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Counts of what the erasure removed, by kind (never content).
    summary: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)

    person: Mapped[Person] = relationship()


class ErasureTombstone(db.Model):  # type: ignore[name-defined]
    """What remains of an erased employee id: a salted hash, so an HRIS import of the same id
    is refused in words instead of recreating the person."""

    __tablename__ = "erasure_tombstones"

    id: Mapped[int] = mapped_column(primary_key=True)
    salt: Mapped[str] = mapped_column(sa.String(64))  # hex
    digest: Mapped[str] = mapped_column(sa.String(64))
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
