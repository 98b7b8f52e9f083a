"""Pseudonymised leaders and their dated tier 2–3 observations.

`ProgramLeader` holds no name and no employee id: only the keyed pseudonym
(`metrics.domain.pseudonym`) and the grouping attributes the aggregates use."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import CreatedAtMixin, UTCDateTime, utcnow
from coachprog.extensions import db


class ProgramLeader(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "program_leaders"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(sa.String(32), unique=True)
    group: Mapped[str] = mapped_column(sa.String(16), index=True)  # coached | comparison
    department: Mapped[str] = mapped_column(sa.String(200), default="")
    level: Mapped[str] = mapped_column(sa.String(64), default="")
    cohort: Mapped[str] = mapped_column(sa.String(64), default="")

    observations: Mapped[list[ProgramObservation]] = relationship(back_populates="leader")


class ProgramObservation(db.Model):  # type: ignore[name-defined]
    __tablename__ = "program_observations"
    __table_args__ = (sa.UniqueConstraint("leader_id", "metric", "observed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("program_leaders.id", ondelete="CASCADE"), index=True)
    tier: Mapped[int] = mapped_column(sa.Integer)
    metric: Mapped[str] = mapped_column(sa.String(64), index=True)
    observed_on: Mapped[date] = mapped_column(sa.Date)
    value: Mapped[float] = mapped_column(sa.Float)
    source: Mapped[str] = mapped_column(sa.String(200), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    leader: Mapped[ProgramLeader] = relationship(back_populates="observations")
