"""Supervision events: monthly case clinics and quarterly calibration sessions."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coachprog.db import RecordedByMixin
from coachprog.extensions import db


class SupervisionEvent(RecordedByMixin, db.Model):  # type: ignore[name-defined]
    """A monthly case clinic or a quarterly cross-business calibration session, with who
    attended. No private content: a title, a date and the attendance only."""

    __tablename__ = "supervision_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))  # case_clinic | calibration_session
    title: Mapped[str] = mapped_column(sa.String(200))
    held_on: Mapped[date] = mapped_column(sa.Date)
    attendee_person_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
