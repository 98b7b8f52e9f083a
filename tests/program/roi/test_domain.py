"""Phillips ROI: hand-worked counterfactuals and ranges, and the range's properties."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coachprog.program.roi import domain as roi
from coachprog.program.roi.domain import Estimate, Leader, Point

START = date(2026, 1, 1)


def _leader(key: str, before: list[float], after: list[float]) -> Leader:
    points = [Point(START - timedelta(days=30 * (i + 1)), v) for i, v in enumerate(before)]
    points += [Point(START + timedelta(days=30 * i), v) for i, v in enumerate(after)]
    return Leader(key, tuple(points))


def test_difference_in_differences_by_hand() -> None:
    # Coached: 10 → 8 (−2) and 12 → 11 (−1); a third without data after the start.
    # Comparison: both fell by 0.5. Lower is better, so the improvement is
    # −((−2 + 0.5) + (−1 + 0.5)) = 2 units; the leader without data adds 0.
    coached = [_leader("a", [10], [8]), _leader("b", [12], [11]), _leader("c", [9], [])]
    comparison = [_leader("x", [10], [9.5]), _leader("y", [11], [10.5])]
    effects = roi.difference_in_differences(coached, comparison, START, higher_is_better=False)
    assert effects.coached == (-2.0, -1.0, None)
    assert roi.total_improvement(effects.coached, effects.comparison, effects.sign) == 2.0
    result = roi.compute_roi(effects, roi.Monetisation(1000, 1000, 1000), 1000.0, draws=200)
    assert result.benefit.base == 2000.0
    assert result.percent is not None and result.percent.base == 100.0
    assert result.payback_months["base"] == 6.0
    assert (result.leaders, result.leaders_with_data) == (3, 2)


def test_trend_line_projection_by_hand() -> None:
    # Before the start: 10 at day −60, 9 at day −30 → 8 at day 0, 7 at day 30 on the trend.
    # Actual 6 at day 30: one unit better than things were going anyway.
    leader = Leader("a", (Point(START - timedelta(60), 10), Point(START - timedelta(30), 9),
                          Point(START + timedelta(30), 6)))
    assert roi.trend_line(leader.points, START) == pytest.approx((8.0, -1 / 30))
    effects = roi.trend_projection([leader], START, higher_is_better=False)
    assert effects.coached[0] == pytest.approx(-1.0)
    assert roi.total_improvement(effects.coached, (), effects.sign) == pytest.approx(1.0)


def test_a_trend_line_draw_refits_the_trend_on_the_leaders_it_drew() -> None:
    # a: 10, 9 before, 6 at day 30; b: 4, 4 before, 5 at day 30. Pooled trend: 6 − x/60,
    # 5.5 at day 30, so a is +0.5 and b −0.5. Drawing a twice refits a's own trend
    # (8 − x/30, 7 at day 30): a is −1, not the fixed trend's +0.5.
    a = Leader("a", (Point(START - timedelta(60), 10), Point(START - timedelta(30), 9),
                     Point(START + timedelta(30), 6)))
    b = Leader("b", (Point(START - timedelta(60), 4), Point(START - timedelta(30), 4),
                     Point(START + timedelta(30), 5)))
    effects = roi.trend_projection([a, b], START, higher_is_better=False)
    assert effects.coached == (pytest.approx(0.5), pytest.approx(-0.5))
    assert roi.trend_changes([a, a], START) == (pytest.approx(-1.0), pytest.approx(-1.0))
    # Lower is better: the [a, a] draw totals +2 under the refit; a fixed trend caps it at −1.
    totals = roi.bootstrap_totals(effects, draws=200)
    assert max(totals) == pytest.approx(2.0)
    fixed = roi.bootstrap_totals(roi.Effects(effects.method, effects.coached, (), effects.sign),
                                 draws=200)
    assert max(fixed) == pytest.approx(1.0)


def test_the_refit_trend_range_is_at_least_as_wide_on_noisy_data() -> None:
    rng = random.Random(5)
    leaders = [_leader(str(i), [rng.gauss(50 - 2 * k, 6) for k in range(6)],
                       [rng.gauss(40, 6) for _ in range(3)]) for i in range(12)]
    effects = roi.trend_projection(leaders, START, higher_is_better=True)
    refit = roi.improvement_range(effects)
    fixed = roi.improvement_range(roi.Effects(effects.method, effects.coached, (),
                                              effects.sign))
    assert refit.base == fixed.base
    assert refit.low <= refit.base <= refit.high
    assert refit.high - refit.low >= fixed.high - fixed.low
    assert roi.improvement_range(effects) == refit  # the fixed seed still holds


def test_participant_estimates_are_adjusted_by_contribution_and_confidence() -> None:
    effects = roi.participant_estimates([Leader("a", estimate=Estimate(3, 0.5, 0.8)),
                                         Leader("b")])
    assert effects.coached == (pytest.approx(1.2), None)


def test_methods_without_data_are_not_computable() -> None:
    with pytest.raises(roi.NotComputable):
        roi.difference_in_differences([_leader("a", [1], [2])], [], START,
                                      higher_is_better=True)
    with pytest.raises(roi.NotComputable):
        roi.trend_projection([_leader("a", [1], [2])], START, higher_is_better=True)
    with pytest.raises(roi.NotComputable):
        roi.participant_estimates([Leader("a")])


def test_fully_loaded_cost_includes_coach_time_as_opportunity_cost() -> None:
    model = roi.CostModel(training=30_000, supervision_hours=120, supervision_rate=150,
                          platform_fees=12_000, coaches=6, coach_time_share=0.15,
                          coach_loaded_cost=90_000, admin_hours=200, admin_rate=60, months=12)
    assert model.breakdown()["coach_time"] == 81_000
    assert model.fully_loaded() == 153_000


def test_first_year_benefits_only() -> None:
    money = roi.Monetisation(100, 100, 100, benefit_months=36)
    assert money.months == 12
    assert roi.benefit_range(roi.Range(1, 1, 1), money).base == 100


def test_the_lower_of_competing_estimates_is_taken() -> None:
    a = roi.compute_roi(roi.Effects(roi.Isolation.COMPARISON_GROUP, (2.0, 2.0)),
                        roi.Monetisation(10, 10, 10), 5.0, draws=50)
    b = roi.compute_roi(roi.Effects(roi.Isolation.PARTICIPANT_ESTIMATES, (1.0, 1.0)),
                        roi.Monetisation(10, 10, 10), 5.0, draws=50)
    assert roi.lower_of([a, b]) is b


def test_payback_never_when_there_is_no_benefit() -> None:
    assert roi.payback_months(100, 0) is None
    assert roi.payback_months(100, -5) is None


def test_the_same_data_gives_the_same_range() -> None:
    effects = roi.Effects(roi.Isolation.COMPARISON_GROUP, (1.0, -2.0, 3.5, None), (0.5, -0.5))
    assert roi.improvement_range(effects) == roi.improvement_range(effects)


changes = st.lists(st.floats(-20, 20, allow_nan=False) | st.none(), min_size=1, max_size=12)
controls = st.lists(st.floats(-20, 20, allow_nan=False), max_size=8)
values = st.tuples(st.floats(0, 1000), st.floats(0, 1000), st.floats(0, 1000)).map(sorted)


@settings(max_examples=60, deadline=None)
@given(coached=changes, comparison=controls, value=values, sign=st.sampled_from([1, -1]))
def test_low_never_exceeds_base_never_exceeds_high(coached, comparison, value, sign) -> None:
    effects = roi.Effects(roi.Isolation.COMPARISON_GROUP, tuple(coached), tuple(comparison),
                          sign)
    result = roi.compute_roi(effects, roi.Monetisation(value[1], value[0], value[2]), 100.0,
                             draws=100)
    assert result.improvement.low <= result.improvement.base <= result.improvement.high
    assert result.benefit.low <= result.benefit.base <= result.benefit.high
    assert result.percent is not None
    assert result.percent.low <= result.percent.base <= result.percent.high


deviations = st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=10)


@settings(max_examples=60, deadline=None)
@given(coached=deviations, comparison=deviations, centre=st.floats(-5, 5),
       k=st.floats(1, 5))
def test_the_range_widens_as_the_data_gets_noisier(coached, comparison, centre, k) -> None:
    """The same leaders with their spread around the means multiplied by k ≥ 1."""

    def spread(scale: float) -> float:
        c_mean, d_mean = roi.mean(coached), roi.mean(comparison)
        effects = roi.Effects(
            roi.Isolation.COMPARISON_GROUP,
            tuple(centre + c_mean + scale * (c - c_mean) for c in coached),
            tuple(d_mean + scale * (d - d_mean) for d in comparison))
        found = roi.improvement_range(effects, draws=100)
        return found.high - found.low

    assert spread(k) >= spread(1.0) - 1e-6


@settings(max_examples=60, deadline=None)
@given(base=st.floats(-50, 50), low_gap=st.floats(0, 50), high_gap=st.floats(0, 50),
       value=st.floats(1, 100), widen=st.floats(0, 50))
def test_the_range_widens_with_the_value_bounds(base, low_gap, high_gap, value,
                                                widen) -> None:
    improvement = roi.Range(base - low_gap, base, base + high_gap)
    narrow = roi.benefit_range(improvement, roi.Monetisation(value, value, value))
    wide = roi.benefit_range(improvement, roi.Monetisation(value, max(0.0, value - widen),
                                                           value + widen))
    assert wide.low <= narrow.low + 1e-9
    assert wide.high >= narrow.high - 1e-9
    assert wide.base == narrow.base


def test_payback_of_a_vanishing_benefit_is_no_figure_rather_than_an_error() -> None:
    # Found by the property above: 5e-324 / 12 underflows to zero.
    assert roi.payback_months(100.0, 5e-324) is None
    assert roi.payback_months(100.0, 0.0) is None
    assert roi.payback_months(1200.0, 1200.0) == 12.0


def test_the_range_is_computed_once_for_the_same_inputs() -> None:
    effects = roi.Effects(roi.Isolation.COMPARISON_GROUP, (1.0, 2.0, None), (0.5,))
    first = roi.improvement_range(effects)
    assert roi.improvement_range(
        roi.Effects(roi.Isolation.COMPARISON_GROUP, (1.0, 2.0, None), (0.5,))) is first
    assert roi.improvement_range(effects, draws=50) is not first
    assert roi.improvement_range(
        roi.Effects(roi.Isolation.COMPARISON_GROUP, (1.0, 3.0, None), (0.5,))).base != first.base
