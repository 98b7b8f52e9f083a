"""Stored fidelity signals per session and drift flags.

`FidelitySignal` is a cache: one row per transcript, recomputed whenever the transcript's
fingerprint (its segments' speakers, text and times, plus the term-list version) changes, so a
correction of a segment is reflected the next time anyone looks. `FidelityDriftFlag` is a
record: once opened it stays until a supervisor resolves it with a note, even if the values
behind it change later (the flag keeps the values it was opened on).

`source_marker` (migration 0016) lets a refresh skip unchanged transcripts without reading
their segments: a second `fidelity refresh` recomputes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db

if TYPE_CHECKING:
    from coachprog.auth.models import User


class FidelitySignal(db.Model):  # type: ignore[name-defined]
    __tablename__ = "fidelity_signals"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids never reused (architecture.md)

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transcripts.id", ondelete="CASCADE"), unique=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coaching_sessions.id", ondelete="CASCADE"), index=True)
    coach_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    session_date: Mapped[date] = mapped_column(sa.Date)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    # A cheap marker of what the signals were computed from (segment and edit aggregates,
    # terms version): `fidelity refresh` reads only transcripts whose marker changed.
    source_marker: Mapped[str | None] = mapped_column(sa.String(64))
    coach_turns: Mapped[int] = mapped_column(sa.Integer)
    questions: Mapped[int] = mapped_column(sa.Integer)
    advice: Mapped[int] = mapped_column(sa.Integer)
    reflections: Mapped[int] = mapped_column(sa.Integer)
    other: Mapped[int] = mapped_column(sa.Integer)
    question_share: Mapped[float | None] = mapped_column(sa.Float)
    question_ratio: Mapped[float | None] = mapped_column(sa.Float)
    reflection_share: Mapped[float | None] = mapped_column(sa.Float)
    listening_ratio: Mapped[float | None] = mapped_column(sa.Float)
    talk_share: Mapped[float | None] = mapped_column(sa.Float)
    talk_basis: Mapped[str] = mapped_column(sa.String(16))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FidelityDriftFlag(db.Model):  # type: ignore[name-defined]
    __tablename__ = "fidelity_drift_flags"
    __table_args__ = (sa.UniqueConstraint("coach_person_id", "signal", "trigger_session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    signal: Mapped[str] = mapped_column(sa.String(32))
    line: Mapped[float] = mapped_column(sa.Float)
    trigger_session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coaching_sessions.id", ondelete="CASCADE"))
    session_ids: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    run_values: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)  # open|resolved
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    resolution_note: Mapped[str] = mapped_column(sa.Text, default="")

    resolved_by: Mapped[User | None] = relationship()
