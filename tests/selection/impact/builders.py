"""Sprints, candidates and self-reports for the adverse-impact tests, created straight as rows
(the sprint services are someone else's work). Everything is flushed; the test commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.selection.impact.demographics import DEMOGRAPHICS_CONSENT_VERSION
from coachprog.selection.models import Candidate, CandidateDemographics, Sprint
from tests.factories import PersonFactory, UserFactory


def new_person(**fields: Any) -> Any:
    """A directory record (typed loosely: factory_boy's classes build model instances)."""
    return PersonFactory(**fields)


def new_user(*roles: Any, **fields: Any) -> Any:
    return UserFactory(roles=list(roles), **fields)


def sprint(name: str = "Spring 2026", status: str = "open") -> Sprint:
    row = Sprint(name=name, capacity=4, start_date=date(2026, 3, 2), status=status)
    db.session.add(row)
    db.session.flush()
    return row


def candidate(in_sprint: Sprint, stage: str = "applied", furthest: str | None = None, *,
              person: Any = None, **answers: str) -> Candidate:
    """A candidacy at `stage` (furthest stage reached defaults to the stage itself; give it for
    someone rejected or withdrawn) with the self-report `answers`, if any."""
    person_id: int = (person or new_person()).id
    row = Candidate(sprint_id=in_sprint.id, person_id=person_id,
                    route="nomination" if stage == "nominated" else "application",
                    stage=stage, furthest_stage=furthest or stage)
    db.session.add(row)
    db.session.flush()
    if answers:
        report(row, **answers)
    return row


def report(row: Candidate, **answers: str) -> CandidateDemographics:
    answered = CandidateDemographics(candidate_id=row.id,
                                     consent_text_version=DEMOGRAPHICS_CONSENT_VERSION,
                                     consented_at=utcnow(), **answers)
    db.session.add(answered)
    db.session.flush()
    return answered


def many(in_sprint: Sprint, count: int, stage: str, furthest: str | None = None,
         **answers: str) -> list[Candidate]:
    return [candidate(in_sprint, stage, furthest, person=None, **answers)
            for _ in range(count)]


def spring_sprint() -> dict[str, Any]:
    """The hand-computed case of the service and page tests (gender; other questions blank).

    Application → interview: women 10 entered, 9 passed; men 10 entered, 4 passed (one of the
    six who did not pass withdrew); non-binary people 3 entered, 2 passed (fewer than 5:
    suppressed); people who preferred not to say 5 entered, 3 passed (the smallest group shown,
    withheld with the non-binary group so it cannot be worked out from the totals). Two women
    still wait at application (pending). Everyone who passed waits at interview, so no later
    transition has entrants. Two nominees never accepted: not candidates."""
    spring = sprint()
    many(spring, 9, "interview", gender="woman")
    many(spring, 1, "rejected", "applied", gender="woman")
    many(spring, 2, "applied", gender="woman")
    many(spring, 4, "interview", gender="man")
    many(spring, 5, "rejected", "applied", gender="man")
    many(spring, 1, "withdrawn", "applied", gender="man")
    many(spring, 2, "interview", gender="non_binary")
    many(spring, 1, "withdrawn", "applied", gender="non_binary")
    many(spring, 3, "interview", gender="prefer_not_to_say")
    many(spring, 2, "rejected", "applied", gender="prefer_not_to_say")
    many(spring, 1, "nominated")
    many(spring, 1, "withdrawn", "nominated")
    return {"sprint_id": spring.id}


def matrix_sprint() -> dict[str, Any]:
    """For the access matrix: a sprint with a decided cohort and someone else's candidacy
    with answers (the matrix user is never the candidate)."""
    ids = spring_sprint()
    owner = candidate(db.session.get_one(Sprint, ids["sprint_id"]), "interview", gender="woman")
    db.session.commit()
    return {**ids, "candidate_id": owner.id}
