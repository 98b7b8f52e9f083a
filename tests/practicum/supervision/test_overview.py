"""The program overview: overdue items per trainee and supervisor, for program staff only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coachprog.errors import NotPermitted
from coachprog.practicum.ledger import domain as ledger_rules
from coachprog.practicum.supervision import gates, services
from coachprog.practicum.supervision.overview import program_overview
from coachprog.roles import Role
from tests.factories import UserFactory
from tests.practicum.supervision.builders import (
    T0,
    enrol,
    log_hours,
    scored,
    trainee_with_supervisor,
)


def test_program_overview_counts_overdue_per_supervisor(app, clock) -> None:
    ana, _, lead = trainee_with_supervisor()
    ben, _, lead2 = trainee_with_supervisor()
    enrol(ana, start=(T0 - timedelta(weeks=5)).date())
    enrol(ben, start=T0.date())
    log_hours(ana, coached=12, lab=6, verifier=lead)
    log_hours(ana, coached=1, status=ledger_rules.PENDING, days_back=30)
    late = scored(ana, rater=lead, at=T0 - timedelta(days=3))  # feedback overdue
    scored(ana, rater=lead, at=T0 - timedelta(days=9))  # feedback and 1:1 overdue
    scored(ben, rater=lead2, at=T0 - timedelta(hours=2))  # due, not overdue
    services.write_feedback(lead, late.id, "Late but thorough feedback on the session.")
    admin = UserFactory(roles=[Role.ADMIN])
    view = program_overview(admin)
    assert (view.feedback_overdue, view.one_on_ones_overdue) == (1, 1)
    assert services.overdue_counts() == (1, 1)
    rows = {r.trainee.id: r for r in view.rows}
    a = rows[ana.id]
    assert a.window.week == 6 and a.hours.coached_hours == 12 and a.entries_waiting == 1
    assert (a.feedback_overdue, a.one_on_ones_overdue) == (1, 1)
    assert [(g.gate.value, g.met, g.total) for g in a.gates] == [("midpoint", 2, 2),
                                                                 ("final", 0, 3)]
    assert [s.id for s in a.supervisors] == [lead.id]
    b = rows[ben.id]
    assert b.window.week == 1 and (b.feedback_overdue, b.one_on_ones_overdue) == (0, 0)
    loads = {s.supervisor.id: s for s in view.supervisors}
    assert (loads[lead.id].feedback_overdue, loads[lead.id].one_on_ones_overdue,
            loads[lead.id].entries_waiting, loads[lead.id].trainees) == (1, 1, 1, 1)
    assert (loads[lead2.id].feedback_overdue, loads[lead2.id].one_on_ones_overdue) == (0, 0)
    assert view.supervisors[0].supervisor.id == lead.id  # most overdue first
    # A recorded decision shows instead of the count.
    master = UserFactory(roles=[Role.MASTER_COACH])
    gates.decide_gate(master, ana.id, "midpoint", outcome="proceed", note="")
    again = {r.trainee.id: r for r in program_overview(master).rows}[ana.id]
    assert again.gates[0].decision is not None and again.gates[0].decision.outcome == "proceed"
    # Two days later ben's feedback is overdue too.
    clock.now = T0 + timedelta(days=2)
    assert program_overview(admin).feedback_overdue == 2


def test_program_overview_is_for_program_staff_only(app, clock) -> None:
    for role in (Role.LEAD_COACH, Role.COACH, Role.SPONSOR, Role.MANAGER, Role.RATER):
        with pytest.raises(NotPermitted):
            program_overview(UserFactory(roles=[role]))
    with pytest.raises(NotPermitted):
        program_overview(UserFactory(roles=[Role.ADMIN, Role.SPONSOR]))
    person, _, _ = trainee_with_supervisor()
    enrol(person)
    rows = program_overview(UserFactory(roles=[Role.MASTER_COACH])).rows
    assert person.id in {r.trainee.id for r in rows}
