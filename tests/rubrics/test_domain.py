"""Scoring rules of `score_assessment` and `check_marks`: unit and property tests."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from coachprog.rubrics.domain import (
    Behaviour,
    Competency,
    IncompleteMarks,
    PassRules,
    Purpose,
    Rubric,
    ScaleKind,
    check_marks,
    percent,
    percents_apart,
    score_assessment,
)

ANCHORS = {level: f"anchor {level}" for level in (1, 2, 3, 4, 5)}


def binary(bid: str, **kw) -> Behaviour:
    return Behaviour(bid, f"behaviour {bid}", ScaleKind.BINARY, **kw)


def levels(bid: str, **kw) -> Behaviour:
    return Behaviour(bid, f"behaviour {bid}", ScaleKind.LEVELS, anchors=ANCHORS, **kw)


def rubric(*competencies: Competency, threshold: float = 0.5, minimum: float = 0.0,
           required: bool = True) -> Rubric:
    return Rubric("r", 1, "R", Purpose.SESSION_REVIEW, competencies,
                  PassRules(threshold, minimum, required))


TWO = rubric(
    Competency("a", "Alpha", (binary("a1"), levels("a2"))),
    Competency("b", "Beta", (levels("b1"), binary("b2"))),
)


# --- normalisation and the weighted means ---------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(1, 0.0), (2, 0.25), (3, 0.5), (4, 0.75),
                                                 (5, 1.0)])
def test_normalise_maps_levels_onto_zero_to_one(value, expected):
    assert levels("x").normalise(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (1, 1.0)])
def test_normalise_binary_is_absent_or_present(value, expected):
    assert binary("x").normalise(value) == expected


@pytest.mark.parametrize(("behaviour", "value"), [(binary("x"), 2), (binary("x"), -1),
                                                  (levels("x"), 0), (levels("x"), 6)])
def test_normalise_refuses_values_off_the_scale(behaviour, value):
    with pytest.raises(ValueError, match="is not a mark"):
        behaviour.normalise(value)


def test_score_is_the_weighted_mean_per_competency_and_over_all_behaviours():
    result = score_assessment(TWO, {"a1": 1, "a2": 3, "b1": 5, "b2": 0})

    assert [c.score for c in result.competencies] == [0.75, 0.5]
    assert result.overall == pytest.approx((1 + 0.5 + 1 + 0) / 4)
    assert result.passed
    assert result.failed_rules == ()


def test_overall_weighs_behaviours_not_competencies():
    lopsided = rubric(Competency("a", "Alpha", (binary("a1"),)),
                      Competency("b", "Beta", (binary("b1"), binary("b2"), binary("b3"))))

    result = score_assessment(lopsided, {"a1": 1, "b1": 0, "b2": 0, "b3": 0})

    assert result.overall == 0.25  # not (1 + 0) / 2


def test_as_dict_rounds_and_lists_everything():
    result = score_assessment(TWO, {"a1": 1, "a2": 2, "b1": 2, "b2": 0})

    assert result.as_dict() == {
        "overall": 0.375, "passed": False,
        "competencies": [
            {"id": "a", "title": "Alpha", "score": 0.625, "minimum": 0.0, "passed": True},
            {"id": "b", "title": "Beta", "score": 0.125, "minimum": 0.0, "passed": True},
        ],
        "failed_rules": ["Overall 38% is below the threshold 50%"],
    }


# --- thresholds and minimums ----------------------------------------------------------------


def test_overall_exactly_at_the_threshold_passes():
    exact = rubric(Competency("a", "Alpha", (levels("a1"), levels("a2"))), threshold=0.625)

    assert score_assessment(exact, {"a1": 3, "a2": 4}).passed  # (0.5 + 0.75) / 2 = 0.625


def test_overall_just_below_the_threshold_fails_and_says_why():
    below = rubric(Competency("a", "Alpha", (levels("a1"), levels("a2"))), threshold=0.626)

    result = score_assessment(below, {"a1": 3, "a2": 4})

    assert not result.passed
    # Both would read "63%" whole: one decimal tells them apart.
    assert result.failed_rules == ("Overall 62.5% is below the threshold 62.6%",)


def test_a_failing_overall_never_reads_as_the_threshold():
    # 0.696 used to read "Overall 70% is below the threshold 70%".
    near = rubric(Competency("a", "Alpha", (binary("a1", weight=0.696),
                                            binary("a2", weight=0.304))), threshold=0.7)

    result = score_assessment(near, {"a1": 1, "a2": 0})

    assert result.failed_rules == ("Overall 69.6% is below the threshold 70.0%",)


def test_a_failing_competency_never_reads_as_its_minimum():
    near = rubric(Competency("a", "Alpha", (binary("a1", weight=0.598),
                                            binary("a2", weight=0.402))), minimum=0.6,
                  threshold=0.0)

    result = score_assessment(near, {"a1": 1, "a2": 0})

    assert result.failed_rules == ("Alpha: 59.8% is below the minimum 60.0%",)


@pytest.mark.parametrize(("value", "shown"), [(0.8125, "81%"), (0.375, "38%"), (0.625, "63%"),
                                              (0.29, "29%"), (1.0, "100%"), (0.0, "0%")])
def test_percent_reads_as_people_write_it(value, shown):
    assert percent(value) == shown


@given(st.floats(0, 1), st.floats(0, 1))
def test_percents_apart_never_shows_a_lower_value_as_high(value, limit):
    assume(limit - value >= 2e-5)  # scores are means of a few marks, never closer than this
    shown_value, shown_limit = percents_apart(value, limit)
    assert shown_value != shown_limit
    assert float(shown_value.rstrip("%")) < float(shown_limit.rstrip("%"))


def test_threshold_of_one_needs_every_mark_at_the_top():
    top = rubric(Competency("a", "Alpha", (levels("a1"), binary("a2"))), threshold=1.0)

    assert score_assessment(top, {"a1": 5, "a2": 1}).passed
    assert not score_assessment(top, {"a1": 4, "a2": 1}).passed


def test_thirds_reach_a_threshold_of_two_thirds_despite_rounding():
    thirds = rubric(Competency("a", "A", (binary("x"), binary("y"), binary("z"))),
                    threshold=2 / 3)

    assert score_assessment(thirds, {"x": 1, "y": 1, "z": 0}).passed


def test_competency_below_the_minimum_fails_even_when_overall_passes():
    strict = rubric(
        Competency("a", "Alpha", (binary("a1"), binary("a2"))),
        Competency("b", "Beta", (binary("b1"), binary("b2"), binary("b3"), binary("b4"))),
        threshold=0.5, minimum=0.6,
    )

    result = score_assessment(strict, {"a1": 1, "a2": 0, "b1": 1, "b2": 1, "b3": 1, "b4": 1})

    assert result.overall == pytest.approx(5 / 6)
    assert not result.passed
    assert result.failed_rules == ("Alpha: 50% is below the minimum 60%",)
    assert [c.passed for c in result.competencies] == [False, True]


def test_competency_exactly_at_the_minimum_passes():
    exact = rubric(Competency("a", "Alpha", (binary("a1"), binary("a2"))), threshold=0,
                   minimum=0.5)

    assert score_assessment(exact, {"a1": 1, "a2": 0}).passed


def test_a_competency_minimum_overrides_the_rubric_minimum_both_ways():
    stricter = Competency("a", "Alpha", (binary("a1"), binary("a2")), minimum=0.75)
    laxer = Competency("b", "Beta", (binary("b1"), binary("b2")), minimum=0.0)
    both = rubric(stricter, laxer, threshold=0, minimum=0.5)

    result = score_assessment(both, {"a1": 1, "a2": 0, "b1": 0, "b2": 0})

    assert [(c.id, c.minimum, c.passed) for c in result.competencies] == [
        ("a", 0.75, False), ("b", 0.0, True)]
    assert result.failed_rules == ("Alpha: 50% is below the minimum 75%",)


def test_every_failed_rule_is_listed_overall_first():
    failing = rubric(
        Competency("a", "Alpha", (binary("a1"), binary("nn", non_negotiable=True))),
        threshold=0.9, minimum=0.9,
    )

    result = score_assessment(failing, {"a1": 1, "nn": 0})

    assert result.failed_rules == (
        "Overall 50% is below the threshold 90%",
        "Alpha: 50% is below the minimum 90%",
        "Non-negotiable not met: behaviour nn",
    )


# --- non-negotiables ------------------------------------------------------------------------


def test_binary_non_negotiable_absent_fails_whatever_the_scores():
    r = rubric(Competency("a", "Alpha", (*(binary(f"x{i}") for i in range(9)),
                                         binary("nn", non_negotiable=True))), threshold=0.5)
    marks = {f"x{i}": 1 for i in range(9)}

    assert score_assessment(r, {**marks, "nn": 1}).passed
    result = score_assessment(r, {**marks, "nn": 0})
    assert result.overall == 0.9
    assert not result.passed
    assert result.failed_rules == ("Non-negotiable not met: behaviour nn",)


@pytest.mark.parametrize(("met_at", "value", "met"), [
    (3, 2, False), (3, 3, True), (4, 3, False), (4, 4, True), (5, 4, False), (5, 5, True),
    (1, 1, True),
])
def test_levels_non_negotiable_is_met_from_met_at_upwards(met_at, value, met):
    r = rubric(Competency("a", "Alpha", (levels("nn", non_negotiable=True, met_at=met_at),)),
               threshold=0)

    result = score_assessment(r, {"nn": value})

    assert result.passed is met
    assert ("Non-negotiable not met: behaviour nn" in result.failed_rules) is not met


def test_non_negotiables_can_be_switched_off():
    r = rubric(Competency("a", "Alpha", (binary("a1"), binary("nn", non_negotiable=True))),
               threshold=0.5, required=False)

    assert score_assessment(r, {"a1": 1, "nn": 0}).passed


# --- weights --------------------------------------------------------------------------------


def test_a_heavier_behaviour_moves_the_overall_more():
    even = rubric(Competency("a", "Alpha", (binary("x"), binary("y"))))
    heavy = rubric(Competency("a", "Alpha", (binary("x", weight=3), binary("y"))))

    assert score_assessment(even, {"x": 1, "y": 0}).overall == 0.5
    assert score_assessment(heavy, {"x": 1, "y": 0}).overall == 0.75
    assert score_assessment(heavy, {"x": 0, "y": 1}).overall == 0.25


def test_weights_cross_competencies_in_the_overall():
    r = rubric(Competency("a", "Alpha", (binary("x", weight=2),)),
               Competency("b", "Beta", (binary("y"), binary("z"))))

    result = score_assessment(r, {"x": 0, "y": 1, "z": 1})

    assert [c.score for c in result.competencies] == [0.0, 1.0]
    assert result.overall == 0.5


# --- check_marks ----------------------------------------------------------------------------


def test_check_marks_is_empty_for_a_complete_set():
    assert check_marks(TWO, {"a1": 0, "a2": 1, "b1": 5, "b2": 1}) == []


def test_check_marks_names_missing_unknown_and_off_scale_marks():
    problems = check_marks(TWO, {"a1": 2, "a2": 0, "zz": 1, "b2": 1, "aa": 3})

    assert problems == [
        "aa is not a behaviour of r v1",
        "zz is not a behaviour of r v1",
        "a1: 2 is not a mark on the binary scale",
        "a2: 0 is not a mark on the 1-5 scale",
        "b1 has no mark",
    ]


def test_score_refuses_incomplete_marks_with_every_problem():
    with pytest.raises(IncompleteMarks, match=r"^a2 has no mark; b1: 6 is not a mark on the "
                                              r"1-5 scale$"):
        score_assessment(TWO, {"a1": 1, "b1": 6, "b2": 0})


def test_rubric_looks_up_behaviours_and_refuses_unknown_ids():
    assert TWO.behaviour("b1").scale is ScaleKind.LEVELS
    with pytest.raises(KeyError):
        TWO.behaviour("nope")


# --- properties -----------------------------------------------------------------------------

weights = st.floats(min_value=0.1, max_value=10, allow_nan=False)


@st.composite
def behaviours(draw, prefix: str):
    count = draw(st.integers(min_value=1, max_value=4))
    made = []
    for index in range(count):
        bid = f"{prefix}{index}"
        weight = draw(weights)
        nn = draw(st.booleans())
        if draw(st.booleans()):
            made.append(binary(bid, weight=weight, non_negotiable=nn))
        else:
            made.append(levels(bid, weight=weight, non_negotiable=nn,
                               met_at=draw(st.integers(1, 5))))
    return tuple(made)


@st.composite
def rubrics(draw):
    count = draw(st.integers(min_value=1, max_value=4))
    competencies = tuple(
        Competency(f"c{i}", f"C{i}", draw(behaviours(f"c{i}b")),
                   minimum=draw(st.none() | st.floats(0, 1)))
        for i in range(count)
    )
    return rubric(*competencies, threshold=draw(st.floats(0, 1)), minimum=draw(st.floats(0, 1)),
                  required=draw(st.booleans()))


@st.composite
def rubric_and_marks(draw):
    r = draw(rubrics())
    marks = {b.id: draw(st.sampled_from(b.valid_values())) for b in r.behaviours}
    return r, marks


@given(rubric_and_marks())
def test_scores_stay_between_zero_and_one(case):
    r, marks = case
    result = score_assessment(r, marks)

    assert 0 <= result.overall <= 1
    assert all(0 <= c.score <= 1 for c in result.competencies)
    assert result.passed is (result.failed_rules == ())


@given(rubric_and_marks(), st.floats(min_value=0.01, max_value=100))
def test_scaling_every_weight_changes_nothing(case, factor):
    r, marks = case
    scaled = replace(r, competencies=tuple(
        replace(c, behaviours=tuple(replace(b, weight=b.weight * factor) for b in c.behaviours))
        for c in r.competencies))

    before, after = score_assessment(r, marks), score_assessment(scaled, marks)

    assert after.overall == pytest.approx(before.overall)
    assert [c.score for c in after.competencies] == pytest.approx(
        [c.score for c in before.competencies])


@given(rubric_and_marks(), st.data())
def test_raising_one_mark_never_lowers_the_score_nor_turns_pass_into_fail(case, data):
    r, marks = case
    behaviour = data.draw(st.sampled_from(r.behaviours))
    higher = [v for v in behaviour.valid_values() if v > marks[behaviour.id]]
    assume(higher)
    raised = {**marks, behaviour.id: data.draw(st.sampled_from(higher))}

    before, after = score_assessment(r, marks), score_assessment(r, raised)

    assert after.overall >= before.overall - 1e-12
    for b, a in zip(before.competencies, after.competencies, strict=True):
        assert a.score >= b.score - 1e-12
    assert not (before.passed and not after.passed)
    assert len(after.failed_rules) <= len(before.failed_rules)


@given(rubric_and_marks())
def test_passing_means_every_rule_holds(case):
    r, marks = case
    result = score_assessment(r, marks)

    rules_hold = (
        result.overall + 1e-9 >= r.pass_rules.overall_threshold
        and all(c.score + 1e-9 >= r.minimum_for(comp)
                for c, comp in zip(result.competencies, r.competencies, strict=True))
        and (not r.pass_rules.non_negotiables_required
             or all(b.is_met(marks[b.id]) for b in r.behaviours if b.non_negotiable))
    )
    assert result.passed is rules_hold


@given(rubric_and_marks())
def test_all_top_marks_pass_any_rubric(case):
    r, _ = case
    top = {b.id: max(b.valid_values()) for b in r.behaviours}

    result = score_assessment(r, top)

    assert result.overall == pytest.approx(1.0)
    assert result.passed
