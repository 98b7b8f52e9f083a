"""Rater calibration use cases. Only calibrated raters may score live assessments of a rubric:
calibration means agreement with gold marks at or above the configured kappa (default 0.6),
and it lapses after the configured number of months (default 12)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from coachprog.calibration.models import RaterCalibration
from coachprog.db import utcnow
from coachprog.extensions import db


def is_calibrated(rater_id: int, rubric_key: str, at: datetime | None = None) -> bool:
    """Whether the rater holds a current calibration for the rubric (any version of it)."""
    at = at or utcnow()
    query = sa.select(RaterCalibration.id).where(
        RaterCalibration.rater_id == rater_id,
        RaterCalibration.rubric_key == rubric_key,
        RaterCalibration.calibrated.is_(True),
        sa.or_(RaterCalibration.expires_at.is_(None), RaterCalibration.expires_at > at),
    )
    return db.session.scalar(query.limit(1)) is not None
