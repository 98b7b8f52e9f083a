"""Pure assessment rules: status machine, agreement, combining, conflicts, pseudonyms, marks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.assessments import domain
from coachprog.assessments.domain import (
    AssessmentStatus,
    InvalidTransition,
    RelationshipFacts,
    combine_results,
    compare_results,
    find_conflicts,
    transition,
)
from coachprog.rubrics.domain import AssessmentResult, CompetencyResult, PassRules
from coachprog.rubrics.schema import load_rubric_text
from tests.assessments.builders import RUBRIC_YAML

STATUSES = list(AssessmentStatus)


def result(overall: float, passed: bool, scores: tuple[float, ...] = (0.5, 0.5),
           failed: tuple[str, ...] = ()) -> AssessmentResult:
    return AssessmentResult(
        overall, passed,
        tuple(CompetencyResult(f"c{i}", f"Competency {i}", s, 0.5) for i, s in enumerate(scores)),
        failed)


# --- status machine --------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), [
    ("open", "moderation"), ("open", "closed"), ("moderation", "open"),
    ("moderation", "closed"),
])
def test_transition_allows_the_program_moves(source: str, target: str) -> None:
    assert transition(source, target) == AssessmentStatus(target)


@pytest.mark.parametrize(("source", "target"), [
    ("closed", "open"), ("closed", "moderation"), ("closed", "closed"), ("open", "open"),
    ("moderation", "moderation"),
])
def test_transition_refuses_other_moves(source: str, target: str) -> None:
    with pytest.raises(InvalidTransition, match=f"from {source} to {target}"):
        transition(source, target)


def test_transition_refuses_unknown_statuses() -> None:
    with pytest.raises(ValueError, match="'archived'"):
        transition("open", "archived")


@given(st.lists(st.sampled_from(STATUSES), max_size=20))
def test_closed_is_final_whatever_was_tried(moves: list[AssessmentStatus]) -> None:
    status = AssessmentStatus.OPEN
    for move in moves:
        try:
            new = transition(status, move)
        except InvalidTransition:
            continue
        assert status is not AssessmentStatus.CLOSED
        status = new
    if status is AssessmentStatus.CLOSED:
        for move in STATUSES:
            with pytest.raises(InvalidTransition):
                transition(status, move)


# --- agreement -------------------------------------------------------------------------------


def test_compare_agrees_within_tolerance_and_same_verdict() -> None:
    agreement = compare_results([result(0.80, True), result(0.90, True)], 0.15)
    assert agreement.agreed
    assert agreement.reasons == ()


def test_compare_at_exactly_the_tolerance_agrees() -> None:
    assert compare_results([result(0.70, True), result(0.85, True)], 0.15).agreed


def test_compare_gap_beyond_tolerance_needs_moderation_with_reason() -> None:
    agreement = compare_results([result(0.70, True), result(0.90, True)], 0.15)
    assert not agreement.agreed
    assert agreement.reasons == ("Overall scores differ by 20% (from 70% to 90%), more than "
                                 "the tolerance of 15%.",)


def test_compare_pass_fail_split_needs_moderation_even_when_close() -> None:
    agreement = compare_results([result(0.69, False), result(0.71, True)], 0.15)
    assert not agreement.agreed
    assert agreement.reasons == ("Pass/fail split: 1 of 2 raters pass, 1 fail.",)


def test_compare_reports_both_reasons() -> None:
    agreement = compare_results([result(0.3, False), result(0.9, True), result(0.85, True)], 0.1)
    assert len(agreement.reasons) == 2
    assert "2 of 3 raters pass" in agreement.reasons[1]


def test_compare_single_or_no_result_agrees() -> None:
    assert compare_results([result(0.2, False)], 0.0).agreed
    assert compare_results([], 0.1).agreed


def test_compare_refuses_negative_tolerance() -> None:
    with pytest.raises(ValueError, match="negative"):
        compare_results([result(0.5, True)], -0.1)


scores = st.floats(min_value=0, max_value=1, allow_nan=False)
results_strategy = st.lists(st.builds(result, scores, st.booleans()), min_size=1, max_size=5)


@given(results_strategy, st.floats(min_value=0, max_value=1, allow_nan=False))
def test_compare_agrees_iff_gap_within_tolerance_and_no_split(
    results: list[AssessmentResult], tolerance: float
) -> None:
    gap = max(r.overall for r in results) - min(r.overall for r in results)
    split = len({r.passed for r in results}) > 1
    agreement = compare_results(results, tolerance)
    assert agreement.agreed == (gap <= tolerance + 1e-9 and not split)
    assert agreement.agreed == (agreement.reasons == ())


@given(results_strategy, st.floats(min_value=0, max_value=1, allow_nan=False))
def test_compare_ignores_the_order_of_raters(results: list[AssessmentResult],
                                             tolerance: float) -> None:
    assert compare_results(results, tolerance) == compare_results(results[::-1], tolerance)


# --- combining -------------------------------------------------------------------------------


RULES = PassRules(overall_threshold=0.65, competency_minimum=0.5)


def test_combine_takes_means_and_all_must_pass() -> None:
    combined = combine_results([result(0.8, True, (0.6, 1.0)), result(0.9, True, (0.8, 0.9))],
                               rules=RULES, unmet=[(), ()])
    assert combined.overall == pytest.approx(0.85)
    assert [c.score for c in combined.competencies] == pytest.approx([0.7, 0.95])
    assert combined.passed
    assert combined.failed_rules == ()


def test_combine_fails_when_any_rater_failed_and_keeps_each_reason_once() -> None:
    # Each rater's own reason names their own overall; the combined result names the mean
    # once instead of listing both ("56% is below…" and "58% is below…").
    combined = combine_results([
        result(0.5625, False, (0.4, 0.6), failed=("Overall 56% is below the threshold 65%",
                                                  "Competency 0: 40% is below the minimum 50%",
                                                  "Non-negotiable not met: Asks")),
        result(0.5833, False, (0.7, 0.6), failed=("Overall 58% is below the threshold 65%",
                                                  "Non-negotiable not met: Asks")),
    ], rules=RULES, unmet=[("Asks",), ("Asks", "Listens")])
    assert not combined.passed
    assert combined.failed_rules == (
        "Overall 57% (mean of 2 raters) is below the threshold 65%",
        "Competency 0: 1 of 2 raters scored it below the minimum 50% (mean 55%)",
        "Non-negotiable not met: Asks (2 of 2 raters)",
        "Non-negotiable not met: Listens (1 of 2 raters)",
    )


def test_combine_reason_names_a_mean_competency_below_its_minimum() -> None:
    combined = combine_results([result(0.7, False, (0.4, 0.9)), result(0.7, False, (0.45, 0.9))],
                               rules=RULES, unmet=[(), ()])
    assert combined.failed_rules == ("Competency 0: 43% is below the minimum 50%",)


def test_combine_of_one_result_reads_like_that_result() -> None:
    combined = combine_results([result(0.5, False, (0.5, 0.5))], rules=RULES, unmet=[("Asks",)])
    assert combined.failed_rules == ("Overall 50% is below the threshold 65%",
                                     "Non-negotiable not met: Asks")


def test_combine_never_fails_without_a_reason() -> None:
    combined = combine_results([result(0.9, False, (0.9, 0.9)), result(0.9, False, (0.9, 0.9))],
                               rules=RULES, unmet=[(), ()])
    assert not combined.passed
    assert combined.failed_rules == ("2 of 2 raters did not pass",)


def test_combine_refuses_nothing() -> None:
    with pytest.raises(ValueError, match="no result"):
        combine_results([], rules=RULES, unmet=[])


@given(results_strategy)
def test_combined_overall_lies_between_the_raters(results: list[AssessmentResult]) -> None:
    combined = combine_results(results, rules=RULES, unmet=[() for _ in results])
    assert min(r.overall for r in results) - 1e-9 <= combined.overall
    assert combined.overall <= max(r.overall for r in results) + 1e-9
    assert combined.passed == all(r.passed for r in results)
    assert combined.passed or combined.failed_rules


def test_unmet_non_negotiables_reads_the_marks() -> None:
    rubric, _ = load_rubric_text(RUBRIC_YAML)
    assert domain.unmet_non_negotiables(rubric, {"reflects": 1, "silence": 0,
                                                 "no-advice": 0}) == (
        "Asks rather than tells or advises",)
    assert domain.unmet_non_negotiables(rubric, {"no-advice": 1}) == ()


def test_passing_summary_says_why_from_the_pass_rules() -> None:
    rubric, _ = load_rubric_text(RUBRIC_YAML)
    passed = result(0.8125, True, (0.75, 1.0))
    assert domain.passing_summary(passed, rubric) == (
        "Passed: overall 81% ≥ 60%, every competency at or above its minimum, all "
        "non-negotiables met")


def test_result_round_trips_through_its_dict() -> None:
    original = result(0.8125, False, (0.5, 0.25), ("Something failed",))
    rebuilt = domain.result_from_dict(original.as_dict())
    assert rebuilt.overall == pytest.approx(original.overall)
    assert rebuilt.passed is False
    assert rebuilt.failed_rules == original.failed_rules
    assert [c.id for c in rebuilt.competencies] == ["c0", "c1"]


# --- conflicts of interest --------------------------------------------------------------------


def test_no_conflict_between_strangers() -> None:
    facts = RelationshipFacts(1, 2, rater_manager_chain=(10,), subject_manager_chain=(11, 10))
    assert find_conflicts(facts) == []


def test_rater_who_manages_subject_directly_is_refused() -> None:
    facts = RelationshipFacts(1, 2, subject_manager_chain=(1, 9), rater_name="Ada")
    assert find_conflicts(facts) == ["Ada manages the person being assessed."]


def test_rater_who_manages_subject_indirectly_is_refused() -> None:
    facts = RelationshipFacts(1, 2, subject_manager_chain=(5, 1), rater_name="Ada")
    assert find_conflicts(facts) == [
        "Ada manages the person being assessed indirectly (further up their reporting line)."]


def test_rater_managed_by_subject_is_refused() -> None:
    facts = RelationshipFacts(1, 2, rater_manager_chain=(7, 2), rater_name="Ada")
    assert find_conflicts(facts) == ["Ada reports to the person being assessed."]


def test_rater_who_coaches_subject_is_refused() -> None:
    facts = RelationshipFacts(1, 2, rater_coachee_ids=frozenset({2}), rater_name="Ada")
    assert find_conflicts(facts) == ["Ada coaches the person being assessed."]


def test_rater_cannot_rate_themselves() -> None:
    assert find_conflicts(RelationshipFacts(3, 3, rater_name="Ada")) == [
        "Ada is the person being assessed."]


def test_unknown_people_have_no_conflicts() -> None:
    assert find_conflicts(RelationshipFacts(None, None, (1,), (2,), frozenset({3}))) == []
    assert find_conflicts(RelationshipFacts(None, 5, (5,), (), frozenset())) == [
        "This rater reports to the person being assessed."]


def test_conflict_rules_are_extensible() -> None:
    def same_team(facts: RelationshipFacts) -> str | None:
        return "same team" if facts.rater_manager_chain[:1] == facts.subject_manager_chain[:1] \
            else None

    facts = RelationshipFacts(1, 2, (9,), (9,))
    assert find_conflicts(facts) == []
    assert find_conflicts(facts, [*domain.CONFLICT_RULES, same_team]) == ["same team"]


def test_manager_chain_walks_up_and_stops_at_loops() -> None:
    managers = {1: 2, 2: 3, 3: None, 7: 8, 8: 7}
    assert domain.manager_chain(1, managers) == (2, 3)
    assert domain.manager_chain(3, managers) == ()
    assert domain.manager_chain(7, managers) == (8, 7)
    assert domain.manager_chain(None, managers) == ()


@given(st.integers(1, 50), st.integers(1, 50),
       st.lists(st.integers(1, 50), max_size=6, unique=True),
       st.lists(st.integers(1, 50), max_size=6, unique=True))
def test_conflict_found_iff_a_relationship_holds(rater: int, subject: int, rater_chain: list[int],
                                                 subject_chain: list[int]) -> None:
    facts = RelationshipFacts(rater, subject, tuple(rater_chain), tuple(subject_chain))
    related = rater == subject or rater in subject_chain or subject in rater_chain
    assert bool(find_conflicts(facts)) == related


# --- pseudonyms -------------------------------------------------------------------------------


def test_pseudonym_has_the_documented_shape() -> None:
    assert re.fullmatch(r"Candidate [2-9A-HJKMNP-Z]{4}", domain.pseudonym_from(b"\x01\x02\x03\x04"))


@given(st.binary(min_size=4, max_size=16))
def test_pseudonym_is_stable_and_unambiguous(seed: bytes) -> None:
    name = domain.pseudonym_from(seed)
    assert name == domain.pseudonym_from(seed)
    code = name.removeprefix("Candidate ")
    assert len(code) == 4
    assert not set(code) & set("01OIL")


def test_pseudonym_needs_enough_randomness() -> None:
    with pytest.raises(ValueError, match="random bytes"):
        domain.pseudonym_from(b"ab")


def test_pseudonyms_spread_out() -> None:
    names = {domain.pseudonym_from(i.to_bytes(8, "big")) for i in range(0, 4000, 7)}
    assert len(names) > 500


# --- marks from a form ------------------------------------------------------------------------

RUBRIC, _ = load_rubric_text(RUBRIC_YAML)


def test_parse_marks_reads_values_and_notes() -> None:
    parsed = domain.parse_marks(RUBRIC, {"reflects": "4", "silence": "0", "no-advice": ""},
                                {"reflects": "  asked twice  "})
    assert parsed.values == {"reflects": 4, "silence": 0, "no-advice": None}
    assert parsed.notes == {"reflects": "asked twice", "silence": "", "no-advice": ""}
    assert parsed.errors == {}
    assert domain.missing_marks(RUBRIC, parsed.values) == ["no-advice"]


@pytest.mark.parametrize(("behaviour", "raw", "message"), [
    ("reflects", "6", "Choose a level from 1 to 5."),
    ("reflects", "0", "Choose a level from 1 to 5."),
    ("reflects", "-1", "Choose a level from 1 to 5."),
    ("reflects", "3.5", "Choose a level from 1 to 5."),
    ("silence", "2", "Choose present or absent."),
    ("silence", "yes", "Choose present or absent."),
])
def test_parse_marks_refuses_values_off_the_scale(behaviour: str, raw: str, message: str) -> None:
    parsed = domain.parse_marks(RUBRIC, {behaviour: raw}, {})
    assert parsed.errors == {behaviour: message}
    assert parsed.values[behaviour] is None


def test_parse_marks_ignores_unknown_behaviours_and_limits_notes() -> None:
    parsed = domain.parse_marks(RUBRIC, {"invented": "5"}, {"silence": "x" * 5001})
    assert "invented" not in parsed.values
    assert parsed.errors == {"silence": "Keep the note under 5000 characters."}


# --- links ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["https://intranet.example.com/rec/1", "http://host/x?y=1"])
def test_link_accepts_http_and_https(url: str) -> None:
    assert domain.link_problem(url) is None


@pytest.mark.parametrize(("url", "problem"), [
    ("javascript:alert(1)", "Use an http:// or https:// link."),
    ("ftp://files.example.com/x", "Use an http:// or https:// link."),
    ("file:///etc/passwd", "Use an http:// or https:// link."),
    ("https://", "The link needs a host name"),
    ("intranet/recording", "Use an http:// or https:// link."),
    ("https://exa mple.com", "A link has no spaces."),
    ("https://example.com/" + "a" * 500, "Keep the link under 500 characters."),
])
def test_link_refuses_anything_else(url: str, problem: str) -> None:
    assert (domain.link_problem(url) or "").startswith(problem)
