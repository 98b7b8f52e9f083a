"""`flask practicum enrol` and `flask practicum hours`."""

from __future__ import annotations

import pytest

from coachprog.extensions import db
from coachprog.practicum.ledger import domain, services
from coachprog.roles import Role
from tests.factories import PersonFactory, UserFactory
from tests.practicum.builders import enrolled_trainee, entry

pytestmark = pytest.mark.usefixtures("clock")


def test_enrol_command(runner) -> None:
    person = PersonFactory(employee_id="E7001")
    UserFactory(roles=[Role.COACH], person_id=person.id)
    db.session.commit()
    result = runner.invoke(args=["practicum", "enrol", "E7001", "--start", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "Enrolled E7001 in Standard practicum from 2026-03-02" in result.output
    assert services.get_enrolment(person.id) is not None
    again = runner.invoke(args=["practicum", "enrol", "E7001", "--start", "2026-03-02"])
    assert again.exit_code == 1 and "enrolled already" in again.output
    unknown = runner.invoke(args=["practicum", "enrol", "NOPE", "--start", "2026-03-02"])
    assert unknown.exit_code == 1 and "No person" in unknown.output


def test_hours_command(runner) -> None:
    person, _, _ = enrolled_trainee()
    entry(person, days_ago=1, status=domain.VERIFIED, minutes=90)
    entry(person, days_ago=2)
    db.session.commit()
    result = runner.invoke(args=["practicum", "hours", person.employee_id])
    assert result.exit_code == 0
    assert "coached 1.5 h (target met: False)" in result.output
    assert "1 unique coachees" in result.output
