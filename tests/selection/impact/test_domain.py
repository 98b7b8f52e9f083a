"""Adverse-impact statistics: hand-computed cases, published Fisher values, suppression and
properties (hypothesis). No app: the module is pure."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.governance.domain import suppress_small_groups
from coachprog.selection.impact.domain import (
    FOUR_FIFTHS,
    MIN_GROUP_SIZE,
    NOT_APPLICABLE_TEXT,
    SUPPRESSED_EXPLANATION,
    SUPPRESSED_TEXT,
    GroupKind,
    GroupTally,
    ImpactRow,
    ImpactTable,
    TransitionTally,
    build_impact_report,
    compare_groups,
    fisher_p_value,
    impact_ratio,
    is_below_four_fifths,
    pool,
    selection_rate,
)

APPLIED = "Application → interview"
INTERVIEWED = "Interview → simulations"


def tally(*groups: GroupTally, transition: str = APPLIED, attribute: str = "Gender"
          ) -> TransitionTally:
    return TransitionTally(transition, attribute, groups)


def row(table: ImpactTable, label: str) -> ImpactRow:
    return next(r for r in table.rows if r.label == label)


def hidden(table: ImpactTable) -> set[str]:
    return {r.label for r in table.rows if r.suppressed}


# --- rates, ratios and the four-fifths flag ------------------------------------------------------


def test_compare_groups_rates_and_ratios_hand_computed() -> None:
    """Men 10 of 20 = 50 %, Women 3 of 12 = 25 %, "Prefer not to say" 6 of 8 = 75 %.
    Reference: Men (highest rate among groups that reported, 50 %).
    Women: 0.25 / 0.50 = 0.50 < 0.8, flagged. Men: 1.0, the reference, no p-value.
    "Prefer not to say" (75 %, higher than Men) is shown but neither reference nor compared."""
    table = compare_groups(tally(
        GroupTally("Men", 20, 10), GroupTally("Women", 12, 3),
        GroupTally("Prefer not to say", 8, 6, GroupKind.PREFER_NOT_TO_SAY)))
    men, women, undisclosed = table.rows
    assert table.reference == "Men"
    assert (men.rate, men.impact_ratio, men.is_reference, men.p_value) == (0.5, 1.0, True, None)
    assert (women.rate, women.impact_ratio, women.below_four_fifths) == (0.25, 0.5, True)
    assert (women.entered_text, women.passed_text, women.rate_text, women.ratio_text) == (
        "12", "3", "25%", "0.50")
    assert undisclosed.rate == 0.75
    assert (undisclosed.impact_ratio, undisclosed.p_value, undisclosed.is_reference) == (
        None, None, False)
    assert not undisclosed.below_four_fifths
    assert table.flagged == (women,)


def test_four_fifths_flag_exactly_at_threshold_is_not_flagged() -> None:
    """Reference 10 of 20 = 1/2; group 4 of 10 = 2/5; ratio (2/5)/(1/2) = 4/5 exactly: not
    flagged (the rule is "less than four fifths")."""
    table = compare_groups(tally(GroupTally("Men", 20, 10), GroupTally("Women", 10, 4)))
    women = row(table, "Women")
    assert women.impact_ratio == 0.8
    assert not women.below_four_fifths
    assert women.ratio_text == "0.80"
    assert "80% of the rate of Men" in women.explanation
    assert "within the four-fifths threshold" in women.explanation


def test_four_fifths_flag_just_below_threshold_is_flagged_and_not_rounded_up() -> None:
    """Reference 250 of 500 = 1/2; group 199 of 500; ratio 199/250 = 0.796 < 0.8: flagged.
    Rounded to two decimals it would read "0.80" (or 80 %), so it is cut to 0.796 / 79.6 %."""
    table = compare_groups(tally(GroupTally("Men", 500, 250), GroupTally("Women", 500, 199)))
    women = row(table, "Women")
    assert women.impact_ratio == pytest.approx(0.796)
    assert women.below_four_fifths
    assert women.ratio_text == "0.796"
    assert "79.6% of the rate of Men" in women.explanation


def test_four_fifths_flag_is_exact_where_floating_point_is_not() -> None:
    """Rates 28/100 and 35/100: 0.28 / 0.35 is not 0.8 in floating point, but the ratio is 4/5
    exactly. The flag is decided on fractions, so exactly 4/5 is never flagged."""
    assert 0.28 / 0.35 != 0.8  # the trap the fractions avoid
    ratio = impact_ratio(selection_rate(28, 100), selection_rate(35, 100))
    assert ratio == FOUR_FIFTHS
    assert not is_below_four_fifths(FOUR_FIFTHS)
    assert is_below_four_fifths(FOUR_FIFTHS - Fraction(1, 10**9))


def test_impact_ratio_is_undefined_for_a_zero_reference_rate() -> None:
    assert impact_ratio(Fraction(0), Fraction(0)) is None
    with pytest.raises(ValueError, match="at least one entrant"):
        selection_rate(0, 0)


# --- Fisher's exact test -------------------------------------------------------------------------


def test_fisher_p_value_is_kept_for_the_same_counts() -> None:
    fisher_p_value.cache_clear()
    first = fisher_p_value(7, 20, 15, 22)
    assert fisher_p_value(7, 20, 15, 22) == first
    assert fisher_p_value.cache_info().hits == 1
    assert fisher_p_value(7, 20, 15, 23) != first  # other counts, another test


def test_fisher_p_value_lady_tasting_tea() -> None:
    """Fisher (1935), the lady tasting tea: [[3, 1], [1, 3]], two-sided p = 34/70 = 0.4857."""
    assert fisher_p_value(3, 4, 1, 4) == pytest.approx(34 / 70)
    assert round(fisher_p_value(3, 4, 1, 4), 4) == 0.4857


def test_fisher_p_value_matches_the_hypergeometric_formula() -> None:
    """Group 2 of 10 passed, reference 8 of 10: 10 passes among 20 people. With the margins
    fixed, the group's passes X are hypergeometric: P(X = k) = C(10, k)·C(10, 10 − k) / C(20, 10),
    C(20, 10) = 184 756. P(0) = 1, P(1) = 100, P(2) = 45² = 2025 (× 1/184 756). Two-sided: every
    table as or less likely than the one seen, k ∈ {0, 1, 2, 8, 9, 10} (symmetric):
    2 × (1 + 100 + 2025) / 184 756 = 4252 / 184 756 ≈ 0.02301."""
    def probability(k: int) -> Fraction:
        return Fraction(math.comb(10, k) * math.comb(10, 10 - k), math.comb(20, 10))

    seen = probability(2)
    expected = sum(probability(k) for k in range(11) if probability(k) <= seen)
    assert expected == Fraction(4252, 184756)
    assert fisher_p_value(2, 10, 8, 10) == pytest.approx(float(expected), rel=1e-9)


def test_fisher_p_value_of_identical_groups_is_one() -> None:
    assert fisher_p_value(5, 10, 5, 10) == pytest.approx(1.0)
    assert fisher_p_value(7, 7, 9, 9) == 1.0


# --- plain words ---------------------------------------------------------------------------------


def test_explanation_of_a_flagged_row() -> None:
    """Women 3 of 12 = 25 %, Men 10 of 20 = 50 %: ratio 0.5, flagged. Fisher's p for
    [[3, 9], [10, 10]] is 0.27 (scipy), i.e. about 27 times in 100: not below 0.05, so the words
    say it may be chance."""
    table = compare_groups(tally(GroupTally("Men", 20, 10), GroupTally("Women", 12, 3)))
    women = row(table, "Women")
    assert women.p_value_text == "0.27"
    assert women.explanation == (
        "Women were selected at 50% of the rate of Men (the highest-rate group): below the "
        "four-fifths threshold. Women: 3 of 12 passed (25%); Men: 10 of 20 passed (50%). "
        "With 12 and 20 people, a difference this large would arise by chance about 27 times in "
        "100 if both groups had the same chance of passing (Fisher's exact test, p = 0.27). "
        "With groups this small it may be chance: keep watching as more sprints are pooled.")
    assert table.explanation == (
        "Men had the highest selection rate (50%) and are the reference group. "
        "Below the four-fifths threshold: Women.")


def test_explanation_of_a_flagged_row_unlikely_to_be_chance() -> None:
    """Women 2 of 10 vs Men 8 of 10: ratio 0.25, p = 4252/184 756 ≈ 0.023: about 2 in 100."""
    women = row(compare_groups(tally(GroupTally("Men", 10, 8), GroupTally("Women", 10, 2))),
                "Women")
    assert "25% of the rate of Men" in women.explanation
    assert "about 2 times in 100" in women.explanation
    assert "p = 0.02" in women.explanation
    assert women.explanation.endswith("Chance is an unlikely explanation: look into this stage.")


def test_explanation_of_a_very_small_p_value() -> None:
    """Women 0 of 50, Men 50 of 50: p = 2 / C(100, 50) ≈ 2e-29."""
    women = row(compare_groups(tally(GroupTally("Men", 50, 50), GroupTally("Women", 50, 0))),
                "Women")
    assert women.p_value == pytest.approx(2 / math.comb(100, 50))
    assert women.p_value_text == "< 0.001"
    assert "by chance less than once in 100" in women.explanation
    assert "(Fisher's exact test, p < 0.001)" in women.explanation


def test_explanation_of_an_unflagged_row() -> None:
    """Men 9 of 20 = 45 %, Women 6 of 12 = 50 %: reference Women; Men 0.45 / 0.5 = 0.9, not
    flagged. The split is as close to even as the margins allow, so every other table is as or
    less likely: Fisher's p = 1, "almost every time"."""
    table = compare_groups(tally(GroupTally("Men", 20, 9), GroupTally("Women", 12, 6)))
    men = row(table, "Men")
    assert men.impact_ratio == pytest.approx(0.9)
    assert not men.below_four_fifths
    assert men.p_value == pytest.approx(1.0)
    assert men.explanation == (
        "Men were selected at 90% of the rate of Women (the highest-rate group): within the "
        "four-fifths threshold. Men: 9 of 20 passed (45%); Women: 6 of 12 passed (50%). "
        "With 20 and 12 people, a difference this large would arise by chance almost every time "
        "if both groups had the same chance of passing (Fisher's exact test, p = 1.00).")
    assert row(table, "Women").explanation == (
        "Women had the highest selection rate of the groups shown: 6 of 12 passed (50%). "
        "The other groups are compared with them.")
    assert "No group shown is below the four-fifths threshold." in table.explanation


