"""Escalation cases and their steps (`domain.py` holds the rules)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.auth.models import User
from coachprog.db import ClosureMixin, UTCDateTime, utcnow
from coachprog.extensions import db


class EscalationCase(ClosureMixin, db.Model):  # type: ignore[name-defined]
    """One safeguarding concern on its category's path. Raised from a sensitive-topic flag
    (`sensitive_flag_id`, kept as a plain number too so a purged recording leaves the case) or
    by hand. Seen only by its owner and the people and roles its path names."""

    __tablename__ = "escalation_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(32), index=True)
    source: Mapped[str] = mapped_column(sa.String(16))  # domain.CaseSource
    sensitive_flag_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sensitive_flags.id", ondelete="SET NULL"), unique=True)
    # The coach whose coaching relationship the concern arose in.
    coach_person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL"), index=True)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    raised_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    path_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(sa.String(16))

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    steps: Mapped[list[EscalationStep]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="EscalationStep.position",
        lazy="selectin")


class EscalationStep(db.Model):  # type: ignore[name-defined]
    """A duty of the case's path, copied when the case was raised, with its due time."""

    __tablename__ = "escalation_steps"
    __table_args__ = (sa.UniqueConstraint("case_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalation_cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer)
    key: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(300))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    not_needed: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                             server_default=sa.false())
    note: Mapped[str] = mapped_column(sa.Text, default="")

    case: Mapped[EscalationCase] = relationship(back_populates="steps")
