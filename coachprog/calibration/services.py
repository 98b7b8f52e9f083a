"""Rater calibration status. Only calibrated raters may score live assessments of a rubric:
calibration means agreement with gold marks at or above the configured kappa (default 0.6),
and it lapses after the configured number of months (default 12).

This is what the packages above ask (selection, assessments, audits, practicum,
certification): whether a rater is calibrated, until when, and why not. The exercises that
decide it are blind assessments, so they live with assessments
(`coachprog.assessments.exercises`); the statistics are pure (`calibration.domain`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from coachprog.auth.models import User
from coachprog.authority import require
from coachprog.calibration.models import CalibrationExercise, RaterCalibration
from coachprog.db import utcnow
from coachprog.extensions import db

_PREFETCHED = "coachprog_calibrations"


def prefetch_calibrations(rater_ids: Iterable[int], rubric_keys: Iterable[str]) -> None:
    """The calibrations of many raters for some rubrics in one query, so a board that asks
    `is_calibrated` per card and rater answers from memory (kept in this app context until the
    session next flushes, so no answer predates a write). Kept in the session's `info`: one
    session per request."""
    known: dict[tuple[int, str], list[datetime | None]] = db.session.info.setdefault(
        _PREFETCHED, {})
    wanted = {(r, k) for r in rater_ids for k in rubric_keys} - set(known)
    if not wanted:
        return
    for pair in wanted:
        known[pair] = []
    for rater_id, key, expires_at in db.session.execute(
            sa.select(RaterCalibration.rater_id, RaterCalibration.rubric_key,
                      RaterCalibration.expires_at).where(
                RaterCalibration.rater_id.in_({r for r, _ in wanted}),
                RaterCalibration.rubric_key.in_({k for _, k in wanted}),
                RaterCalibration.calibrated.is_(True))):
        if (rater_id, key) in wanted:
            known[(rater_id, key)].append(expires_at)


@sa.event.listens_for(Session, "after_flush")
def _forget_prefetched(session: Session, *_: Any) -> None:
    session.info.pop(_PREFETCHED, None)


def is_calibrated(rater_id: int, rubric_key: str, at: datetime | None = None) -> bool:
    """Whether the rater holds a current calibration for the rubric (any version of it)."""
    at = at or utcnow()
    known = db.session.info.get(_PREFETCHED)
    if known is not None and (rater_id, rubric_key) in known:
        return any(expires is None or expires > at for expires in known[(rater_id, rubric_key)])
    query = sa.select(RaterCalibration.id).where(
        RaterCalibration.rater_id == rater_id,
        RaterCalibration.rubric_key == rubric_key,
        RaterCalibration.calibrated.is_(True),
        sa.or_(RaterCalibration.expires_at.is_(None), RaterCalibration.expires_at > at),
    )
    return db.session.scalar(query.limit(1)) is not None


def calibrated_until(rater_ids: Sequence[int], rubric_key: str,
                     at: datetime | None = None) -> dict[int, datetime | None]:
    """For each of the raters calibrated for the rubric now: until when (None: no expiry).
    Raters who are not calibrated are absent. One query, for dropdowns of many raters."""
    at = at or utcnow()
    if not rater_ids:
        return {}
    rows = db.session.execute(
        sa.select(RaterCalibration.rater_id, RaterCalibration.expires_at).where(
            RaterCalibration.rater_id.in_(list(rater_ids)),
            RaterCalibration.rubric_key == rubric_key,
            RaterCalibration.calibrated.is_(True),
            sa.or_(RaterCalibration.expires_at.is_(None), RaterCalibration.expires_at > at)))
    until: dict[int, datetime | None] = {}
    for rater_id, expires_at in rows:
        if rater_id not in until:
            until[rater_id] = expires_at
            continue
        held = until[rater_id]
        if held is not None and (expires_at is None or expires_at > held):
            until[rater_id] = expires_at
    return until


def calibration_refusal(rater: User, rubric_key: str, at: datetime | None = None, *,
                        rubric_title: str | None = None) -> str | None:
    """Why `rater` may not be assigned a live assessment of the rubric; None when they may.

    For the assignment service: a clear reason beats a bare "not allowed". `rubric_title`, when
    given, names the rubric as people know it (the key otherwise).
    """
    at = at or utcnow()
    if is_calibrated(rater.id, rubric_key, at):
        return None
    name = f"“{rubric_title}”" if rubric_title else rubric_key
    latest = db.session.scalar(
        sa.select(RaterCalibration)
        .where(RaterCalibration.rater_id == rater.id, RaterCalibration.rubric_key == rubric_key,
               RaterCalibration.calibrated.is_(True))
        .order_by(RaterCalibration.expires_at.desc().nulls_last()).limit(1)
    )
    if latest is not None and latest.expires_at is not None:
        return (f"{rater.display_name}'s calibration for {name} expired on "
                f"{latest.expires_at:%Y-%m-%d}; they need a new calibration exercise.")
    return (f"{rater.display_name} is not calibrated for {name}: only raters whose "
            "agreement with gold meets the threshold may score live assessments.")



@dataclass(frozen=True)
class MyCalibration:
    rubric_key: str
    rubric_title: str
    decision: RaterCalibration
    current: bool


def my_calibrations(actor: Any, at: datetime | None = None) -> list[MyCalibration]:
    """The actor's own calibration decisions, newest first, and whether each still holds."""
    require(actor, "can_view_calibration")
    at = at or utcnow()
    decisions = db.session.scalars(
        sa.select(RaterCalibration).where(RaterCalibration.rater_id == actor.id)
        .options(joinedload(RaterCalibration.exercise)
                 .joinedload(CalibrationExercise.rubric_version))
        .order_by(RaterCalibration.decided_at.desc(), RaterCalibration.id.desc()))
    return [MyCalibration(d.rubric_key, d.exercise.rubric_version.title, d, d.is_current(at))
            for d in decisions]


def live_rubrics(calibrations: Sequence[MyCalibration]) -> list[tuple[str, str, datetime | None]]:
    """Rubrics the rater may score live now: (key, title, latest expiry), by title."""
    best: dict[str, tuple[str, str, datetime | None]] = {}
    for mine in calibrations:
        if not mine.current:
            continue
        expires = mine.decision.expires_at
        held = best.get(mine.rubric_key)
        if held is None or (held[2] is not None and (expires is None or expires > held[2])):
            best[mine.rubric_key] = (mine.rubric_key, mine.rubric_title, expires)
    return sorted(best.values(), key=lambda row: (row[1], row[0]))