# --- suppression ---------------------------------------------------------------------------------


def test_suppression_four_people_hidden_five_shown() -> None:
    """A 20 (10 passed), B 5 (2), C 4 (1), D 3 (1). C and D are under 5: hidden, two of them, so
    no complement is needed. B with exactly 5 is shown: 2/5 = 40 %, ratio 0.4/0.5 = 0.8."""
    table = compare_groups(tally(GroupTally("A", 20, 10), GroupTally("B", 5, 2),
                                 GroupTally("C", 4, 1), GroupTally("D", 3, 1)))
    assert hidden(table) == {"C", "D"}
    b = row(table, "B")
    assert (b.entered, b.passed, b.impact_ratio) == (5, 2, 0.8)
    c = row(table, "C")
    assert (c.entered, c.passed, c.rate, c.impact_ratio, c.p_value) == (None,) * 5
    assert (c.entered_text, c.passed_text, c.rate_text, c.ratio_text, c.p_value_text) == (
        SUPPRESSED_TEXT, NOT_APPLICABLE_TEXT, NOT_APPLICABLE_TEXT, NOT_APPLICABLE_TEXT,
        NOT_APPLICABLE_TEXT)
    assert c.explanation == SUPPRESSED_EXPLANATION
    assert not c.below_four_fifths and not c.is_reference
    assert MIN_GROUP_SIZE == 5


