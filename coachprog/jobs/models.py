"""Background job rows: the source of truth for work the queue carries out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db

FINISHED = frozenset({"succeeded", "failed", "cancelled"})


class Job(db.Model):  # type: ignore[name-defined]
    """`status`: queued, running, succeeded, failed, cancelled (the work it was for was
    withdrawn or purged: nothing it did is kept)."""

    __tablename__ = "jobs"
    # Ids are never reused (SQLite would hand a deleted highest id out again): recordings
    # and audit entries point at jobs by id.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    progress_note: Mapped[str] = mapped_column(sa.String(200), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "host:pid:token" of the worker process that claimed the job; see queue.worker_id().
    worker_id: Mapped[str | None] = mapped_column(sa.String(128))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


class BatchRun(db.Model):  # type: ignore[name-defined]
    """One run of a scheduled batch (the retention purge, the certification tick): when it ran,
    how, and what it did in counts (`counts`, e.g. {"audio_deleted": 3}). Written in the run's
    own transaction, including runs that changed nothing, so the retention register can say
    when each enforcing job last ran."""

    __tablename__ = "batch_runs"
    __table_args__ = (sa.Index("ix_batch_runs_batch_finished_at", "batch", "finished_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch: Mapped[str] = mapped_column(sa.String(64))  # "retention-purge", "certification-tick"
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    via: Mapped[str] = mapped_column(sa.String(32), default="")  # scheduler, cli, job:N
    counts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)
