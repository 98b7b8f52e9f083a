"""Calibration statistics: reference values from published worked examples, an independent
computation of the weighted kappa, and properties (hypothesis)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.calibration.domain import (
    MarkPair,
    add_months,
    agreement_with_gold,
    cohen_kappa,
    drift_by_quarter,
    is_calibrated,
    krippendorff_alpha,
    normalise,
    quarter_of,
    severity,
    severity_chart,
)
from coachprog.rubrics.domain import ScaleKind

# --- Krippendorff's alpha against published values ---------------------------------------------

# Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability". Annenberg School for
# Communication, University of Pennsylvania, https://repository.upenn.edu/asc_papers/43 —
# example C: four observers (A–D) mark twelve units on values 1–5, with missing data ("."):
EXAMPLE_C = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def _units(rows: dict[str, list[int | None]]) -> dict[int, dict[str, int]]:
    length = len(next(iter(rows.values())))
    return {unit: {rater: values[unit] for rater, values in rows.items()
                   if values[unit] is not None}
            for unit in range(length)}


def test_krippendorff_alpha_ordinal_matches_krippendorffs_worked_example():
    """Krippendorff (2011), example C, ordinal metric: alpha = 0.815. The same matrix and value
    are in the `krippendorff` package's own tests (pln-fing-udelar/fast-krippendorff,
    tests/test_krippendorff.py::test_ordinal_metric)."""
    assert krippendorff_alpha(_units(EXAMPLE_C), "ordinal") == pytest.approx(0.815, abs=5e-4)


def test_krippendorff_alpha_nominal_matches_krippendorffs_worked_example():
    """Krippendorff (2011), example C, nominal metric: alpha = 0.743."""
    assert krippendorff_alpha(_units(EXAMPLE_C), "nominal") == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_binary_matches_krippendorffs_two_observer_example():
    """Krippendorff (2011), example A: binary data, two observers, ten units: alpha = 0.095."""
    rows = {"A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
            "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]}
    assert krippendorff_alpha(_units(rows), "nominal") == pytest.approx(0.095, abs=5e-4)


def test_krippendorff_alpha_ignores_units_only_one_rater_marked():
    """Unit 12 of example C has one mark only: dropping it changes nothing."""
    units = _units(EXAMPLE_C)
    trimmed = {unit: marks for unit, marks in units.items() if len(marks) > 1}
    assert krippendorff_alpha(units, "ordinal") == krippendorff_alpha(trimmed, "ordinal")


def test_krippendorff_alpha_is_none_without_two_raters_on_a_unit():
    assert krippendorff_alpha({}, "ordinal") is None
    assert krippendorff_alpha({1: {"A": 3}, 2: {"B": 4}}, "ordinal") is None


def test_krippendorff_alpha_is_one_when_every_mark_is_the_same():
    assert krippendorff_alpha({1: {"A": 4, "B": 4}, 2: {"A": 4, "B": 4}}, "ordinal") == 1.0
    assert krippendorff_alpha({1: {"A": 1, "B": 1}}, "nominal") == 1.0


def test_krippendorff_alpha_ordinal_uses_the_whole_1_to_5_scale():
    """Raters who disagree by one level agree more than raters four levels apart."""
    near = {1: {"A": 2, "B": 3}, 2: {"A": 4, "B": 4}, 3: {"A": 1, "B": 1}, 4: {"A": 5, "B": 5}}
    far = {1: {"A": 1, "B": 5}, 2: {"A": 4, "B": 4}, 3: {"A": 1, "B": 1}, 4: {"A": 5, "B": 5}}
    assert krippendorff_alpha(near, "ordinal") > krippendorff_alpha(far, "ordinal")


# --- Cohen's kappa against published values and a hand computation ---------------------------


def test_unweighted_kappa_matches_the_published_yes_no_example():
    """The worked example of Wikipedia's "Cohen's kappa" article: 50 proposals, both readers
    say yes to 20 and no to 15, A yes/B no on 5, A no/B yes on 10: p_o = 0.7, p_e = 0.5,
    kappa = 0.4."""
    reader_a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    reader_b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert cohen_kappa(reader_a, reader_b, weights="unweighted") == pytest.approx(0.4)


@pytest.mark.parametrize(("first", "second", "expected"), [
    ([1, 2, 3], [1, 2, 3], 1.0),
    ([1, 2, 1], [1, 2, 2], 0.4),
    ([1, 2, 3, 1, 2, 2, 3], [1, 2, 3, 1, 2, 3, 2], 0.75),
])
def test_quadratic_kappa_matches_the_reference_implementation(first, second, expected):
    """Reference values of Kaggle's quadratic weighted kappa (benhamner/Metrics, Python
    `ml_metrics` tests, test_quadratic_weighted_kappa)."""
    assert cohen_kappa(first, second) == pytest.approx(expected)


def test_quadratic_kappa_by_hand():
    """first = [1, 2, 3], second = [2, 2, 3].
    Observed: squared differences 1, 0, 0 → mean 1/3.
    Chance: all nine pairs (first_i − second_j)²: from 1: 1+1+4, from 2: 0+0+1, from 3: 1+1+0
    → 9/9 = 1. Kappa = 1 − (1/3)/1 = 2/3."""
    assert cohen_kappa([1, 2, 3], [2, 2, 3]) == pytest.approx(2 / 3)


def test_quadratic_kappa_weighs_a_far_disagreement_more_than_a_near_one():
    gold = [1, 2, 3, 4, 5, 3]
    near = [1, 2, 3, 4, 5, 4]
    far = [1, 2, 3, 4, 5, 1]
    assert cohen_kappa(near, gold) > cohen_kappa(far, gold)
    # Unweighted, both are one disagreement out of six.
    assert cohen_kappa(near, gold, weights="unweighted") == pytest.approx(
        cohen_kappa(far, gold, weights="unweighted"), abs=0.05)


def test_kappa_edge_cases():
    assert cohen_kappa([], []) is None
    # No variance at all: the two raters gave one and the same mark everywhere.
    assert cohen_kappa([3, 3, 3], [3, 3, 3]) == 1.0
    # Gold has no variance but the rater does: no agreement beyond chance.
    assert cohen_kappa([3, 4, 2], [3, 3, 3]) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="same units"):
        cohen_kappa([1, 2], [1])


def test_kappa_below_zero_for_systematic_disagreement():
    assert cohen_kappa([1, 5, 1, 5], [5, 1, 5, 1]) < 0


def _kappa_from_moments(first: list[float], second: list[float]) -> float:
    """Independent route to quadratic weighted kappa: 2·cov / (var_a + var_b + (mean_a −
    mean_b)²), population moments (Fleiss & Cohen 1973's link to the intraclass correlation)."""
    n = len(first)
    mean_a, mean_b = sum(first) / n, sum(second) / n
    cov = sum((a - mean_a) * (b - mean_b) for a, b in zip(first, second, strict=True)) / n
    var_a = sum((a - mean_a) ** 2 for a in first) / n
    var_b = sum((b - mean_b) ** 2 for b in second) / n
    return 2 * cov / (var_a + var_b + (mean_a - mean_b) ** 2)


levels = st.integers(min_value=1, max_value=5)
paired = st.lists(st.tuples(levels, levels), min_size=1, max_size=40)


@given(paired)
def test_quadratic_kappa_agrees_with_the_moment_formula(pairs):
    first = [float(a) for a, _ in pairs]
    second = [float(b) for _, b in pairs]
    expected_chance = sum((a - b) ** 2 for a in first for b in second)
    if expected_chance == 0:
        assert cohen_kappa(first, second) == 1.0
        return
    assert cohen_kappa(first, second) == pytest.approx(_kappa_from_moments(first, second),
                                                       abs=1e-9)


@given(paired, st.sampled_from(["quadratic", "unweighted"]))
def test_kappa_is_symmetric(pairs, weights):
    first = [a for a, _ in pairs]
    second = [b for _, b in pairs]
    assert cohen_kappa(first, second, weights=weights) == pytest.approx(
        cohen_kappa(second, first, weights=weights), abs=1e-12)


@given(st.lists(levels, min_size=2, max_size=40).filter(lambda v: len(set(v)) > 1),
       st.sampled_from(["quadratic", "unweighted"]))
def test_kappa_is_one_for_identical_ratings_with_variance(values, weights):
    assert cohen_kappa(values, list(values), weights=weights) == pytest.approx(1.0)


@given(paired)
def test_kappa_never_exceeds_one(pairs):
    value = cohen_kappa([a for a, _ in pairs], [b for _, b in pairs])
    assert value is not None
    assert value <= 1.0 + 1e-12


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=40))
def test_quadratic_kappa_on_binary_marks_is_the_unweighted_kappa(pairs):
    first = [a for a, _ in pairs]
    second = [b for _, b in pairs]
    assert cohen_kappa(first, second) == pytest.approx(
        cohen_kappa(first, second, weights="unweighted"), abs=1e-12)