def test_suppression_complements_a_lone_small_group() -> None:
    """A 20, B 12, C 3. C alone would be hidden and the stage total (35, on the funnel) gives
    35 − 20 − 12 = 3: so the smallest group shown, B, is hidden with it. A is left alone: nothing
    to compare. Same choice as governance.suppress_small_groups."""
    groups = (GroupTally("A", 20, 10), GroupTally("B", 12, 6), GroupTally("C", 3, 1))
    table = compare_groups(tally(*groups))
    assert hidden(table) == {"B", "C"}
    assert {g.label for g in suppress_small_groups({g.label: g.entered for g in groups})
            if g.suppressed} == {"B", "C"}
    assert table.reference is None
    assert "Only one group, A, can be compared" in table.explanation


def test_suppression_complement_ties_go_to_the_label_governance_picks() -> None:
    """B and D both have 12 (the smallest shown): like governance, the one sorting last, D."""
    groups = (GroupTally("A", 20, 10), GroupTally("B", 12, 6), GroupTally("D", 12, 6),
              GroupTally("C", 3, 1))
    assert hidden(compare_groups(tally(*groups))) == {"C", "D"}


def test_suppression_counts_undisclosed_groups() -> None:
    """A "prefer not to say" group of 3 is hidden like any other; as the only small group it
    takes the smallest shown group (Women, 10) with it."""
    table = compare_groups(tally(
        GroupTally("Men", 20, 10), GroupTally("Women", 10, 5),
        GroupTally("Prefer not to say", 3, 1, GroupKind.PREFER_NOT_TO_SAY)))
    assert hidden(table) == {"Women", "Prefer not to say"}


