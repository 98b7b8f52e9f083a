"""Supervision, feedback, 1:1s and gate decisions of the practicum.

A scored session review (a closed assessment of a trainee's recorded session with a
session-review rubric) starts two deadlines; the feedback row and the 1:1 row close them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.auth.models import User
from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db


class SessionFeedback(db.Model):  # type: ignore[name-defined]
    """The supervisor's written feedback on one scored session review; the trainee reads it."""

    __tablename__ = "supervision_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="CASCADE"), unique=True)
    trainee_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class OneOnOne(db.Model):  # type: ignore[name-defined]
    """A 1:1 supervision between a trainee and their supervisor. The notes are private to the
    pair: not admins, not sponsors."""

    __tablename__ = "supervision_one_on_ones"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    supervisor_user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The scored review this 1:1 follows up, if any (closes its 7-day deadline).
    assessment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="SET NULL"), index=True)
    held_on: Mapped[date] = mapped_column(sa.Date)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supervisor: Mapped[User] = relationship()


class GateDecision(db.Model):  # type: ignore[name-defined]
    """A master coach's decision on a practicum gate; the latest one counts."""

    __tablename__ = "supervision_gate_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    gate: Mapped[str] = mapped_column(sa.String(16))  # midpoint | final
    outcome: Mapped[str] = mapped_column(sa.String(32))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # What the checklist said when decided (labels and met flags), for the record.
    checklist: Mapped[list[dict[str, object]]] = mapped_column(sa.JSON, default=list)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User | None] = relationship()