# --- alpha properties ---------------------------------------------------------------------------


@given(st.dictionaries(st.integers(0, 12), st.dictionaries(st.sampled_from("ABCD"), levels,
                                                           max_size=4), max_size=12),
       st.sampled_from(["ordinal", "nominal"]))
def test_alpha_lies_between_minus_one_and_one(units, level):
    if level == "nominal":
        units = {u: {r: v % 2 for r, v in marks.items()} for u, marks in units.items()}
    value = krippendorff_alpha(units, level)
    assert value is None or -1.0 <= value <= 1.0


# --- severity -----------------------------------------------------------------------------------


def test_severity_is_the_mean_signed_deviation():
    assert severity([0.75, 0.5, 1.0], [0.5, 0.5, 0.5]) == pytest.approx(0.25)
    assert severity([], []) is None


@given(st.lists(st.tuples(levels, st.integers(0, 2)), min_size=1, max_size=30))
def test_severity_sign_follows_the_direction_of_disagreement(pairs):
    gold = [normalise(ScaleKind.LEVELS, g) for g, _ in pairs]
    lenient = [normalise(ScaleKind.LEVELS, min(5, g + up)) for g, up in pairs]
    severe = [normalise(ScaleKind.LEVELS, max(1, g - down)) for g, down in pairs]
    assert severity(lenient, gold) >= 0
    assert severity(severe, gold) <= 0
    if any(lenient_mark > gold_mark for lenient_mark, gold_mark in zip(lenient, gold,
                                                                        strict=True)):
        assert severity(lenient, gold) > 0


