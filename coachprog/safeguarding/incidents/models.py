"""Privacy incidents and adverse effects (`domain.py` holds the rules)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.auth.models import User
from coachprog.db import ClosureMixin, RecordedByMixin
from coachprog.extensions import db


class Incident(RecordedByMixin, ClosureMixin, db.Model):  # type: ignore[name-defined]
    """A privacy incident or an adverse effect, with severity, follow-up and closure. Names no
    person: the description says what happened without identifying anyone beyond need."""

    __tablename__ = "safeguarding_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(24), index=True)  # domain.IncidentKind
    severity: Mapped[str] = mapped_column(sa.String(16), index=True)  # domain.Severity
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    occurred_on: Mapped[date] = mapped_column(sa.Date, index=True)
    follow_up: Mapped[str] = mapped_column(sa.Text, default="")
    follow_up_due: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)

    recorded_by: Mapped[User | None] = relationship(foreign_keys="Incident.recorded_by_id")
