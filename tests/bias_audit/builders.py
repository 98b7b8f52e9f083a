"""A quarter of program data for the bias audit, written directly as rows: candidacies with
consented answers, engagements and sessions, people with departments, locations and start
dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from coachprog.coaching.models import Engagement
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.recordings.models import CoachingSession
from coachprog.selection.models import Candidate, CandidateDemographics, Sprint
from tests.factories import PersonFactory

Q4_DAY = date(2026, 10, 15)


def person(department: str = "Finance", location: str = "Leeds",
           hired_on: date | None = date(2020, 1, 1)) -> Person:
    return PersonFactory(department=department, location=location, hired_on=hired_on)


def candidacies(sprint: Sprint, outcomes: list[tuple[str, str, str]]) -> list[Candidate]:
    """(gender answer, stage, furthest stage) per candidacy, each a new person."""
    rows = []
    for gender, stage, furthest in outcomes:
        who = person()
        row = Candidate(sprint_id=sprint.id, person_id=who.id, route="application",
                        stage=stage, furthest_stage=furthest)
        db.session.add(row)
        db.session.flush()
        if gender:
            db.session.add(CandidateDemographics(candidate_id=row.id,
                                                 consent_text_version="2026-11",
                                                 gender=gender, ethnicity="", age_band="",
                                                 disability=""))
        rows.append(row)
    db.session.flush()
    return rows


def q4_sprint() -> Sprint:
    row = Sprint(name="Q4 sprint", capacity=4, start_date=Q4_DAY, status="open")
    db.session.add(row)
    db.session.flush()
    return row


def engagement(coach: Person, coachee: Person, sessions: int = 0) -> Engagement:
    row = Engagement(coach_person_id=coach.id, coachee_person_id=coachee.id,
                     start_date=Q4_DAY, session_cap=6, status="active",
                     created_at=datetime(2026, 10, 2, tzinfo=UTC))
    db.session.add(row)
    db.session.flush()
    for n in range(sessions):
        db.session.add(CoachingSession(engagement_id=row.id, session_date=date(2026, 11, 1 + n),
                                       duration_minutes=60))
    db.session.flush()
    return row
