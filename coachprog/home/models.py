"""What a user has put out of sight on their home page.

Policy: an attention item is a prompt, not a task list; someone who has seen a failed job or a
warning can hide it. The key names the item *as it stands* (e.g. a count is part of it), so the
item comes back when what it says changes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db


class HomeDismissal(db.Model):  # type: ignore[name-defined]
    __tablename__ = "home_dismissals"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    key: Mapped[str] = mapped_column(sa.String(128))
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
