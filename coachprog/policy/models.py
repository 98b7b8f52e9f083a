"""Who acknowledged which policy versions, and who opted out of what.

Policy: an acknowledgement is kept per user and version pair (the latest pair decides whether
the gate after sign-in lets them through). An opt-out is one row per person and kind; opting
back in keeps the row with `ended_at` set, so the count of current opt-outs is the rows
without it. Both are audited by the services that write them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db
from coachprog.people.models import Person


class PolicyAcknowledgement(db.Model):  # type: ignore[name-defined]
    __tablename__ = "policy_acknowledgements"
    __table_args__ = (sa.UniqueConstraint("user_id", "use_cases_version", "data_use_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    use_cases_version: Mapped[int] = mapped_column(sa.Integer)
    data_use_version: Mapped[int] = mapped_column(sa.Integer)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OptOut(db.Model):  # type: ignore[name-defined]
    __tablename__ = "opt_outs"
    __table_args__ = (sa.UniqueConstraint("person_id", "kind"),
                      sa.Index("ix_opt_outs_kind_ended_at", "kind", "ended_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # domain.OptOutKind
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # opted back in
    # Who recorded it: the person themself, or an admin on their behalf (with the reason).
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")

    person: Mapped[Person] = relationship()

    @property
    def current(self) -> bool:
        return self.ended_at is None
