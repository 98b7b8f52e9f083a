"""Rubric versions as loaded from rubrics/*.yaml or uploaded by an admin."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db
from coachprog.rubrics.domain import Rubric
from coachprog.rubrics.schema import rubric_from_content


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
        """The domain rubric, parsed once per (version, content hash) in this process."""
        stored = _StoredContent(self.id, self.content_hash, self.content)
        if self.id is None or not self.content_hash:
            # Not recorded yet: no key that names this content alone.
            return _parse(stored)
        return _domain_rubric(stored)


@dataclass(frozen=True)
class _StoredContent:
    """A version's stored content, known to the cache by (id, content hash) only: the hash is
    the SHA-256 of the canonical content, so equal keys mean equal content. A version replaced
    before any mark used it gets a new hash, hence a new entry."""

    version_id: int
    content_hash: str
    content: dict[str, Any] = field(compare=False, hash=False)


def _parse(stored: _StoredContent) -> Rubric:
    return rubric_from_content(stored.content)


# Validating the stored content with pydantic is the costly part of reading a rubric, and one
# page can need the same version many times (a list row, a result summary, scoring). The domain
# rubric is a frozen dataclass, so one instance can be shared.
_domain_rubric = lru_cache(maxsize=256)(_parse)
