"""Coaching relationships: an appointed coach's paperwork, their engagements with coachees,
and the performance-review relationships that rule a match out."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db

if TYPE_CHECKING:
    from coachprog.auth.models import User
    from coachprog.people.models import Person

# An engagement's status.
ACTIVE = "active"
ENDED = "ended"
ENGAGEMENT_STATUSES = (ACTIVE, ENDED)

class CoachPaperwork(db.Model):  # type: ignore[name-defined]
    """The three documents an appointed coach needs before any client work, one row per coach:
    the manager time-allocation agreement, the consent template version, the role profile."""

    __tablename__ = "coach_paperwork"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="RESTRICT"), unique=True
    )
    candidate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="SET NULL")
    )
    # 1. Time-allocation agreement. Changing its terms clears both signatures.
    protected_percent: Mapped[float | None] = mapped_column(sa.Float)
    weekly_hours: Mapped[float] = mapped_column(sa.Float, default=40.0)
    non_evaluator_clause_accepted: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    manager_person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    manager_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manager_signed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    coach_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 2. The coachee confidentiality and data-use consent template the coach will use.
    consent_template_version: Mapped[str | None] = mapped_column(sa.String(64))
    # 3. Role profile.
    role_scope: Mapped[str] = mapped_column(sa.Text, default="")
    escalation_paths: Mapped[str] = mapped_column(sa.Text, default="")
    supervision_arrangement: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    coach: Mapped[Person] = relationship(foreign_keys=[coach_person_id])
    manager: Mapped[Person | None] = relationship(foreign_keys=[manager_person_id])


class Engagement(db.Model):  # type: ignore[name-defined]
    """A coaching relationship between an appointed coach and a coachee."""

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    coachee_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    start_date: Mapped[date] = mapped_column(sa.Date)
    goals: Mapped[str] = mapped_column(sa.Text, default="")
    kpi_name: Mapped[str] = mapped_column(sa.String(200), default="")  # linked leader KPI
    session_cap: Mapped[int] = mapped_column(sa.Integer)
    hours_per_week: Mapped[float] = mapped_column(sa.Float, default=1.0)
    status: Mapped[str] = mapped_column(sa.String(16), default="active", index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    coach: Mapped[Person] = relationship(foreign_keys=[coach_person_id])
    coachee: Mapped[Person] = relationship(foreign_keys=[coachee_person_id])


class EvaluationRelationship(db.Model):  # type: ignore[name-defined]
    """A performance-review relationship recorded on a person: `evaluator` reviews
    `evaluated`'s performance outside the reporting line (matrix managers, project leads)."""

    __tablename__ = "evaluation_relationships"
    # Ids never reused (docs/architecture.md).
    __table_args__ = (sa.UniqueConstraint("evaluator_person_id", "evaluated_person_id"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluator_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    evaluated_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evaluator: Mapped[Person] = relationship(foreign_keys=[evaluator_person_id])
    evaluated: Mapped[Person] = relationship(foreign_keys=[evaluated_person_id])
    recorded_by: Mapped[User | None] = relationship()


class SupervisorAssignment(db.Model):  # type: ignore[name-defined]
    """Who supervises a coach: a lead coach over an internal coach, or a master coach over a
    lead coach (the supervision structure of the audits issue builds on it). Supervisors may
    open the coach's recordings and transcripts."""

    __tablename__ = "supervisor_assignments"
    # Ids never reused (docs/architecture.md).
    __table_args__ = (sa.UniqueConstraint("coach_person_id", "supervisor_user_id"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    supervisor_user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    coach: Mapped[Person] = relationship()
    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_user_id])
