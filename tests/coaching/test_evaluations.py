"""Evaluation relationships (coaching.evaluations)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.coaching.evaluations import services
from coachprog.coaching.models import EvaluationRelationship
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from tests.coaching.builders import (
    actions,
    engagement,
    evaluation,
    ready_coach,
)
from tests.factories import PersonFactory, UserFactory

# --- evaluation relationships --------------------------------------------------------------------


def test_record_and_list_evaluations(admin) -> None:
    person, report, boss = PersonFactory(), PersonFactory(), PersonFactory()
    services.record_evaluation(admin, person.id, direction=services.EVALUATES,
                               other_employee_id=report.employee_id, note="Project lead")
    services.record_evaluation(admin, person.id, direction=services.EVALUATED_BY,
                               other_employee_id=f"  {boss.employee_id} ")
    listed = services.list_evaluations(admin, person.id)
    assert [(r.evaluator_person_id, r.evaluated_person_id, r.note)
            for r in listed.evaluates] == [(person.id, report.id, "Project lead")]
    assert [r.evaluator_person_id for r in listed.evaluated_by] == [boss.id]
    assert actions() == ["coaching.evaluation_recorded"] * 2


@pytest.mark.parametrize(("direction", "who", "field", "words"), [
    ("evaluates", "self", "other_employee_id", "their own performance"),
    ("evaluates", "", "other_employee_id", "Give the other person's employee id."),
    ("evaluates", "NOPE-9", "other_employee_id", "No person with employee id NOPE-9."),
    ("sideways", "other", "direction", "Choose who reviews whom."),
])
def test_bad_evaluations_are_refused(admin, direction, who, field, words) -> None:
    person, other = PersonFactory(), PersonFactory()
    employee_id = {"self": person.employee_id, "other": other.employee_id}.get(who, who)
    with pytest.raises(DomainError) as refused:
        services.record_evaluation(admin, person.id, direction=direction,
                                   other_employee_id=employee_id)
    assert words in refused.value.field_errors[field][0]


def test_duplicate_evaluations_are_refused(admin) -> None:
    person, other = PersonFactory(name="Pat"), PersonFactory(name="Oli")
    evaluation(other, person)
    with pytest.raises(DomainError) as refused:
        services.record_evaluation(admin, person.id, direction=services.EVALUATED_BY,
                                   other_employee_id=other.employee_id)
    assert refused.value.field_errors["other_employee_id"] == [
        "It is already recorded that Oli reviews Pat."]
    # The other direction is a different relationship.
    assert services.record_evaluation(admin, person.id, direction=services.EVALUATES,
                                      other_employee_id=other.employee_id)


def test_recording_an_evaluation_between_coach_and_coachee_warns(admin) -> None:
    coach, coachee = ready_coach(), PersonFactory()
    engagement(coach, coachee)
    recorded = services.record_evaluation(admin, coach.id, direction=services.EVALUATES,
                                          other_employee_id=coachee.employee_id)
    assert len(recorded.warnings) == 1
    assert "must not review each other's performance" in recorded.warnings[0]


def test_remove_evaluation(admin) -> None:
    person, other = PersonFactory(), PersonFactory()
    row = evaluation(person, other)
    with pytest.raises(NotFound):
        services.remove_evaluation(admin, PersonFactory().id, row.id)
    with pytest.raises(NotPermitted):
        services.remove_evaluation(UserFactory(roles=[Role.MASTER_COACH]), person.id, row.id)
    services.remove_evaluation(admin, other.id, row.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationRelationship)) == 0
    entry = db.session.scalar(sa.select(AuditEntry))
    assert entry.action == "coaching.evaluation_removed"
    assert entry.detail["evaluator_person_id"] == person.id
