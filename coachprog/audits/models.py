"""Audit samples, audits, findings and corrective actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import CreatedAtMixin, UTCDateTime, utcnow
from coachprog.extensions import db

if TYPE_CHECKING:
    from coachprog.auth.models import User
    from coachprog.people.models import Person


class AuditSample(db.Model):  # type: ignore[name-defined]
    """One quarter's drawn sample, with everything needed to recompute it. A redraw keeps the
    old row, marked superseded with the reason."""

    __tablename__ = "audit_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(8), index=True)
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    method_version: Mapped[str] = mapped_column(sa.String(32))
    percent: Mapped[float] = mapped_column(sa.Float)
    override_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # [{"coach_id": 1, "stratum": "...", "weight": 2.0}, ...]
    population: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    drawn: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    drawn_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    drawn_by: Mapped[User | None] = relationship()
    audits: Mapped[list[Audit]] = relationship(back_populates="sample",
                                               order_by="Audit.id")


class Audit(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """One sampled coach's audit: the assigned auditor, the session audited, findings and the
    human's decided outcome."""

    __tablename__ = "audits"
    __table_args__ = (sa.UniqueConstraint("sample_id", "coach_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(
        sa.ForeignKey("audit_samples.id", ondelete="CASCADE"), index=True)
    quarter: Mapped[str] = mapped_column(sa.String(8), index=True)
    coach_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    auditor_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("coaching_sessions.id", ondelete="SET NULL"))
    observed: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                           server_default=sa.false())
    scores: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    findings: Mapped[str] = mapped_column(sa.Text, default="")
    outcome: Mapped[str | None] = mapped_column(sa.String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # serious concern
    resolution_note: Mapped[str] = mapped_column(sa.String(1000), default="")

    sample: Mapped[AuditSample] = relationship(back_populates="audits")
    coach: Mapped[Person] = relationship()
    auditor: Mapped[User | None] = relationship(foreign_keys=[auditor_user_id])
    actions: Mapped[list[CorrectiveAction]] = relationship(back_populates="audit",
                                                           order_by="CorrectiveAction.id")


class CorrectiveAction(db.Model):  # type: ignore[name-defined]
    """Retraining or extra supervision after "needs development": open -> done | cancelled."""

    __tablename__ = "corrective_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    description: Mapped[str] = mapped_column(sa.String(1000), default="")
    owner_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    closing_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    audit: Mapped[Audit] = relationship(back_populates="actions")
    owner: Mapped[User | None] = relationship()
