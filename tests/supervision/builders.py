"""Builders for the supervision tests: trainees with a supervisor, and scored session reviews
or capstone assessments written directly (the assessments workflow has its own tests; these
rows carry exactly what the supervision services read). Everything is flushed."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.domain import Role
from coachprog.auth.models import User
from coachprog.coaching.models import SupervisorAssignment
from coachprog.extensions import db
from coachprog.people.models import Person
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
