"""Practicum and hours-ledger models: programs (targets), enrolments and ledger entries.

An entry holds no session content: only its kind, when, how long, the coachee's pseudonym and
the flags the ICF coaching log needs (coaching is not surveillance)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import CreatedAtMixin, CreatedByMixin, TimestampsMixin, UTCDateTime
from coachprog.extensions import db
from coachprog.practicum.ledger import domain

if TYPE_CHECKING:
    from coachprog.auth.models import User
    from coachprog.people.models import Person


class PracticumProgram(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A practicum program and its targets (defaults: 20–30 coached h, 10–15 lab h, 8–12 weeks)."""

    __tablename__ = "practicum_programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    coached_min: Mapped[float] = mapped_column(sa.Float, default=20.0)
    coached_max: Mapped[float] = mapped_column(sa.Float, default=30.0)
    lab_min: Mapped[float] = mapped_column(sa.Float, default=10.0)
    lab_max: Mapped[float] = mapped_column(sa.Float, default=15.0)
    weeks_min: Mapped[int] = mapped_column(sa.Integer, default=8)
    weeks_max: Mapped[int] = mapped_column(sa.Integer, default=12)

    @property
    def targets(self) -> domain.Targets:
        return domain.Targets(self.coached_min, self.coached_max, self.lab_min, self.lab_max,
                              self.weeks_min, self.weeks_max)


class PracticumEnrolment(CreatedByMixin, db.Model):  # type: ignore[name-defined]
    """One appointed coach's practicum: the program and the start of the 8–12 week window."""

    __tablename__ = "practicum_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("practicum_programs.id", ondelete="RESTRICT"), index=True)
    start_date: Mapped[date] = mapped_column(sa.Date)

    person: Mapped[Person] = relationship()
    program: Mapped[PracticumProgram] = relationship(lazy="joined")


class LedgerEntry(TimestampsMixin, db.Model):  # type: ignore[name-defined]
    """One logged activity of a trainee. Attributes other domains may read:
    `id`, `person_id`/`person` (the trainee), `kind` (see `domain.KINDS`), `kind_label`,
    `starts_at` (UTC), `day` (UTC date), `minutes`, `duration` (text), `status`
    (pending | verified | queried), `coachee_pseudonym`."""

    __tablename__ = "practicum_entries"
    # Per-trainee sums filter on both (migration 0012).
    __table_args__ = (sa.Index("ix_practicum_entries_person_status", "person_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    minutes: Mapped[int] = mapped_column(sa.Integer)
    coachee_pseudonym: Mapped[str | None] = mapped_column(sa.String(64))
    pro_bono: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    is_group: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    group_size: Mapped[int | None] = mapped_column(sa.Integer)
    triad_role: Mapped[str | None] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default=domain.PENDING, index=True)
    review_comment: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trainee_reply: Mapped[str] = mapped_column(sa.Text, default="")

    person: Mapped[Person] = relationship()
    reviewed_by: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return domain.KIND_LABELS.get(self.kind, self.kind)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def day(self) -> date:
        return self.starts_at.date()

    @property
    def duration(self) -> str:
        return domain.format_minutes(self.minutes)

    def facts(self) -> domain.EntryFacts:
        return domain.EntryFacts(
            kind=self.kind, starts_at=self.starts_at, minutes=self.minutes, status=self.status,
            entry_id=self.id, coachee=self.coachee_pseudonym, is_group=self.is_group,
            group_size=self.group_size, triad_role=self.triad_role, pro_bono=self.pro_bono)
