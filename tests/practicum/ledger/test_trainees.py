"""A trainee's progress, the trainee list and the home panel."""

from __future__ import annotations

import pytest

from coachprog.practicum.ledger import domain, trainees
from coachprog.roles import Role
from tests.factories import UserFactory
from tests.practicum.builders import START, enrolled_trainee, entry

pytestmark = pytest.mark.usefixtures("clock")


def test_progress_bars_window_and_gates() -> None:
    person, trainee, _ = enrolled_trainee()
    for day in range(1, 11):
        entry(person, days_ago=day, status=domain.VERIFIED, coachee=f"Client {day % 3}")
    entry(person, days_ago=1, hour=15, kind=domain.LAB, minutes=300, status=domain.VERIFIED)
    p = trainees.progress(trainee, person.id)
    assert p.totals.coached_hours == 10 and p.totals.unique_coachees == 3
    assert [b.percent for b in p.bars] == [50, 50]
    assert p.window is not None and p.window.week == 5 and p.window.start == START
    assert [g.met for g in p.gates] == [True, False]
    assert p.gates[1].missing == ["10 more verified coached hours",
                                  "5 more verified lab/peer-debrief hours"]


def test_list_trainees_admin_all_supervisor_own() -> None:
    a, _, sup_a = enrolled_trainee()
    b, _, _ = enrolled_trainee()
    admin = UserFactory(roles=[Role.ADMIN])
    assert {r.person.id for r in trainees.list_trainees(admin)[0]} == {a.id, b.id}
    assert [r.person.id for r in trainees.list_trainees(sup_a)[0]] == [a.id]
