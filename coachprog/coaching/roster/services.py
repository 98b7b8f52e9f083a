"""The roster: an appointed coach is a person with a selection candidacy at stage `appointed` (any
sprint); the active roster is every appointed coach less those a later domain takes off it (a
lapsed or revoked certification, an opt-out), each registered here."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coachprog.extensions import db
from coachprog.policy.domain import OptOutKind
from coachprog.policy.services import opted_out_ids
from coachprog.selection.domain import CandidateStage
from coachprog.selection.models import Candidate


def appointed_clause() -> sa.ColumnElement[bool]:
    return Candidate.stage == CandidateStage.APPOINTED.value


def is_appointed_coach(person_id: int) -> bool:
    """Whether the calibration panel of some sprint appointed this person."""
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Candidate.person_id == person_id, appointed_clause()))))


# The active roster is every appointed coach, less those a later domain takes off it (a lapsed
# or revoked certification): each registers a function returning {person id: reason}.
RosterExclusion = Callable[[], dict[int, str]]
_ROSTER_EXCLUSIONS: list[RosterExclusion] = []


def register_roster_exclusion(exclusion: RosterExclusion) -> RosterExclusion:
    if exclusion not in _ROSTER_EXCLUSIONS:
        _ROSTER_EXCLUSIONS.append(exclusion)
    return exclusion


@register_roster_exclusion
def _program_opt_outs() -> dict[int, str]:
    """Coaches who opted out of the program are off the active roster (issue 24)."""
    return dict.fromkeys(db.session.scalars(opted_out_ids(OptOutKind.PROGRAM)),
                         "opted out of the program")


def roster_exclusions() -> dict[int, str]:
    """Appointed coaches who are off the active roster, with the first reason found."""
    excluded: dict[int, str] = {}
    for exclusion in _ROSTER_EXCLUSIONS:
        for person_id, reason in exclusion().items():
            excluded.setdefault(person_id, reason)
    return excluded


def active_coach_ids() -> set[int]:
    """Person ids of the active roster: appointed coaches (matching, audit populations and
    reports start here), less every registered exclusion."""
    appointed = set(
        db.session.scalars(sa.select(Candidate.person_id).where(appointed_clause()).distinct())
    )
    return appointed - set(roster_exclusions())


def appointment_of(person_id: int) -> Candidate | None:
    """The most recent appointment of this person, if any."""
    return db.session.scalar(
        sa.select(Candidate).options(joinedload(Candidate.sprint))
        .where(Candidate.person_id == person_id, appointed_clause())
        .order_by(Candidate.id.desc()).limit(1))