def test_reference_is_never_a_suppressed_group() -> None:
    """A 20 (8 passed, 40 %), B 10 (3, 30 %), C 4 (4, 100 %), D 3 (3, 100 %). C and D have the
    highest rates but are hidden; the reference is A, the best shown: B 0.3/0.4 = 0.75,
    flagged. Had C been the reference, B's ratio 0.3 would give C's rate away."""
    table = compare_groups(tally(GroupTally("A", 20, 8), GroupTally("B", 10, 3),
                                 GroupTally("C", 4, 4), GroupTally("D", 3, 3)))
    assert table.reference == "A"
    assert row(table, "A").impact_ratio == 1.0
    b = row(table, "B")
    assert b.impact_ratio == pytest.approx(0.75)
    assert b.below_four_fifths
    text = " ".join([table.explanation, *(r.explanation for r in table.rows if r.label in "AB")])
    assert not re.search(r"\b[CD]\b", text)


def test_suppression_carries_forward_to_later_transitions() -> None:
    """Applied: A 20/10, B 3/1, C 6/6, D 7/3, E 8/4 → B small, C (6, smallest shown) its
    complement. Interview: A 10, B 1, C 6, D 3, E 4. Showing C (6) there would reveal it passed
    6 at the first stage, and with the first stage's total passes (24) also B's 1: C stays
    hidden. D (3) and E (4) are newly hidden (two: no complement); A is shown."""
    report = build_impact_report([
        tally(GroupTally("A", 20, 10), GroupTally("B", 3, 1), GroupTally("C", 6, 6),
              GroupTally("D", 7, 3), GroupTally("E", 8, 4)),
        tally(GroupTally("A", 10, 5), GroupTally("B", 1, 0), GroupTally("C", 6, 3),
              GroupTally("D", 3, 1), GroupTally("E", 4, 2), transition=INTERVIEWED),
    ])
    first, second = report.tables
    assert hidden(first) == {"B", "C"}
    assert hidden(second) == {"B", "C", "D", "E"}
    assert row(second, "A").entered == 10


