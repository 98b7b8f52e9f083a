"""Pure selection-sprint rules shared by the sub-packages: the calendar and the funnel."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.selection import domain
from coachprog.selection.domain import (
    CandidateStage,
    InvalidCalendar,
    SprintStage,
    late_stages,
    plan_calendar,
)

S = CandidateStage


def test_calendar_defaults_follow_the_blueprint() -> None:
    plan = plan_calendar(date(2025, 3, 3))
    assert [(w.stage, w.start, w.end, w.days) for w in plan] == [
        (SprintStage.NOMINATION_APPLICATION, date(2025, 3, 3), date(2025, 3, 9), 7),
        (SprintStage.INTERVIEW, date(2025, 3, 10), date(2025, 3, 16), 7),
        (SprintStage.SIMULATIONS, date(2025, 3, 17), date(2025, 3, 17), 1),
        (SprintStage.SUPERVISED_PRACTICE, date(2025, 3, 18), date(2025, 4, 28), 42),
        (SprintStage.CALIBRATION_APPOINTMENT, date(2025, 4, 29), date(2025, 5, 5), 7),
    ]


def test_calendar_overrides_shift_later_stages() -> None:
    plan = plan_calendar(date(2025, 3, 3), {SprintStage.SUPERVISED_PRACTICE: 28,
                                            SprintStage.INTERVIEW: 3})
    assert plan[1].end == date(2025, 3, 12)
    assert plan[3].days == 28
    assert plan[4].start == plan[3].end.replace(day=plan[3].end.day + 1)


@pytest.mark.parametrize(("stage", "days"), [
    (SprintStage.SUPERVISED_PRACTICE, 27), (SprintStage.SUPERVISED_PRACTICE, 43),
    (SprintStage.INTERVIEW, 0), (SprintStage.SIMULATIONS, 8),
])
def test_calendar_refuses_lengths_outside_the_blueprint(stage: SprintStage, days: int) -> None:
    with pytest.raises(InvalidCalendar, match=f"{days} days is outside"):
        plan_calendar(date(2025, 3, 3), {stage: days})


def test_calendar_takes_dates_not_timestamps() -> None:
    with pytest.raises(TypeError):
        plan_calendar(datetime(2025, 3, 3, tzinfo=UTC))
    with pytest.raises(TypeError):
        late_stages(plan_calendar(date(2025, 3, 3)), datetime(2025, 3, 3, tzinfo=UTC), {})


def test_late_stages() -> None:
    plan = plan_calendar(date(2025, 3, 3))
    assert late_stages(plan, date(2025, 3, 9), {}) == []  # the last day is on time
    late = late_stages(plan, date(2025, 3, 10), {})
    assert [(s.stage, s.days_late) for s in late] == [(SprintStage.NOMINATION_APPLICATION, 1)]
    assert late[0].message == ("Nomination & application should have finished on 2025-03-09 "
                               "(1 day late).")
    done = {SprintStage.NOMINATION_APPLICATION: True, SprintStage.INTERVIEW: False}
    late = late_stages(plan, date(2025, 3, 20), done)
    assert [(s.stage, s.days_late) for s in late] == [(SprintStage.INTERVIEW, 4),
                                                      (SprintStage.SIMULATIONS, 3)]
    assert "(4 days late)" in late[0].message


def test_interview_hours() -> None:
    assert domain.interview_hours(12) == 12
    with pytest.raises(ValueError, match="negative"):
        domain.interview_hours(-1)


def test_funnel_counts_and_conversion() -> None:
    rows = domain.funnel([(1, "nominated"), (2, "applied"), (3, "interview"), (4, "interview"),
                          (5, "simulations"), (6, "appointed"), (6, "panel")])
    assert [(r.stage, r.count) for r in rows] == [
        (S.NOMINATED, 6), (S.APPLIED, 5), (S.INTERVIEW, 4), (S.SIMULATIONS, 2),
        (S.SUPERVISED_PRACTICE, 1), (S.PANEL, 1), (S.APPOINTED, 1)]
    assert rows[0].conversion is None
    assert rows[0].label == "Entered (nominated or applied)"
    assert rows[1].conversion == pytest.approx(5 / 6)
    assert rows[3].conversion == pytest.approx(0.5)


def test_funnel_of_nobody_and_from_zero() -> None:
    rows = domain.funnel([])
    assert all(r.count == 0 and r.conversion is None for r in rows)


def test_funnel_refuses_exit_stages() -> None:
    with pytest.raises(ValueError, match="stage the person left from"):
        domain.funnel([(1, "rejected")])


@given(st.lists(st.tuples(st.integers(0, 50), st.sampled_from(domain.PIPELINE))))
def test_funnel_of_counts_per_furthest_stage_equals_the_funnel_of_the_people(
        entries: list[tuple[int, S]]) -> None:
    furthest: dict[int, int] = {}
    for person, stage in entries:
        furthest[person] = max(furthest.get(person, 0), domain.PIPELINE.index(stage))
    counts = {stage: sum(1 for index in furthest.values() if domain.PIPELINE[index] is stage)
              for stage in S}
    assert domain.funnel_of_counts(counts) == domain.funnel(entries)


def test_funnel_of_counts_refuses_people_counted_at_an_exit() -> None:
    assert domain.funnel_of_counts({S.REJECTED: 0, S.APPLIED: 1})[1].count == 1
    with pytest.raises(ValueError, match="stage the person left from"):
        domain.funnel_of_counts({S.WITHDRAWN: 2})


@given(st.lists(st.tuples(st.integers(0, 50), st.sampled_from(domain.PIPELINE))))
def test_funnel_counts_never_increase(entries: list[tuple[int, S]]) -> None:
    rows = domain.funnel(entries)
    counts = [r.count for r in rows]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == len({person for person, _ in entries})
    for row in rows:
        assert row.conversion is None or 0 <= row.conversion <= 1
