"""The pure counting rules of adverse-impact monitoring: answers, groups, decided vs pending,
exits, nominees, and properties over any set of candidacies (hypothesis). No app."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.selection.domain import PIPELINE, CandidateStage
from coachprog.selection.impact.demographics import (
    ATTRIBUTE_KEYS,
    ATTRIBUTES,
    NOT_REPORTED_GROUP,
    PREFER_NOT_TO_SAY,
    PREFER_NOT_TO_SAY_GROUP,
    TRANSITIONS,
    Entry,
    Outcome,
    Transition,
    answer_problems,
    clean_answers,
    group_of,
    is_candidate,
    outcome_at,
    stage_counts,
    tally,
)
from coachprog.selection.impact.domain import GroupKind, GroupTally, TransitionTally, pool

GENDER, ETHNICITY, AGE, DISABILITY = ATTRIBUTES
APPLIED_INTERVIEW, INTERVIEW_SIMULATIONS, *_, PANEL_APPOINTED = TRANSITIONS


# --- answers ------------------------------------------------------------------------------------


def test_the_attributes_are_the_four_of_the_policy_each_with_fixed_options() -> None:
    assert ATTRIBUTE_KEYS == ("gender", "ethnicity", "age_band", "disability")
    assert [o.answer for o in AGE.options] == ["Under 25", "25–34", "35–44", "45–54",
                                               "55 or over"]
    assert [o.value for o in DISABILITY.options] == ["yes", "no"]
    assert len(ETHNICITY.options) == 5  # the ONS high-level groups
    for attribute in ATTRIBUTES:
        assert PREFER_NOT_TO_SAY not in attribute.values
        assert len({o.group for o in attribute.options}) == len(attribute.options)


def test_group_labels_read_as_plural_noun_phrases() -> None:
    assert group_of(GENDER, "woman") == ("Women", GroupKind.REPORTED)
    assert group_of(AGE, "25_34") == ("People aged 25–34", GroupKind.REPORTED)
    assert group_of(DISABILITY, "yes") == ("Disabled people", GroupKind.REPORTED)
    assert group_of(GENDER, PREFER_NOT_TO_SAY) == (PREFER_NOT_TO_SAY_GROUP,
                                                  GroupKind.PREFER_NOT_TO_SAY)
    assert group_of(GENDER, "") == (NOT_REPORTED_GROUP, GroupKind.NOT_REPORTED)


def test_a_stored_value_that_is_no_longer_an_option_counts_as_not_reported() -> None:
    assert group_of(GENDER, "retired-option") == (NOT_REPORTED_GROUP, GroupKind.NOT_REPORTED)


def test_answers_may_be_options_prefer_not_to_say_or_blank() -> None:
    assert answer_problems({"gender": "woman", "ethnicity": PREFER_NOT_TO_SAY,
                            "age_band": "", "disability": None}) == {}
    assert clean_answers({"gender": " woman "}) == {"gender": "woman", "ethnicity": "",
                                                    "age_band": "", "disability": ""}


def test_an_answer_outside_the_options_is_refused_next_to_its_question() -> None:
    problems = answer_problems({"gender": "woman", "age_band": "60"})
    assert list(problems) == ["age_band"]
    assert "Choose one of the answers listed" in problems["age_band"][0]
    # A value of another question is no answer to this one.
    assert list(answer_problems({"disability": "woman"})) == ["disability"]


def test_saving_nothing_at_all_is_refused_with_a_way_out() -> None:
    problems = answer_problems({})
    assert list(problems) == ["gender"]
    assert "need not save anything" in problems["gender"][0]


def test_answer_words_are_what_the_candidate_chose() -> None:
    assert GENDER.answer_words("non_binary") == "Non-binary"
    assert GENDER.answer_words(PREFER_NOT_TO_SAY) == "Prefer not to say"
    assert GENDER.answer_words("") == "Not answered"


# --- who is counted where ------------------------------------------------------------------------


@pytest.mark.parametrize(("stage", "furthest", "expected"), [
    ("nominated", "nominated", False),
    ("withdrawn", "nominated", False),  # declined the nomination
    ("applied", "applied", True),
    ("rejected", "applied", True),
    ("appointed", "appointed", True),
])
def test_only_people_who_applied_or_accepted_are_candidates(stage: str, furthest: str,
                                                            expected: bool) -> None:
    assert is_candidate(stage, furthest) is expected


@pytest.mark.parametrize(("stage", "furthest", "transition", "expected"), [
    ("applied", "applied", APPLIED_INTERVIEW, Outcome.PENDING),
    ("interview", "interview", APPLIED_INTERVIEW, Outcome.PASSED),
    ("interview", "interview", INTERVIEW_SIMULATIONS, Outcome.PENDING),
    ("rejected", "applied", APPLIED_INTERVIEW, Outcome.NOT_PASSED),
    ("withdrawn", "applied", APPLIED_INTERVIEW, Outcome.NOT_PASSED),
    ("rejected", "applied", INTERVIEW_SIMULATIONS, Outcome.NOT_REACHED),
    ("rejected", "interview", APPLIED_INTERVIEW, Outcome.PASSED),
    ("rejected", "interview", INTERVIEW_SIMULATIONS, Outcome.NOT_PASSED),
    ("rejected", "panel", PANEL_APPOINTED, Outcome.NOT_PASSED),
    ("panel", "panel", PANEL_APPOINTED, Outcome.PENDING),
    ("appointed", "appointed", PANEL_APPOINTED, Outcome.PASSED),
    ("appointed", "appointed", APPLIED_INTERVIEW, Outcome.PASSED),
])
def test_outcome_at_a_transition(stage: str, furthest: str, transition: Transition,
                                 expected: Outcome) -> None:
    assert outcome_at(Entry(stage, furthest), transition) is expected


def test_transitions_run_from_application_to_appointment_in_pipeline_order() -> None:
    assert [t.label for t in TRANSITIONS] == [
        "Application → interview", "Interview → simulations",
        "Simulations → supervised practice", "Supervised practice → calibration panel",
        "Calibration panel → appointment"]
    assert [t.source for t in TRANSITIONS] == list(PIPELINE[1:-1])
    assert all(PIPELINE.index(t.target) == PIPELINE.index(t.source) + 1 for t in TRANSITIONS)


def _women(count: int, stage: str, furthest: str | None = None) -> list[Entry]:
    return [Entry(stage, furthest or stage, {"gender": "woman"}) for _ in range(count)]


def test_tally_hand_computed_with_exits_pending_and_nominees() -> None:
    entries = [
        *_women(2, "appointed"),
        *_women(1, "rejected", "panel"),  # entered every stage, failed the panel
        *_women(1, "withdrawn", "interview"),  # passed application, withdrew at interview
        *_women(3, "applied"),  # pending at application: in no count
        *_women(2, "nominated"),  # not candidates
        *_women(1, "withdrawn", "nominated"),
        Entry("rejected", "applied", {"gender": "man"}),
        Entry("simulations", "simulations", {"gender": PREFER_NOT_TO_SAY}),
        Entry("simulations", "simulations", {}),  # no answers at all
        Entry("simulations", "simulations", {"gender": ""}),  # left gender blank
    ]
    by_key = {(t.transition, t.attribute): t.groups for t in tally(entries)}
    assert by_key[("Application → interview", "Gender")] == (
        GroupTally("Women", 4, 4),
        GroupTally("Men", 1, 0),
        GroupTally(PREFER_NOT_TO_SAY_GROUP, 1, 1, GroupKind.PREFER_NOT_TO_SAY),
        GroupTally(NOT_REPORTED_GROUP, 2, 2, GroupKind.NOT_REPORTED),
    )
    assert by_key[("Interview → simulations", "Gender")] == (
        GroupTally("Women", 4, 3),
        GroupTally(PREFER_NOT_TO_SAY_GROUP, 1, 1, GroupKind.PREFER_NOT_TO_SAY),
        GroupTally(NOT_REPORTED_GROUP, 2, 2, GroupKind.NOT_REPORTED),
    )
    # The three at simulations are pending there: only the women who went further count.
    assert by_key[("Simulations → supervised practice", "Gender")] == (GroupTally("Women", 3, 3),)
    assert by_key[("Calibration panel → appointment", "Gender")] == (GroupTally("Women", 3, 2),)
    assert by_key[("Application → interview", "Age band")] == (
        GroupTally(NOT_REPORTED_GROUP, 8, 7, GroupKind.NOT_REPORTED),)
    counts = {c.transition.label: (c.entered, c.passed, c.pending)
              for c in stage_counts(entries)}
    assert counts == {
        "Application → interview": (8, 7, 3),
        "Interview → simulations": (7, 6, 0),
        "Simulations → supervised practice": (3, 3, 3),
        "Supervised practice → calibration panel": (3, 3, 0),
        "Calibration panel → appointment": (3, 2, 0),
    }


def test_transitions_nobody_entered_yet_are_left_out() -> None:
    entries = [*_women(3, "interview"), *_women(2, "applied")]
    assert {t.transition for t in tally(entries)} == {"Application → interview"}
    assert tally(_women(4, "applied")) == []
    assert tally([]) == []


def test_groups_follow_the_order_of_the_options() -> None:
    entries = [Entry("interview", "interview", {"gender": g})
               for g in ("non_binary", PREFER_NOT_TO_SAY, "man", "woman", "")]
    gender = next(t for t in tally(entries) if t.attribute == "Gender")
    assert [g.label for g in gender.groups] == ["Women", "Men", "Non-binary people",
                                                PREFER_NOT_TO_SAY_GROUP, NOT_REPORTED_GROUP]


# --- properties ----------------------------------------------------------------------------------

STAGES = [s.value for s in CandidateStage]
ANSWER = st.sampled_from(["", PREFER_NOT_TO_SAY, "woman", "man", "asian", "55_plus", "yes",
                          "no", "stale"])


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    stage = draw(st.sampled_from(STAGES))
    if stage in ("rejected", "withdrawn"):
        furthest = draw(st.sampled_from([s.value for s in PIPELINE[:-1]]))
    else:
        furthest = stage
    answers = draw(st.one_of(st.just({}), st.fixed_dictionaries(
        dict.fromkeys(ATTRIBUTE_KEYS, ANSWER))))
    return Entry(stage, furthest, answers)


@given(st.lists(entries(), max_size=40))
def test_every_attribute_counts_the_same_people_as_the_stage_totals(
        population: list[Entry]) -> None:
    totals = {c.transition.label: c for c in stage_counts(population)}
    for item in tally(population):
        total = totals[item.transition]
        assert sum(g.entered for g in item.groups) == total.entered
        assert sum(g.passed for g in item.groups) == total.passed
        assert all(g.entered > 0 for g in item.groups)


@given(st.lists(entries(), max_size=40))
def test_each_candidate_is_decided_pending_or_not_there_yet_at_each_transition(
        population: list[Entry]) -> None:
    candidates = sum(is_candidate(e.stage, e.furthest_stage) for e in population)
    previous_passed = None
    for counts in stage_counts(population):
        not_reached = sum(outcome_at(e, counts.transition) is Outcome.NOT_REACHED
                          for e in population if is_candidate(e.stage, e.furthest_stage))
        assert counts.entered + counts.pending + not_reached == candidates
        # Who enters the next stage passed the previous one.
        if previous_passed is not None:
            assert counts.entered + counts.pending <= previous_passed
        previous_passed = counts.passed


@given(st.lists(entries(), max_size=30), st.lists(entries(), max_size=30))
def test_counting_all_sprints_at_once_equals_pooling_each_sprints_tallies(
        first: list[Entry], second: list[Entry]) -> None:
    def as_counts(tallies: list[TransitionTally]) -> Counter[tuple[str, str, str, int, int]]:
        return Counter((t.transition, t.attribute, g.label, g.entered, g.passed)
                       for t in tallies for g in t.groups)

    assert as_counts(tally([*first, *second])) == as_counts(pool([*tally(first),
                                                                   *tally(second)]))


@given(st.lists(st.tuples(entries(), st.integers(1, 4)), max_size=20))
def test_an_entry_counting_several_candidacies_counts_as_that_many_copies(
        weighted: list[tuple[Entry, int]]) -> None:
    """The service counts identical rows in SQL and passes each once with its count."""
    grouped = [Entry(e.stage, e.furthest_stage, e.answers, n) for e, n in weighted]
    copies = [e for e, n in weighted for _ in range(n)]
    assert tally(grouped) == tally(copies)
    assert stage_counts(grouped) == stage_counts(copies)
