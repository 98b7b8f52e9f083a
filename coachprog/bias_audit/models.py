"""Review items opened by the quarterly bias audit (`domain.py` holds the rules)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.auth.models import User
from coachprog.db import ClosureMixin, UTCDateTime, utcnow
from coachprog.extensions import db


class BiasReviewItem(ClosureMixin, db.Model):  # type: ignore[name-defined]
    """A significant gap found by a quarter's audit, for an owner to look into and close.
    One per (quarter, section, transition, attribute, group): running the audit again does not
    open a second."""

    __tablename__ = "bias_review_items"
    __table_args__ = (sa.UniqueConstraint("quarter", "section", "transition", "attribute",
                                          "group_label", name="uq_bias_review_items_gap"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(8), index=True)
    section: Mapped[str] = mapped_column(sa.String(32))
    transition: Mapped[str] = mapped_column(sa.String(100))
    attribute: Mapped[str] = mapped_column(sa.String(64))
    group_label: Mapped[str] = mapped_column(sa.String(300))
    impact_ratio: Mapped[float] = mapped_column(sa.Float)
    p_value: Mapped[float] = mapped_column(sa.Float)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