def test_withheld_group_stays_listed_without_entrants() -> None:
    """Applied: A 20/10, B 3/0, C 4/2, D 9/5. B and C are hidden. None of B passed, so B has
    nobody at the interview; leaving B out there would tell that none of B passed. B stays
    listed as "< 5" whether the caller passes B with 0 entrants or leaves it out."""
    first = tally(GroupTally("A", 20, 10), GroupTally("B", 3, 0), GroupTally("C", 4, 2),
                  GroupTally("D", 9, 5))
    for later in (
        tally(GroupTally("A", 10, 5), GroupTally("C", 2, 1), GroupTally("D", 5, 2),
              transition=INTERVIEWED),
        tally(GroupTally("A", 10, 5), GroupTally("B", 0, 0), GroupTally("C", 2, 1),
              GroupTally("D", 5, 2), transition=INTERVIEWED),
    ):
        _, second = build_impact_report([first, later]).tables
        assert [r.label for r in second.rows] == ["A", "B", "C", "D"]
        assert hidden(second) == {"B", "C"}
        assert row(second, "B").explanation == SUPPRESSED_EXPLANATION


def test_a_lone_newly_hidden_group_takes_a_complement_even_after_earlier_suppression() -> None:
    """Applied: A 20/10, B 3/0, C 4/0, D 10/4, E 8/6 → B and C hidden (two: no complement).
    Interview: A 10, D 4, E 6; B and C had no passes, which the first stage's total gives away,
    so with D (4) the only group newly hidden its numbers would follow from the interview
    total: E, the smallest group shown, is withheld with it."""
    first = tally(GroupTally("A", 20, 10), GroupTally("B", 3, 0), GroupTally("C", 4, 0),
                  GroupTally("D", 10, 4), GroupTally("E", 8, 6))
    later = tally(GroupTally("A", 10, 5), GroupTally("D", 4, 2), GroupTally("E", 6, 3),
                  transition=INTERVIEWED)
    _, second = build_impact_report([first, later]).tables
    assert hidden(second) == {"B", "C", "D", "E"}
    assert row(second, "A").suppressed is False


# --- edge cases ----------------------------------------------------------------------------------


def test_stage_nobody_passed_has_no_ratios() -> None:
    table = compare_groups(tally(GroupTally("Men", 10, 0), GroupTally("Women", 8, 0)))
    assert table.reference is None
    assert all(r.impact_ratio is None and r.p_value is None for r in table.rows)
    assert [r.rate for r in table.rows] == [0.0, 0.0]
    assert table.explanation == (
        "Nobody passed this stage, so there are no selection rates to compare.")


def test_highest_shown_rate_zero_has_no_ratios() -> None:
    """Passes only in hidden groups (C 3/2, D 2/1): the groups shown all have 0 %."""
    table = compare_groups(tally(GroupTally("A", 10, 0), GroupTally("B", 8, 0),
                                 GroupTally("C", 3, 2), GroupTally("D", 2, 1)))
    assert table.reference is None
    assert all(r.impact_ratio is None for r in table.rows)
    assert table.explanation.startswith(
        "None of the groups shown passed this stage, so there is no rate to compare against.")


def test_groups_with_no_entrants_are_left_out() -> None:
    table = compare_groups(tally(GroupTally("Men", 10, 5), GroupTally("Women", 0, 0),
                                 GroupTally("Non-binary people", 6, 3)))
    assert [r.label for r in table.rows] == ["Men", "Non-binary people"]
    assert not hidden(table)


def test_only_one_group_has_nothing_to_compare() -> None:
    table = compare_groups(tally(
        GroupTally("Women", 12, 6), GroupTally("Not reported", 7, 2, GroupKind.NOT_REPORTED)))
    assert table.reference is None
    assert table.explanation.startswith(
        "Only one group, Women, can be compared at this stage, so there is nothing to compare "
        "it with.")
    assert row(table, "Women").impact_ratio is None
    assert "did not report this may belong to any group" in row(
        table, "Not reported").explanation


