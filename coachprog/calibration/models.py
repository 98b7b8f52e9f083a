"""Rater calibration: exercises with gold marks, and who is calibrated for which rubric."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db

if TYPE_CHECKING:
    from coachprog.auth.models import User
    from coachprog.rubrics.models import RubricVersion


class CalibrationExercise(db.Model):  # type: ignore[name-defined]
    """A set of evidence items (assessments of kind "calibration") with gold marks agreed by
    master coaches, scored blind by the raters taking part."""

    __tablename__ = "calibration_exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    rubric_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rubric_versions.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), default="open")  # open|closed
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rubric_version: Mapped[RubricVersion] = relationship()
    # The calibration items: one assessment (kind "calibration") per evidence item. Named, not
    # imported: assessments sit above calibration (their `calibration_exercise_id` points here),
    # and the mapper resolves the name once every model is loaded.
    items: Mapped[list[Any]] = relationship(
        "Assessment",
        primaryjoin="CalibrationExercise.id == foreign(Assessment.calibration_exercise_id)",
        order_by="Assessment.id", viewonly=True,
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def participant_ids(self) -> set[int]:
        """The raters taking part (not the master coach who sets the gold marks)."""
        return {assignment.rater_id for item in self.items for assignment in item.assignments
                if assignment.role == "rater"}


class RaterCalibration(db.Model):  # type: ignore[name-defined]
    """A rater's agreement with gold in one exercise and whether it made them calibrated."""

    __tablename__ = "rater_calibrations"
    __table_args__ = (sa.UniqueConstraint("exercise_id", "rater_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("calibration_exercises.id", ondelete="CASCADE"), index=True
    )
    rater_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    rubric_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    kappa: Mapped[float | None] = mapped_column(sa.Float)
    severity: Mapped[float | None] = mapped_column(sa.Float)
    items_scored: Mapped[int] = mapped_column(sa.Integer, default=0)
    calibrated: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rater: Mapped[User] = relationship()
    exercise: Mapped[CalibrationExercise] = relationship()

    def is_current(self, at: datetime) -> bool:
        """Calibrated and not yet expired at `at` (the rule `services.is_calibrated` queries)."""
        return self.calibrated and (self.expires_at is None or self.expires_at > at)
