"""Builders for the ledger tests: an enrolled trainee with a supervisor, entries written
directly (their rules are tested through the services). Everything is flushed; the test
commits. `matrix_ledger` sets up the access matrix (it commits)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from coachprog.auth.models import User
from coachprog.coaching.models import SupervisorAssignment
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.practicum.ledger import domain
from coachprog.practicum.ledger.models import LedgerEntry, PracticumEnrolment
from coachprog.practicum.ledger.services import default_program
from coachprog.roles import Role
from tests.factories import PersonFactory, UserFactory

NOW = datetime(2026, 3, 27, 17, 0, tzinfo=UTC)  # a Friday
START = date(2026, 2, 23)  # five weeks before NOW


def enrolled_trainee(*, start: date = START) -> tuple[Person, User, User]:
    """(trainee person, trainee's user, supervisor user), enrolled in the default program."""
    person = PersonFactory()
    trainee = UserFactory(roles=[Role.COACH], person_id=person.id)
    supervisor = UserFactory(roles=[Role.LEAD_COACH])
    db.session.flush()
    db.session.add(SupervisorAssignment(coach_person_id=person.id,
                                        supervisor_user_id=supervisor.id))
    db.session.add(PracticumEnrolment(person_id=person.id, program_id=default_program().id,
                                      start_date=start))
    db.session.flush()
    return person, trainee, supervisor


def entry(person: Person, *, days_ago: int = 1, hour: int = 10, minutes: int = 60,
          kind: str = domain.COACHED, status: str = domain.PENDING,
          coachee: str | None = "Client A", pro_bono: bool = False, **fields: Any) -> LedgerEntry:
    starts = (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=0)
    row = LedgerEntry(person_id=person.id, kind=kind, starts_at=starts, minutes=minutes,
                      status=status, coachee_pseudonym=coachee if kind == domain.COACHED
                      else None, pro_bono=pro_bono, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def matrix_ledger() -> dict[str, Any]:
    """A trainee's ledger with one pending entry; the matrix user is neither the trainee nor
    their supervisor."""
    person, _, _ = enrolled_trainee()
    row = entry(person)
    db.session.commit()
    return {"trainee_id": person.id, "entry_id": row.id}
