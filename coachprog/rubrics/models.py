"""Rubric versions as loaded from rubrics/*.yaml or uploaded by an admin."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db
from coachprog.rubrics.domain import Rubric


class RubricVersion(db.Model):  # type: ignore[name-defined]
    __tablename__ = "rubric_versions"
    __table_args__ = (sa.UniqueConstraint("rubric_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.String(32), index=True)
    # Canonical content (comments and formatting dropped) and its SHA-256: once any mark uses
    # this version, the hash may never change.
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.String(300))  # "rubrics/x.yaml" or "upload:name"
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    @property
    def label(self) -> str:
        return f"{self.title} (v{self.version})"

    def to_domain(self) -> Rubric:
        from coachprog.rubrics.schema import rubric_from_content

        return rubric_from_content(self.content)
