"""Performance-review relationships: who reviews whose performance. They rule a coaching match
out either way; recording one between a coach and their coachee warns (it is a fact, never
refused). Every change writes an audit entry; services flush, the caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coachprog.authority import require
from coachprog.coaching.engagements.services import active_between
from coachprog.coaching.models import EvaluationRelationship
from coachprog.db import get_or_404
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person

MAX_EVALUATION_NOTE_LENGTH = 500


EVALUATES = "evaluates"  # the person on the page reviews the other's performance
EVALUATED_BY = "evaluated_by"  # the other reviews the performance of the person on the page


@dataclass(frozen=True)
class PersonEvaluations:
    person: Person
    evaluates: list[EvaluationRelationship]
    evaluated_by: list[EvaluationRelationship]


def list_evaluations(actor: Any, person_id: int) -> PersonEvaluations:
    person = get_or_404(Person, person_id, what="person", actor=actor,
                        rule="can_manage_evaluations")
    rows = db.session.scalars(
        sa.select(EvaluationRelationship)
        .options(joinedload(EvaluationRelationship.evaluator),
                 joinedload(EvaluationRelationship.evaluated),
                 joinedload(EvaluationRelationship.recorded_by))
        .where(sa.or_(EvaluationRelationship.evaluator_person_id == person_id,
                      EvaluationRelationship.evaluated_person_id == person_id))
        .order_by(EvaluationRelationship.recorded_at, EvaluationRelationship.id)).all()
    return PersonEvaluations(
        person=person,
        evaluates=[r for r in rows if r.evaluator_person_id == person_id],
        evaluated_by=[r for r in rows if r.evaluated_person_id == person_id])


@dataclass(frozen=True)
class EvaluationRecorded:
    relationship: EvaluationRelationship
    warnings: list[str] = field(default_factory=list)


def record_evaluation(actor: Any, person_id: int, *, direction: str, other_employee_id: str,
                      note: str = "") -> EvaluationRecorded:
    """Record that one person reviews another's performance. Warns (never refuses: the
    relationship is a fact) when the two are in an active coaching engagement."""
    person = get_or_404(Person, person_id, what="person", actor=actor,
                        rule="can_manage_evaluations")
    errors: dict[str, list[str]] = {}
    if direction not in (EVALUATES, EVALUATED_BY):
        errors["direction"] = ["Choose who reviews whom."]
    employee_id = other_employee_id.strip()
    other = db.session.scalar(sa.select(Person).where(Person.employee_id == employee_id)) \
        if employee_id else None
    if not employee_id:
        errors["other_employee_id"] = ["Give the other person's employee id."]
    elif other is None:
        errors["other_employee_id"] = [f"No person with employee id {employee_id}."]
    elif other.id == person.id:
        errors["other_employee_id"] = ["Nobody reviews their own performance here: give "
                                       "someone else's employee id."]
    note = note.strip()
    if len(note) > MAX_EVALUATION_NOTE_LENGTH:
        errors["note"] = [f"Keep the note under {MAX_EVALUATION_NOTE_LENGTH} characters."]
    if errors or other is None:
        raise DomainError("The relationship was not recorded.", field_errors=errors)
    evaluator, evaluated = (person, other) if direction == EVALUATES else (other, person)
    duplicate = db.session.scalar(sa.select(EvaluationRelationship.id).where(
        EvaluationRelationship.evaluator_person_id == evaluator.id,
        EvaluationRelationship.evaluated_person_id == evaluated.id))
    if duplicate is not None:
        message = f"It is already recorded that {evaluator.name} reviews {evaluated.name}."
        raise DomainError(message, field_errors={"other_employee_id": [message]})
    relationship = EvaluationRelationship(
        evaluator_person_id=evaluator.id, evaluated_person_id=evaluated.id, note=note,
        recorded_by_id=getattr(actor, "id", None))
    db.session.add(relationship)
    db.session.flush()
    audit.record("coaching.evaluation_recorded", actor=actor,
                 object_type="evaluation_relationship", object_id=relationship.id,
                 detail={"evaluator_person_id": evaluator.id,
                         "evaluated_person_id": evaluated.id})
    warnings = []
    for coach, coachee in ((evaluator, evaluated), (evaluated, evaluator)):
        if active_between(coach.id, coachee.id) is not None:
            warnings.append(
                f"{coach.name} coaches {coachee.name} in an active engagement, and a coach and "
                "coachee must not review each other's performance. Review the engagement: end "
                "it, or correct this record if it is wrong.")
    return EvaluationRecorded(relationship, warnings)


def remove_evaluation(actor: Any, person_id: int, relationship_id: int) -> None:
    require(actor, "can_manage_evaluations")
    relationship = db.session.get(EvaluationRelationship, relationship_id)
    if relationship is None or person_id not in (relationship.evaluator_person_id,
                                                 relationship.evaluated_person_id):
        raise NotFound("evaluation relationship")
    audit.record("coaching.evaluation_removed", actor=actor,
                 object_type="evaluation_relationship", object_id=relationship.id,
                 detail={"evaluator_person_id": relationship.evaluator_person_id,
                         "evaluated_person_id": relationship.evaluated_person_id})
    db.session.delete(relationship)
    db.session.flush()