def test_no_group_large_enough_to_show() -> None:
    table = compare_groups(tally(GroupTally("Men", 3, 1), GroupTally("Women", 4, 2)))
    assert hidden(table) == {"Men", "Women"}
    assert table.explanation.startswith("No group that reported this is large enough to show")


def test_ties_for_the_highest_rate_go_to_the_larger_group() -> None:
    """A 5 of 10 and B 10 of 20 are both 50 %: B (larger) is the reference; A's ratio is exactly
    1, not flagged; C 2 of 10 = 20 %: 0.4, flagged."""
    table = compare_groups(tally(GroupTally("A", 10, 5), GroupTally("B", 20, 10),
                                 GroupTally("C", 10, 2)))
    assert table.reference == "B"
    a = row(table, "A")
    assert (a.impact_ratio, a.is_reference, a.below_four_fifths) == (1.0, False, False)
    assert a.explanation == (
        "A were selected at the same rate as B (the reference group): 5 of 10 passed (50%).")
    assert row(table, "C").impact_ratio == pytest.approx(0.4)
    assert table.explanation.startswith("B share the highest rate (50%) with A; B, the larger")


def test_ties_of_equal_size_go_to_the_first_listed() -> None:
    table = compare_groups(tally(GroupTally("A", 10, 5), GroupTally("B", 10, 5)))
    assert table.reference == "A"


# --- pooling and input checks --------------------------------------------------------------------


def test_pool_sums_sprints_by_transition_attribute_and_label() -> None:
    """Sprint 1: Men 8/4, Women 6/2; sprint 2: Men 12/6, Women 6/1, Prefer not to say 5/2.
    Pooled: Men 20/10 (50 %), Women 12/3 (25 %): ratio 0.5."""
    sprint_1 = tally(GroupTally("Men", 8, 4), GroupTally("Women", 6, 2))
    sprint_2 = tally(GroupTally("Men", 12, 6), GroupTally("Women", 6, 1),
                     GroupTally("Prefer not to say", 5, 2, GroupKind.PREFER_NOT_TO_SAY))
    (pooled,) = pool([sprint_1, sprint_2])
    assert pooled.groups == (
        GroupTally("Men", 20, 10), GroupTally("Women", 12, 3),
        GroupTally("Prefer not to say", 5, 2, GroupKind.PREFER_NOT_TO_SAY))
    (table,) = build_impact_report([sprint_1, sprint_2]).tables
    assert row(table, "Women").impact_ratio == 0.5


def test_pool_refuses_one_label_with_two_kinds() -> None:
    with pytest.raises(ValueError, match="both"):
        pool([tally(GroupTally("Unknown", 5, 1, GroupKind.PREFER_NOT_TO_SAY)),
              tally(GroupTally("Unknown", 5, 1, GroupKind.NOT_REPORTED))])


def test_report_orders_tables_by_transition_then_attribute() -> None:
    report = build_impact_report([
        tally(GroupTally("Men", 10, 5), attribute="Gender"),
        tally(GroupTally("Men", 5, 2), attribute="Gender", transition=INTERVIEWED),
        tally(GroupTally("Under 30", 10, 5), attribute="Age band"),
    ])
    assert [(t.transition, t.attribute) for t in report.tables] == [
        (APPLIED, "Gender"), (APPLIED, "Age band"), (INTERVIEWED, "Gender")]
    assert "four-fifths rule" in report.explanation


@pytest.mark.parametrize(("entered", "passed"), [(-1, 0), (3, 4), (3, -1)])
def test_group_tally_refuses_impossible_counts(entered: int, passed: int) -> None:
    with pytest.raises(ValueError, match="passed"):
        GroupTally("Men", entered, passed)


def test_transition_tally_refuses_a_group_listed_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        tally(GroupTally("Men", 5, 1), GroupTally("Men", 6, 2))


# --- properties ----------------------------------------------------------------------------------

LABELS = ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf")