def test_normalise_refuses_marks_off_the_scale():
    assert normalise(ScaleKind.LEVELS, 3) == 0.5
    assert normalise(ScaleKind.BINARY, 1) == 1.0
    for scale, value in ((ScaleKind.LEVELS, 0), (ScaleKind.LEVELS, 6), (ScaleKind.BINARY, 2)):
        with pytest.raises(ValueError, match=r"scale|binary"):
            normalise(scale, value)


# --- agreement with gold (pooled over both scales) ----------------------------------------------


def test_agreement_with_gold_pools_scales_on_the_normalised_scale():
    pairs = [MarkPair(ScaleKind.LEVELS, 4, 3), MarkPair(ScaleKind.LEVELS, 2, 2),
             MarkPair(ScaleKind.LEVELS, 5, 5), MarkPair(ScaleKind.BINARY, 1, 1),
             MarkPair(ScaleKind.BINARY, 0, 1)]
    result = agreement_with_gold(pairs)
    rater = [0.75, 0.25, 1.0, 1.0, 0.0]
    gold = [0.5, 0.25, 1.0, 1.0, 1.0]
    assert result.kappa == pytest.approx(cohen_kappa(rater, gold))
    assert result.kappa_levels == pytest.approx(cohen_kappa([4, 2, 5], [3, 2, 5]))
    assert result.kappa_binary == pytest.approx(cohen_kappa([1, 0], [1, 1],
                                                            weights="unweighted"))
    assert result.severity == pytest.approx((0.25 + 0 + 0 + 0 - 1) / 5)
    assert result.marks == 5


