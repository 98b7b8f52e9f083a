"""People: the organisation's employees as the HRIS knows them."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import TimestampsMixin
from coachprog.extensions import db


class Person(TimestampsMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Stored lower-cased, so uniqueness and look-ups ignore case on both databases.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    department: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    # For the quarterly bias audit's breakdowns (by location and tenure band); optional.
    location: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    hired_on: Mapped[date | None] = mapped_column(sa.Date)
    manager_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())

    manager: Mapped[Person | None] = relationship(
        remote_side=[id], back_populates="direct_reports"
    )
    direct_reports: Mapped[list[Person]] = relationship(
        back_populates="manager", order_by="Person.name"
    )

    def __repr__(self) -> str:
        return f"<Person {self.employee_id} {self.name}>"
