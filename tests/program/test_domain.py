"""Charter, gates and group aggregates: pure rules."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from coachprog.program.charter import domain as charter
from coachprog.program.charter.domain import Outcome
from coachprog.program.metrics import domain as metrics


def test_criteria_are_parsed_and_evaluated_go_iterate_stop() -> None:
    criteria, problems = charter.parse_criteria(
        "sessions_per_leader >= 4, stop < 2\n\nkpi_improvement_pct >= 5")
    assert problems == []
    sessions, kpi = criteria
    assert sessions.text() == "sessions_per_leader >= 4, stop < 2"
    assert [sessions.evaluate(v) for v in (5, 3, 1, None)] == [
        Outcome.GO, Outcome.ITERATE, Outcome.STOP, Outcome.NO_DATA]
    assert kpi.evaluate(-3) is Outcome.ITERATE  # no stop line: not met means iterate
    assert charter.criterion_from_dict(sessions.as_dict()) == sessions


def test_bad_criteria_are_refused_in_words_naming_the_line() -> None:
    _, problems = charter.parse_criteria("sessions >= 4\nleaders_coached => 3\n"
                                         "fidelity_pct >= 80, stop > 90")
    assert problems[0].startswith("Line 1: 'sessions' is not a measure")
    assert problems[1].startswith("Line 2: write it as")
    assert problems[2].startswith("Line 3: the stop line must lie on the failing side")
    assert charter.parse_criteria("  ")[1] == [
        "Write at least one criterion before the data arrives."]


def test_gate_outcome_any_stop_stops_all_go_goes() -> None:
    assert charter.gate_outcome([Outcome.GO, Outcome.GO]) is Outcome.GO
    assert charter.gate_outcome([Outcome.GO, Outcome.ITERATE]) is Outcome.ITERATE
    assert charter.gate_outcome([Outcome.NO_DATA, Outcome.STOP]) is Outcome.STOP
    assert charter.gate_outcome([Outcome.GO, Outcome.NO_DATA]) is Outcome.NO_DATA
    assert charter.gate_outcome([]) is Outcome.NO_DATA


def test_gates_lock_when_the_pilot_starts_and_changes_then_need_a_reason() -> None:
    start = date(2026, 8, 1)
    assert not charter.is_locked(None, date(2026, 9, 1))
    assert not charter.is_locked(start, date(2026, 7, 31))
    assert charter.is_locked(start, start)
    assert charter.change_problems(locked=False, reason="") == []
    assert charter.change_problems(locked=True, reason="because")  # too short
    assert charter.change_problems(locked=True, reason="The KPI source changed format.") == []


def test_cohort_sizes_and_coach_time_share() -> None:
    assert charter.cohort_problems(charter.Phase.PILOT, 30) == []
    assert charter.cohort_problems(charter.Phase.PILOT, 60)
    assert charter.cohort_problems(charter.Phase.EXPANSION, 99)
    assert charter.coach_share_problems(0.15) == []
    assert charter.coach_share_problems(0.25)
    assert charter.missing_before_scaling({"baseline_verified": True}) == [
        label for key, label in charter.CHECKLIST.items() if key != "baseline_verified"]


def test_csv_rows_are_parsed_or_refused_by_line() -> None:
    good = metrics.parse_observations(
        b"employee_id,group,tier,metric,date,value,department\n"
        b"E1,coached,3,cycle_days,2026-01-15,12.5,Sales\n")
    assert good.problems == []
    assert good.rows[0].value == 12.5 and good.rows[0].department == "Sales"
    bad = metrics.parse_observations(
        b"employee_id,group,tier,metric,date,value\n,other,4,m,15/01/2026,x\n")
    assert bad.problems == [
        "Line 2: employee_id is empty; group must be coached or comparison, not 'other'; "
        "tier must be 2 or 3, not '4'; date must be YYYY-MM-DD, not '15/01/2026'; value must "
        "be a number, not 'x'."]
    assert metrics.parse_observations(b"a,b\n1,2\n").problems[0].startswith(
        "Line 1: the header lacks")


def test_pseudonyms_are_keyed_and_stable() -> None:
    assert metrics.pseudonym("k", "E1") == metrics.pseudonym("k", " E1 ")
    assert metrics.pseudonym("k", "E1") != metrics.pseudonym("other key", "E1")
    assert "E1" not in metrics.pseudonym("k", "E1")


def _figures(n: int) -> metrics.GroupFigures:
    return metrics.group_figures([(10.0, 9.0)] * n)


def test_small_group_is_withheld_with_a_complement_so_subtraction_gives_nothing() -> None:
    figures = {"Sales": _figures(10), "Legal": _figures(8), "Finance": _figures(3)}
    out = metrics.suppressed_groups(figures, _figures(21))
    shown = {g["key"]: g["n"] for g in out["groups"] if not g.get("suppressed")}
    withheld = [g["key"] for g in out["groups"] if g.get("suppressed")]
    assert shown == {"Sales": 10}
    assert withheld == ["Finance", "Legal"]  # label order, not size order
    # Total minus the shown groups is 11: Finance and Legal together, neither alone.
    assert out["total"]["n"] - sum(shown.values()) == 11
    assert all("n" not in g for g in out["groups"] if g.get("suppressed"))


def test_total_goes_too_when_it_would_give_a_withheld_group_away() -> None:
    out = metrics.suppressed_groups({"Sales": _figures(3)}, _figures(3))
    assert out == {"groups": [{"key": "Sales", "suppressed": True}],
                   "total": {"suppressed": True}}


def test_no_data_counts_as_no_change_in_a_group_mean() -> None:
    f = metrics.group_figures([(10.0, 8.0), None])
    assert (f.n, f.with_data, f.change) == (2, 1, -1.0)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from("ABCDEFG"), st.integers(0, 12), min_size=1))
def test_no_withheld_group_can_be_derived_by_subtraction(counts: dict[str, int]) -> None:
    figures = {key: _figures(n) for key, n in counts.items()}
    total = _figures(sum(counts.values()))
    out = metrics.suppressed_groups(figures, total)
    withheld = [g["key"] for g in out["groups"] if g.get("suppressed")]
    shown = [g for g in out["groups"] if not g.get("suppressed")]
    assert all(g["n"] >= 5 for g in shown)
    if "n" in out["total"] and withheld:
        remainder = out["total"]["n"] - sum(g["n"] for g in shown)
        # Never one group alone, and never each pinned at its least (one member each).
        assert len(withheld) >= 2
        assert remainder > len(withheld)