@st.composite
def group_lists(draw: st.DrawFn, labels: tuple[str, ...]) -> tuple[GroupTally, ...]:
    chosen = draw(st.lists(st.sampled_from(labels), min_size=1, max_size=len(labels),
                           unique=True))
    groups = []
    for label in chosen:
        entered = draw(st.integers(0, 30))
        passed = draw(st.integers(0, entered))
        kind = draw(st.sampled_from(list(GroupKind))
                    if label in ("Foxtrot", "Golf") else st.just(GroupKind.REPORTED))
        groups.append(GroupTally(label, entered, passed, kind))
    return tuple(groups)


@st.composite
def pipelines(draw: st.DrawFn) -> list[TransitionTally]:
    """One attribute over 1–3 transitions, each stage's entrants the previous stage's passes."""
    first = draw(group_lists(LABELS))
    tallies = [TransitionTally("Stage 1", "Attribute", first)]
    for number in range(2, draw(st.integers(1, 3)) + 1):
        previous = tallies[-1].groups
        groups = tuple(GroupTally(g.label, g.passed, draw(st.integers(0, g.passed)), g.kind)
                       for g in previous if g.passed > 0 or draw(st.booleans()))
        tallies.append(TransitionTally(f"Stage {number}", "Attribute", groups))
    return tallies


@given(pipelines())
def test_property_ratios_and_reference(tallies: list[TransitionTally]) -> None:
    for table in build_impact_report(tallies).tables:
        references = [r for r in table.rows if r.is_reference]
        assert len(references) == (0 if table.reference is None else 1)
        for r in table.rows:
            if r.is_reference:
                assert r.impact_ratio == 1.0 and r.label == table.reference
                assert not r.suppressed and r.kind is GroupKind.REPORTED
            elif r.impact_ratio is not None:
                reference = references[0]
                assert reference.entered is not None and reference.passed is not None
                assert 0.0 <= r.impact_ratio <= 1.0
                assert r.entered is not None and r.passed is not None
                ratio = Fraction(r.passed, r.entered) / Fraction(reference.passed,
                                                                 reference.entered)
                assert r.below_four_fifths == (ratio < FOUR_FIFTHS)
                assert r.p_value is not None and 0.0 <= r.p_value <= 1.0
            else:
                assert not r.below_four_fifths and r.p_value is None
        assert (table.reference is None) == all(r.impact_ratio is None for r in table.rows)


@given(pipelines())
def test_property_no_suppressed_group_exposes_a_number(tallies: list[TransitionTally]) -> None:
    for table in build_impact_report(tallies).tables:
        hidden_rows = [r for r in table.rows if r.suppressed]
        for r in hidden_rows:
            assert (r.entered, r.passed, r.rate, r.impact_ratio, r.p_value) == (None,) * 5
            assert r.entered_text == SUPPRESSED_TEXT
            assert {r.passed_text, r.rate_text, r.ratio_text, r.p_value_text} == {
                NOT_APPLICABLE_TEXT}
            assert r.explanation == SUPPRESSED_EXPLANATION
            assert not r.is_reference and not r.below_four_fifths
            others = [o.explanation for o in table.rows if o is not r]
            assert all(r.label not in text for text in [table.explanation, *others])
        # The stage total is public (the funnel): never exactly one group withheld among others.
        assert len(hidden_rows) != 1 or len(table.rows) == 1


@given(pipelines())
def test_property_suppression_carries_forward(tallies: list[TransitionTally]) -> None:
    withheld: set[str] = set()
    for table in build_impact_report(tallies).tables:
        assert withheld <= hidden(table)
        assert {r.label for r in table.rows} >= withheld
        withheld |= hidden(table)


@given(group_lists(LABELS))
def test_property_single_transition_suppression_matches_governance(
        groups: tuple[GroupTally, ...]) -> None:
    table = compare_groups(TransitionTally("Stage", "Attribute", groups))
    expected = {g.label for g in suppress_small_groups({g.label: g.entered for g in groups})
                if g.suppressed}
    assert hidden(table) == expected
    assert {r.label for r in table.rows} == {g.label for g in groups if g.entered > 0}
