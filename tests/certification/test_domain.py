"""Certification rules without the app: criteria evaluation, clocks (due, due-soon, lapsed,
renewed) with an injected 'today', the two-person rule and the override rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.certification import domain as d

CRITERIA = (
    d.CriterionSpec("final_review", "Final review passed", "final_review_passed"),
    d.CriterionSpec("hours", "100 hours", "coached_hours", minimum=100),
)


def test_evaluate_met_and_unmet_with_minimum():
    ev = d.evaluate(CRITERIA, {"final_review": d.Measurement(True, url="/x"),
                               "hours": d.Measurement(99.5)})
    assert [r.met for r in ev.results] == [True, False]
    assert not ev.all_met
    assert ev.results[0].evidence_url == "/x"
    assert [r.key for r in ev.unmet] == ["hours"]
    assert d.evaluate(CRITERIA, {"final_review": d.Measurement(True),
                                 "hours": d.Measurement(100.0)}).all_met


def test_evaluate_missing_evidence_is_never_met():
    ev = d.evaluate(CRITERIA, {"final_review": d.Measurement(None)})
    assert not ev.all_met
    assert all(not r.available for r in ev.results)
    assert "not available" in ev.results[1].detail
    assert ev.snapshot()[0]["met"] is False


def test_audits_meet_standard_needs_the_last_n():
    assert d.audits_meet_standard(["meets_standard"] * 3, 3)
    assert not d.audits_meet_standard(["meets_standard"] * 2, 3)
    assert not d.audits_meet_standard(["meets_standard", "needs_development",
                                       "meets_standard"], 3)


def test_due_date_default_twelve_months_and_clamped():
    assert d.due_date(date(2026, 3, 15)) == date(2027, 3, 15)
    assert d.due_date(date(2024, 2, 29)) == date(2025, 2, 28)
    assert d.due_date(date(2026, 1, 31), 13) == date(2027, 2, 28)
    assert d.due_date(date(2026, 1, 1), 18) == date(2027, 7, 1)


@pytest.mark.parametrize("months", [11, 19, 0])
def test_due_date_refuses_cycles_outside_12_to_18(months):
    with pytest.raises(ValueError, match="12–18"):
        d.due_date(date(2026, 1, 1), months)


def test_clock_due_soon_thresholds_and_lapse():
    due = date(2027, 1, 1)
    assert d.clock_state(due, due - timedelta(days=61)) is d.ClockState.CURRENT
    assert d.clock_state(due, due - timedelta(days=60)) is d.ClockState.DUE_SOON
    assert d.clock_state(due, due) is d.ClockState.DUE_SOON
    assert d.clock_state(due, due + timedelta(days=1)) is d.ClockState.OVERDUE
    assert d.next_status("active", due, due) == "active"
    assert d.next_status("active", due, due + timedelta(days=1)) == "lapsed"
    assert d.next_status("revoked", due, due + timedelta(days=99)) == "revoked"


def test_reminders_due_once_each_and_catch_up():
    due = date(2027, 1, 1)
    assert d.reminders_due(due, due - timedelta(days=61), ()) == ()
    assert d.reminders_due(due, due - timedelta(days=60), ()) == (60,)
    assert d.reminders_due(due, due - timedelta(days=59), (60,)) == ()
    # A tick that missed the 60-day mark reports both thresholds at once.
    assert d.reminders_due(due, due - timedelta(days=20), ()) == (60, 30)
    assert d.reminders_due(due, due - timedelta(days=7), (60, 30)) == (7,)
    assert d.reminders_due(due, due + timedelta(days=1), ()) == ()


def test_renewal_keeps_early_time_and_restarts_late():
    due = date(2027, 1, 1)
    assert d.renewed_due_date(due, date(2026, 12, 1)) == date(2028, 1, 1)
    assert d.renewed_due_date(due, date(2027, 3, 10)) == date(2028, 3, 10)


def test_display_status():
    due = date(2027, 1, 1)
    assert d.display_status("active", due, due) is d.DisplayStatus.VALID
    assert d.display_status("active", due, due + timedelta(days=1)) is d.DisplayStatus.LAPSED
    assert d.display_status("lapsed", due, due) is d.DisplayStatus.LAPSED
    assert d.display_status("revoked", due, due) is d.DisplayStatus.REVOKED
    assert d.display_status("superseded", due, due) is d.DisplayStatus.EXPIRED


def test_two_person_rule():
    empty = d.Approvals()
    ok = d.approval_problems(empty, actor_user_id=1, actor_roles={"master_coach", "admin"},
                             capacity=d.ApproverRole.MASTER_COACH, subject_user_id=9)
    assert ok == []
    after_master = d.Approvals(master_coach_user_id=1)
    same = d.approval_problems(after_master, actor_user_id=1,
                               actor_roles={"master_coach", "admin"},
                               capacity=d.ApproverRole.ADMIN, subject_user_id=9)
    assert any("two different people" in p for p in same)
    other = d.approval_problems(after_master, actor_user_id=2, actor_roles={"admin"},
                                capacity=d.ApproverRole.ADMIN, subject_user_id=9)
    assert other == []
    assert d.Approvals(1, 2).complete
    assert not d.Approvals(1, 1).complete
    wrong_role = d.approval_problems(empty, actor_user_id=3, actor_roles={"lead_coach"},
                                     capacity=d.ApproverRole.MASTER_COACH, subject_user_id=9)
    assert wrong_role == ["This approval is given by a master coach."]
    own = d.approval_problems(empty, actor_user_id=9, actor_roles={"admin"},
                              capacity=d.ApproverRole.ADMIN, subject_user_id=9)
    assert "Nobody approves their own certification." in own


def test_override_rules():
    unmet = d.evaluate(CRITERIA, {})
    assert d.completion_problems(unmet, override=False, override_reason=None)
    assert d.completion_problems(unmet, override=True, override_reason="short")
    assert d.completion_problems(unmet, override=True,
                                 override_reason="Hours logged on paper, checked") == []
    assert d.override_problems(actor_roles={"master_coach"}, reason="a" * 20) == [
        "Only an admin may override unmet criteria."]
    assert d.override_problems(actor_roles={"admin"}, reason="Long enough reason") == []


def test_level_entry_needs_the_level_below():
    senior = d.LevelSpec("senior_coach", "Senior Coach", CRITERIA, "certified_internal_coach")
    assert d.level_entry_problems(senior, ["certified_internal_coach"]) == []
    assert d.level_entry_problems(senior, []) and d.level_entry_problems(
        senior, ["certified_internal_coach", "senior_coach"])


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(start=dates, months=st.integers(12, 18))
def test_property_due_date_is_months_later(start, months):
    due = d.due_date(start, months)
    assert d.whole_months_between(start, due) == months
    assert 365 <= (due - start).days <= 18 * 31


@given(due=dates, offset=st.integers(-400, 400))
def test_property_clock_and_status_agree(due, offset):
    today = due + timedelta(days=offset)
    state = d.clock_state(due, today)
    lapsed = d.next_status("active", due, today) == "lapsed"
    assert lapsed == (state is d.ClockState.OVERDUE)
    assert (d.display_status("active", due, today) is d.DisplayStatus.LAPSED) == lapsed


@given(due=dates, days=st.lists(st.integers(-5, 90), min_size=1, max_size=40))
def test_property_ticks_never_send_a_threshold_twice(due, days):
    sent: list[int] = []
    for offset in sorted(set(days), reverse=True):
        sent.extend(d.reminders_due(due, due - timedelta(days=offset), sent))
    assert len(sent) == len(set(sent))
    assert set(sent) <= set(d.DEFAULT_REMINDER_DAYS)
