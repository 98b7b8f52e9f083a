"""People opted out of analytics are left out of the program's aggregates (issue 24)."""

from __future__ import annotations

from datetime import date

from coachprog.authority import SystemActor
from coachprog.coaching.models import Engagement
from coachprog.extensions import db
from coachprog.policy.domain import OptOutKind
from coachprog.policy.models import OptOut
from coachprog.program import services as program_services
from coachprog.program.metrics import services as metrics
from coachprog.recordings.models import CoachingSession
from tests.factories import PersonFactory
from tests.program.builders import kpi_csv, program


def _engagement(coach, coachee) -> Engagement:
    row = Engagement(coach_person_id=coach.id, coachee_person_id=coachee.id,
                     start_date=date(2026, 3, 2), session_cap=12, status="active")
    db.session.add(row)
    db.session.flush()
    db.session.add(CoachingSession(engagement_id=row.id, session_date=date(2026, 3, 9),
                                   duration_minutes=60))
    return row


def _opt_out(person, kind: OptOutKind = OptOutKind.ANALYTICS) -> None:
    db.session.add(OptOut(person_id=person.id, kind=kind.value))
    db.session.flush()


def _counts() -> tuple[int, int, int, float]:
    tier1 = metrics.tier1(date(2026, 5, 1))
    return (tier1["leaders_coached"], tier1["engagements"]["started"], tier1["sessions"],
            tier1["hours"])


def test_an_opted_out_coachee_is_not_counted_in_tier_1() -> None:
    coach, kept, leaving = PersonFactory(), PersonFactory(), PersonFactory()
    _engagement(coach, kept)
    _engagement(coach, leaving)
    assert _counts() == (2, 2, 2, 2.0)

    _opt_out(leaving)

    assert _counts() == (1, 1, 1, 1.0)
    assert sum(n for _, n in metrics.monthly_series("sessions", date(2026, 1, 1))) == 1


def test_leaving_the_program_counts_as_opting_out_of_analytics_and_a_coach_too() -> None:
    coach, other_coach, coachee = PersonFactory(), PersonFactory(), PersonFactory()
    _engagement(coach, coachee)
    _engagement(other_coach, PersonFactory())
    _opt_out(coachee, OptOutKind.PROGRAM)
    assert _counts()[:2] == (1, 1)
    _opt_out(other_coach)
    assert _counts()[:2] == (0, 0)
    assert metrics.tier1(date(2026, 5, 1))["audit_coverage_pct"] is None  # no active coach


def test_an_opted_out_leader_is_left_out_of_the_group_tables_and_tier_2() -> None:
    program(data=False)
    metrics.import_observations(SystemActor("t"), kpi_csv(coached=18), source="t")
    db.session.commit()
    actor = SystemActor("t")
    before = program_services.group_metrics(actor, "department")
    assert before["total"]["n"] == 18 and metrics.pilot_leaders() == 18
    assert metrics.tier2_means()["usefulness"]["leaders"] == 18

    # E0 is a coached leader of Sales in the KPI file; once in the directory, they opt out.
    _opt_out(PersonFactory(employee_id="E0"))

    after = program_services.group_metrics(actor, "department")
    assert after["total"]["n"] == 17
    assert sorted(g["n"] for g in after["groups"]) == [5, 6, 6]
    assert metrics.pilot_leaders() == 17
    assert metrics.tier2_means()["usefulness"]["leaders"] == 17
    assert len(metrics.load_series("approval_cycle_days").coached) == 17
