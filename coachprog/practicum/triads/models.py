"""Peer triads: three trainees of one practicum program, and the rounds they log.

A round records who played coach, client and observer, when and how long, and the
observer's short feedback (visible to the three and their supervisors)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import CreatedAtMixin, CreatedByMixin, UTCDateTime
from coachprog.extensions import db
from coachprog.practicum.ledger.domain import format_minutes

if TYPE_CHECKING:
    from coachprog.people.models import Person
    from coachprog.practicum.ledger.models import PracticumProgram


class PeerTriad(CreatedByMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "practicum_triads"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("practicum_programs.id", ondelete="RESTRICT"), index=True)

    program: Mapped[PracticumProgram] = relationship()
    members: Mapped[list[PeerTriadMember]] = relationship(
        back_populates="triad", cascade="all, delete-orphan", order_by="PeerTriadMember.position")
    rounds: Mapped[list[PeerTriadRound]] = relationship(
        back_populates="triad", cascade="all, delete-orphan", order_by="PeerTriadRound.number")

    @property
    def member_ids(self) -> tuple[int, ...]:
        return tuple(m.person_id for m in self.members)


class PeerTriadMember(db.Model):  # type: ignore[name-defined]
    __tablename__ = "practicum_triad_members"
    __table_args__ = (sa.UniqueConstraint("triad_id", "person_id"),
                      sa.UniqueConstraint("triad_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    triad_id: Mapped[int] = mapped_column(
        sa.ForeignKey("practicum_triads.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer)

    triad: Mapped[PeerTriad] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()


class PeerTriadRound(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "practicum_triad_rounds"
    __table_args__ = (sa.UniqueConstraint("triad_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    triad_id: Mapped[int] = mapped_column(
        sa.ForeignKey("practicum_triads.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(sa.Integer)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(sa.Integer)
    coach_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    client_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    observer_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    feedback: Mapped[str] = mapped_column(sa.Text)
    # The pending ledger entries this round created (peer triad, with each member's role).
    ledger_entry_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    logged_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    triad: Mapped[PeerTriad] = relationship(back_populates="rounds")
    coach: Mapped[Person] = relationship(foreign_keys=[coach_person_id])
    client: Mapped[Person] = relationship(foreign_keys=[client_person_id])
    observer: Mapped[Person] = relationship(foreign_keys=[observer_person_id])

    @property
    def roles(self) -> dict[str, int]:
        return {"coach": self.coach_person_id, "client": self.client_person_id,
                "observer": self.observer_person_id}

    @property
    def ends_at(self) -> datetime:
        return self.held_at + timedelta(minutes=self.minutes)

    @property
    def duration(self) -> str:
        return format_minutes(self.minutes)