def test_agreement_with_gold_without_marks_is_not_enough_data():
    result = agreement_with_gold([])
    assert (result.kappa, result.kappa_levels, result.kappa_binary, result.severity) == (
        None, None, None, None)


# --- the calibration rule -----------------------------------------------------------------------


@pytest.mark.parametrize(("kappa", "scored", "total", "expected"), [
    (0.6, 3, 3, True),  # exactly the threshold counts
    (0.6 - 1e-12, 3, 3, True),  # floating-point noise is not a failure
    (0.599, 3, 3, False),
    (0.95, 2, 3, False),  # an item left unscored
    (None, 3, 3, False),
    (1.0, 0, 0, False),  # an exercise without items decides nothing
])
def test_is_calibrated(kappa, scored, total, expected):
    assert is_calibrated(kappa, items_scored=scored, items_total=total,
                         threshold=0.6) is expected


@pytest.mark.parametrize(("start", "months", "expected"), [
    ("2026-03-15T10:00:00", 12, "2027-03-15T10:00:00"),
    ("2024-02-29T00:00:00", 12, "2025-02-28T00:00:00"),
    ("2026-01-31T08:30:00", 1, "2026-02-28T08:30:00"),
    ("2026-11-30T00:00:00", 3, "2027-02-28T00:00:00"),
    ("2026-05-01T00:00:00", 0, "2026-05-01T00:00:00"),
])
def test_add_months(start, months, expected):
    begin = datetime.fromisoformat(start).replace(tzinfo=UTC)
    assert add_months(begin, months) == datetime.fromisoformat(expected).replace(tzinfo=UTC)


# --- drift --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("moment", "quarter"), [
    (datetime(2026, 1, 1, tzinfo=UTC), "2026-Q1"),
    (datetime(2026, 3, 31, 23, 59, tzinfo=UTC), "2026-Q1"),
    (datetime(2026, 4, 1, tzinfo=UTC), "2026-Q2"),
    (datetime(2026, 10, 1, tzinfo=UTC), "2026-Q4"),
    # 00:30 on 1 January in UTC+1 is still 2026 in UTC.
    (datetime(2027, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "2026-Q4"),
])
def test_quarter_of(moment, quarter):
    assert quarter_of(moment) == quarter


def test_drift_by_quarter_averages_per_rater_and_quarter_in_time_order():
    outcomes = [
        (1, datetime(2026, 11, 3, tzinfo=UTC), 0.8, 0.6),
        (1, datetime(2026, 12, 1, tzinfo=UTC), 0.7, 0.7),
        (1, datetime(2026, 2, 1, tzinfo=UTC), 0.4, 0.6),
        (2, datetime(2026, 11, 9, tzinfo=UTC), 0.5, 0.75),
    ]
    drift = drift_by_quarter(outcomes)
    assert [(q.quarter, round(q.mean_deviation, 6), q.assessments) for q in drift[1]] == [
        ("2026-Q1", -0.2, 1), ("2026-Q4", 0.1, 2)]
    assert [(q.quarter, q.mean_deviation, q.assessments) for q in drift[2]] == [
        ("2026-Q4", -0.25, 1)]
    assert drift_by_quarter([]) == {}


# --- the chart ----------------------------------------------------------------------------------


def test_severity_chart_draws_lenient_bars_right_and_severe_bars_left_of_zero():
    chart = severity_chart([("Ana", 0.2), ("Bo", -0.1), ("Cy", 0.0)])
    ana, bo, cy = chart.bars
    assert chart.limit == pytest.approx(0.2)
    assert ana.x == chart.zero_x and ana.lenient
    assert bo.x + bo.width == pytest.approx(chart.zero_x) and not bo.lenient
    assert ana.width == pytest.approx(2 * bo.width)
    assert cy.width == 0
    assert ana.x + ana.width <= chart.width
    assert bo.x >= chart.label_width
    assert ana.y < bo.y < cy.y


def test_severity_chart_axis_has_a_minimum_range():
    chart = severity_chart([("Ana", 0.01)])
    assert chart.limit == pytest.approx(0.1)
    assert math.isfinite(chart.bars[0].width)
    assert severity_chart([]).bars == ()
