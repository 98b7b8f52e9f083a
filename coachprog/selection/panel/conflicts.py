"""Conflicts of interest between a sprint's calibration panel and its candidates.

Policy (`panel_domain`): a seat whose member is related to a candidate — management chain
either way, a coaching relationship, their own candidacy — neither decides on that candidate
nor reads their evidence pack, whatever other role the member holds; L&D replaces the seat.
The pages mark such seats before anyone acts, so the facts are worked out for a whole sprint at
once: one reporting-line query for every member and candidate, and one query per member and
registered coaching source (three members), whatever the number of candidates. The answer is
kept on the database session until it next flushes (a write could seat someone else, move a
person or start an engagement), so the permission checks of a list page answer from memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coachprog.assessments.conflicts import relationship_facts_many
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.selection.models import Candidate, Sprint
from coachprog.selection.panel.domain import (
    PANEL_ROLE_LABELS,
    PanelRole,
    conflict_sentence,
    panel_conflicts,
)

_CACHE = "coachprog_panel_conflicts"  # {sprint id: {(user id, candidate id): reasons}}


@dataclass(frozen=True)
class SeatConflict:
    """One seat that may not act for one candidate, and why."""

    panel_role: str
    member_id: int
    member_name: str
    candidate_id: int
    candidate_name: str
    reasons: tuple[str, ...]

    @property
    def seat_label(self) -> str:
        return PANEL_ROLE_LABELS[PanelRole(self.panel_role)]

    @property
    def words(self) -> str:
        return " ".join(self.reasons)


def conflicts_between(users: Sequence[Any], people: Iterable[tuple[int, str]],
                      ) -> dict[tuple[int, int], tuple[str, ...]]:
    """{(user id, person id): reasons} for every conflicted pair of the given users and
    (person id, name) pairs; pairs without a conflict are left out."""
    people = list(people)
    if not users or not people:
        return {}
    facts = relationship_facts_many(users, [person_id for person_id, _ in people])
    found = {}
    for user in users:
        for person_id, name in people:
            reasons = panel_conflicts(facts(user, person_id), user.display_name, name)
            if reasons:
                found[(user.id, person_id)] = reasons
    return found


def _candidates_of(sprint: Sprint) -> list[tuple[int, int, str]]:
    """(candidate id, person id, name) of the sprint's entries, read as columns (the board
    may not have loaded them)."""
    rows = db.session.execute(
        sa.select(Candidate.id, Candidate.person_id, Person.name)
        .join(Person, Person.id == Candidate.person_id)
        .where(Candidate.sprint_id == sprint.id).order_by(Person.name, Candidate.id)).all()
    return [(row.id, row.person_id, row.name) for row in rows]


def sprint_conflicts(sprint: Sprint) -> list[SeatConflict]:
    """Every (seat, candidate) conflict of the sprint, seats in the panel's order."""
    cache = db.session().info.setdefault(_CACHE, {})
    if sprint.id in cache:
        return list(cache[sprint.id])
    seats = sorted(sprint.panel, key=lambda m: list(PanelRole).index(PanelRole(m.panel_role)))
    candidates = _candidates_of(sprint) if seats else []
    pairs = conflicts_between([m.user for m in seats],
                              {(person_id, name) for _, person_id, name in candidates})
    found = [SeatConflict(m.panel_role, m.user_id, m.user.display_name, candidate_id, name,
                          pairs[(m.user_id, person_id)])
             for m in seats for candidate_id, person_id, name in candidates
             if (m.user_id, person_id) in pairs]
    cache[sprint.id] = tuple(found)
    return found


def member_conflict(user: Any, candidate: Any) -> tuple[str, ...]:
    """Why this user, seated on the candidate's panel, may not act for them; empty when they
    hold no seat there or have no conflict."""
    user_id = getattr(user, "id", None)
    if user_id is None or candidate is None or \
            all(m.user_id != user_id for m in candidate.sprint.panel):
        return ()
    for conflict in sprint_conflicts(candidate.sprint):
        if conflict.member_id == user_id and conflict.candidate_id == candidate.id:
            return conflict.reasons
    return ()


def member_refusal(user: Any, candidate: Any) -> str | None:
    """The conflict as one sentence for a refused page or submission, or None."""
    reasons = member_conflict(user, candidate)
    return conflict_sentence(reasons) if reasons else None


@sa.event.listens_for(Session, "after_flush")
def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_CACHE, None)
