"""The charter (one row: the program's), its decision gates and each gate's history.

A gate's history (`ProgramGateChange`) is a record: created, every change of its criteria
(with the reason once the pilot has started) and every decision, never edited."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import CreatedAtMixin, UTCDateTime, utcnow
from coachprog.extensions import db

if TYPE_CHECKING:
    from coachprog.auth.models import User


class ProgramCharter(db.Model):  # type: ignore[name-defined]
    __tablename__ = "program_charters"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kpi_name: Mapped[str] = mapped_column(sa.String(200))
    kpi_unit: Mapped[str] = mapped_column(sa.String(64), default="")
    behaviour: Mapped[str] = mapped_column(sa.Text, default="")  # the leader behaviour it tracks
    higher_is_better: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                                   server_default=sa.false())
    baseline: Mapped[float] = mapped_column(sa.Float)
    baseline_source: Mapped[str] = mapped_column(sa.String(300), default="")
    data_owner: Mapped[str] = mapped_column(sa.String(200), default="")
    target_6m: Mapped[float] = mapped_column(sa.Float)
    target_12m: Mapped[float] = mapped_column(sa.Float)
    sponsor: Mapped[str] = mapped_column(sa.String(200), default="")
    resource_model: Mapped[str] = mapped_column(sa.String(32), default="internal")
    phase: Mapped[str] = mapped_column(sa.String(32), default="pilot")
    pilot_start: Mapped[date | None] = mapped_column(sa.Date)
    cohort_size: Mapped[int] = mapped_column(sa.Integer, default=30)
    session_cap: Mapped[int] = mapped_column(sa.Integer, default=8)
    protected_hours_per_week: Mapped[float] = mapped_column(sa.Float, default=4.0)
    comparison_group: Mapped[str] = mapped_column(sa.Text, default="")
    isolation_method: Mapped[str] = mapped_column(sa.String(32), default="comparison_group")
    # The cost model (currency below), fully loaded over `cost_months`.
    currency: Mapped[str] = mapped_column(sa.String(8), default="EUR")
    training_cost: Mapped[float] = mapped_column(sa.Float, default=0.0)
    supervision_hours: Mapped[float] = mapped_column(sa.Float, default=0.0)
    supervision_rate: Mapped[float] = mapped_column(sa.Float, default=0.0)
    platform_fees: Mapped[float] = mapped_column(sa.Float, default=0.0)
    coaches: Mapped[int] = mapped_column(sa.Integer, default=0)
    coach_time_share: Mapped[float] = mapped_column(sa.Float, default=0.15)
    coach_loaded_cost: Mapped[float] = mapped_column(sa.Float, default=0.0)
    admin_hours: Mapped[float] = mapped_column(sa.Float, default=0.0)
    admin_rate: Mapped[float] = mapped_column(sa.Float, default=0.0)
    cost_months: Mapped[int] = mapped_column(sa.Integer, default=12)
    # Monetisation: one KPI unit of improvement for one leader, per year, with its bounds.
    value_per_unit: Mapped[float] = mapped_column(sa.Float, default=0.0)
    value_low: Mapped[float] = mapped_column(sa.Float, default=0.0)
    value_high: Mapped[float] = mapped_column(sa.Float, default=0.0)
    benefit_months: Mapped[int] = mapped_column(sa.Integer, default=12)
    monetisation_rule: Mapped[str] = mapped_column(sa.Text, default="")
    intangibles: Mapped[str] = mapped_column(sa.Text, default="")
    checklist: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    gates: Mapped[list[ProgramGate]] = relationship(
        back_populates="charter", order_by="ProgramGate.due_on, ProgramGate.id")


class ProgramGate(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "program_gates"

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("program_charters.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    due_on: Mapped[date] = mapped_column(sa.Date)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    decision: Mapped[str | None] = mapped_column(sa.String(16))  # go | iterate | stop
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    charter: Mapped[ProgramCharter] = relationship(back_populates="gates")
    decided_by: Mapped[User | None] = relationship()
    history: Mapped[list[ProgramGateChange]] = relationship(
        order_by="ProgramGateChange.id", cascade="all, delete-orphan")


class ProgramGateChange(db.Model):  # type: ignore[name-defined]
    __tablename__ = "program_gate_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    gate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("program_gates.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # created | changed | decided
    locked: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    before: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by: Mapped[User | None] = relationship()
