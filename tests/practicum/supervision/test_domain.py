"""Pure rules: SLA arithmetic (48 h / 7 days, UTC storage, DST in the viewer's zone), triad
rotation and validation, gate checklists and decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.practicum.supervision import domain as rules
from coachprog.practicum.supervision.domain import Gate, GateFacts, SlaState

SCORED = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # Friday before the EU DST change (29 March)


def test_feedback_is_due_48_hours_after_scoring() -> None:
    item = rules.deadline("feedback", SCORED, now=SCORED + timedelta(hours=47, minutes=59))
    assert item.due_at == SCORED + timedelta(hours=48)
    assert item.state is SlaState.DUE
    assert rules.deadline("feedback", SCORED, now=item.due_at).state is SlaState.DUE
    late = rules.deadline("feedback", SCORED, now=item.due_at + timedelta(seconds=1))
    assert late.state is SlaState.OVERDUE


def test_one_on_one_is_due_seven_days_after_scoring() -> None:
    item = rules.deadline("one_on_one", SCORED, now=SCORED + timedelta(days=6))
    assert item.due_at == SCORED + timedelta(days=7)
    assert item.state is SlaState.DUE
    assert rules.deadline("one_on_one", SCORED,
                          now=SCORED + timedelta(days=7, minutes=1)).state is SlaState.OVERDUE


def test_delivered_in_time_or_late() -> None:
    done = rules.deadline("feedback", SCORED, now=SCORED + timedelta(days=30),
                          done_at=SCORED + timedelta(hours=10))
    assert done.state is SlaState.DONE and not done.is_open
    late = rules.deadline("feedback", SCORED, now=SCORED + timedelta(days=30),
                          done_at=SCORED + timedelta(hours=49))
    assert late.state is SlaState.LATE and not late.is_open
    assert rules.describe_left(late, SCORED) == "done late"


def test_deadline_across_dst_is_elapsed_time_and_shows_local() -> None:
    """Scored 10:00 Berlin (CET) on Friday; DST starts Sunday; due 48 elapsed hours later,
    which is 11:00 CEST on Sunday in Berlin — not 10:00."""
    item = rules.deadline("feedback", SCORED, now=SCORED)
    local = rules.local_time(item.due_at, "Europe/Berlin")
    assert (local.day, local.hour, local.tzname()) == (29, 11, "CEST")
    assert rules.local_time(SCORED, "Europe/Berlin").hour == 10


def test_offsets_other_than_utc_are_normalised() -> None:
    from zoneinfo import ZoneInfo

    scored_ny = SCORED.astimezone(ZoneInfo("America/New_York"))
    assert rules.deadline("feedback", scored_ny, now=SCORED).due_at == \
        SCORED + timedelta(hours=48)
    assert rules.deadline("feedback", scored_ny, now=SCORED).due_at.tzinfo == UTC


def test_naive_datetimes_and_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        rules.deadline("feedback", SCORED.replace(tzinfo=None), now=SCORED)
    with pytest.raises(ValueError, match="timezone-aware"):
        rules.deadline("feedback", SCORED, now=SCORED.replace(tzinfo=None))
    with pytest.raises(ValueError, match="unknown deadline kind"):
        rules.deadline("lunch", SCORED, now=SCORED)


def test_unknown_zone_falls_back_to_utc() -> None:
    assert rules.local_time(SCORED, "Mars/Olympus").utcoffset() == timedelta(0)


def test_describe_left() -> None:
    item = rules.deadline("feedback", SCORED, now=SCORED)
    assert rules.describe_left(item, SCORED + timedelta(hours=43)) == "due in 5 h"
    assert rules.describe_left(item, SCORED + timedelta(hours=48 + 51)) == \
        "overdue by 2 days 3 h"
    assert rules.describe_left(item, SCORED + timedelta(hours=48 + 24)) == "overdue by 1 day 0 h"


@given(st.integers(min_value=0, max_value=60 * 24 * 30))
def test_open_state_flips_exactly_at_the_deadline(minutes: int) -> None:
    now = SCORED + timedelta(minutes=minutes)
    for kind, within in (("feedback", rules.FEEDBACK_WITHIN),
                         ("one_on_one", rules.ONE_ON_ONE_WITHIN)):
        item = rules.deadline(kind, SCORED, now=now)
        assert (item.state is SlaState.OVERDUE) == (now - SCORED > within)
        assert (rules.time_left(item, now) < timedelta(0)) == (item.state is SlaState.OVERDUE)


# --- triads ------------------------------------------------------------------------------------


def test_round_validation() -> None:
    ok = {"coach": 1, "client": 2, "observer": 3}
    assert rules.validate_round((1, 2, 3), ok) == []
    assert rules.validate_round((1, 1, 3), ok) == ["A triad is three different trainees."]
    assert rules.validate_round((1, 2), ok) == ["A triad is three different trainees."]
    assert rules.validate_round((1, 2, 3), {"coach": 1, "client": 2}) == \
        ["Each round needs a coach, a client and an observer."]
    assert rules.validate_round((1, 2, 3), {"coach": 1, "client": 1, "observer": 3}) == \
        ["Each trainee plays exactly one role in a round."]
    assert rules.validate_round((1, 2, 3), {"coach": 1, "client": 2, "observer": 9}) == \
        ["Only the triad's own members may play its roles."]


@given(st.permutations([11, 22, 33]))
def test_three_suggested_rounds_give_everyone_every_role(members: list[int]) -> None:
    triad = (members[0], members[1], members[2])
    past: list[dict[str, int]] = []
    for _ in range(3):
        suggestion = rules.suggest_next_round(triad, past)
        assert rules.validate_round(triad, suggestion) == []
        past.append(suggestion)
    assert rules.roles_missing(triad, past) == {m: [] for m in triad}


@given(st.lists(st.sampled_from(list(permutations((1, 2, 3)))), max_size=4))
def test_suggestion_always_fills_the_least_played_roles(history: list[tuple[int, ...]]) -> None:
    past = [dict(zip(rules.TRIAD_ROLES, p, strict=True)) for p in history]
    suggestion = rules.suggest_next_round((1, 2, 3), past)
    assert rules.validate_round((1, 2, 3), suggestion) == []
    missing = rules.roles_missing((1, 2, 3), past)
    # Whoever still misses a role gets one they miss whenever a full permutation allows it.
    if all(missing.values()) and len(history) == 1:
        assert all(role in missing[m] for role, m in suggestion.items())


# --- gates -------------------------------------------------------------------------------------

ALL_MET = GateFacts(session_scored=True, hours_on_track=True, hours_targets_met=True,
                    independent_review_passed=True, capstone_passed=True)


def test_midpoint_checklist() -> None:
    items = rules.checklist(Gate.MIDPOINT, ALL_MET)
    assert [i.key for i in items] == ["session_scored", "hours_on_track"]
    assert rules.decision_problems(Gate.MIDPOINT, "proceed", items) == []
    assert rules.decision_problems(Gate.MIDPOINT, "extra_supervision", items) == []


def test_final_checklist_lists_unmet_items() -> None:
    facts = GateFacts(session_scored=True, hours_on_track=True, hours_targets_met=False,
                      independent_review_passed=False, capstone_passed=True)
    items = rules.checklist(Gate.FINAL, facts)
    problems = rules.decision_problems(Gate.FINAL, "passed", items)
    assert len(problems) == 2
    assert any("master coach who is not" in p for p in problems)
    assert any("hour targets" in p for p in problems)


def test_unknown_outcome_is_refused() -> None:
    items = rules.checklist(Gate.FINAL, ALL_MET)
    assert rules.decision_problems(Gate.FINAL, "proceed", items) == \
        ["Choose one of: Passed, Not passed."]
    assert rules.is_passing(Gate.FINAL, "passed")
    assert not rules.is_passing(Gate.FINAL, "proceed")
    assert not rules.is_passing(Gate.FINAL, "not_passed")


@given(st.lists(st.booleans(), min_size=5, max_size=5))
def test_a_passing_decision_needs_every_item_met(flags: list[bool]) -> None:
    facts = GateFacts(*flags)
    for gate in Gate:
        items = rules.checklist(gate, facts)
        passing, other = rules.OUTCOMES[gate]
        assert rules.is_passing(gate, passing) and not rules.is_passing(gate, other)
        assert (rules.decision_problems(gate, passing, items) == []) == \
            all(i.met for i in items)
        assert len(rules.decision_problems(gate, passing, items)) == \
            sum(1 for i in items if not i.met)
        # Extra supervision / not passed is the master coach's call, checklist or not.
        assert rules.decision_problems(gate, other, items) == []
        assert rules.met_count(items) == (sum(1 for i in items if i.met), len(items))


def test_unmet_midpoint_allows_extra_supervision_only() -> None:
    facts = GateFacts(session_scored=True, hours_on_track=False, hours_targets_met=False,
                      independent_review_passed=False, capstone_passed=False,
                      hours_detail="4 of 10 coached h")
    items = rules.checklist(Gate.MIDPOINT, facts)
    assert items[1].detail == "4 of 10 coached h"
    assert rules.decision_problems(Gate.MIDPOINT, "proceed", items) == [
        "Not yet met: Verified hours on track for the practicum window."]
    assert rules.decision_problems(Gate.MIDPOINT, "extra_supervision", items) == []
    assert rules.decision_problems(Gate.MIDPOINT, "", items) == [
        "Choose one of: Proceed, Extra supervision."]


def test_hours_on_track_is_half_the_minimum_targets() -> None:
    assert rules.hours_on_track(10, 5)
    assert not rules.hours_on_track(9.5, 5)
    assert not rules.hours_on_track(10, 4.9)
