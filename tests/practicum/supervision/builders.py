"""Builders for the supervision tests: trainees with a supervisor, and scored session reviews
or capstone assessments written directly (the assessments workflow has its own tests; these
rows carry exactly what the supervision services read). Everything is flushed."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.models import User
from coachprog.coaching.models import SupervisorAssignment
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.practicum.ledger import domain as ledger_rules
from coachprog.practicum.ledger.models import LedgerEntry, PracticumEnrolment, PracticumProgram
from coachprog.practicum.ledger.services import default_program
from coachprog.roles import Role
from coachprog.rubrics.models import RubricVersion
from tests.factories import PersonFactory, UserFactory

T0 = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


def rubric(purpose: str) -> RubricVersion:
    key = f"test-{purpose}"
    found = db.session.query(RubricVersion).filter_by(rubric_key=key).one_or_none()
    if found is not None:
        return found
    row = RubricVersion(rubric_key=key, version=1, title=f"Test {purpose}", purpose=purpose,
                        content={}, content_hash=hashlib.sha256(key.encode()).hexdigest(),
                        source="test")
    db.session.add(row)
    db.session.flush()
    return row


def trainee_with_supervisor(role: Role = Role.LEAD_COACH) -> tuple[Person, User, User]:
    """(trainee person, trainee's user, supervisor user)."""
    person = PersonFactory()
    trainee = UserFactory(roles=[Role.COACH], person_id=person.id)
    supervisor = UserFactory(roles=[role])
    db.session.flush()
    db.session.add(SupervisorAssignment(coach_person_id=person.id,
                                        supervisor_user_id=supervisor.id))
    db.session.flush()
    return person, trainee, supervisor


def scored(person: Person, *, rater: User, at: datetime = T0, passed: bool = True,
           purpose: str = "session_review", status: str = "closed") -> Assessment:
    evidence = EvidenceItem(title=f"Session of {person.name}", subject_person_id=person.id)
    db.session.add(evidence)
    db.session.flush()
    assessment = Assessment(evidence_item_id=evidence.id, rubric_version_id=rubric(purpose).id,
                            title=f"{purpose} of {person.name}", subject_pseudonym="Coach A",
                            status=status, kind="live",
                            result={"passed": passed} if status == "closed" else None,
                            closed_at=at if status == "closed" else None, created_at=at)
    db.session.add(assessment)
    db.session.flush()
    db.session.add(RaterAssignment(assessment_id=assessment.id, rater_id=rater.id, role="rater",
                                   status="submitted" if status == "closed" else "assigned",
                                   submitted_at=at if status == "closed" else None))
    db.session.flush()
    return assessment


def matrix_review() -> dict[str, Any]:
    """A scored review of someone the matrix user does not supervise."""
    person, _, supervisor = trainee_with_supervisor()
    review = scored(person, rater=supervisor)
    db.session.commit()
    return {"assessment_id": review.id, "trainee_id": person.id}


def enrol(person: Person, *, start: date | None = None,
          program: PracticumProgram | None = None) -> PracticumEnrolment:
    """Enrol in the default program (or `program`), four weeks before T0 unless told."""
    row = PracticumEnrolment(person_id=person.id, program_id=(program or default_program()).id,
                             start_date=start or (T0 - timedelta(weeks=4)).date())
    db.session.add(row)
    db.session.flush()
    return row


def log_hours(person: Person, *, coached: float = 0, lab: float = 0,
              status: str = ledger_rules.VERIFIED, days_back: int = 1,
              verifier: User | None = None) -> list[LedgerEntry]:
    """Real ledger rows worth `coached` and `lab` hours (up to 8 h a row, one day each,
    counting back from `days_back` days before T0), all with `status`."""
    rows: list[LedgerEntry] = []
    day = days_back
    for kind, hours in ((ledger_rules.COACHED, coached), (ledger_rules.LAB, lab)):
        left = round(hours * 60)
        while left > 0:
            minutes = min(left, ledger_rules.MAX_MINUTES)
            row = LedgerEntry(
                person_id=person.id, kind=kind, minutes=minutes, status=status,
                starts_at=(T0 - timedelta(days=day)).replace(hour=8),
                coachee_pseudonym=f"Client {len(rows) % 3}" if kind == ledger_rules.COACHED
                else None,
                reviewed_by_id=verifier.id if verifier and status != ledger_rules.PENDING
                else None)
            db.session.add(row)
            rows.append(row)
            left -= minutes
            day += 1
    db.session.flush()
    return rows


def matrix_entry() -> dict[str, Any]:
    """A pending ledger entry of someone the matrix user does not supervise."""
    person, _, _ = trainee_with_supervisor()
    enrol(person)
    rows = log_hours(person, coached=1, status=ledger_rules.PENDING)
    db.session.commit()
    return {"entry_id": rows[0].id, "trainee_id": person.id}
