"""The panel's conflicts of interest in words (pure): management chain both ways, direct and
further up, coaching, own candidacy, and none."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coachprog.assessments.domain import RelationshipFacts
from coachprog.selection.panel.domain import conflict_sentence, panel_conflicts

MEMBER, CANDIDATE, OTHER = 1, 2, 3


def _facts(**fields: object) -> RelationshipFacts:
    return RelationshipFacts(rater_person_id=MEMBER, subject_person_id=CANDIDATE,
                             **fields)  # type: ignore[arg-type]


def _words(**fields: object) -> tuple[str, ...]:
    return panel_conflicts(_facts(**fields), "Julia Fischer", "Dan Diaz")


def test_a_member_who_manages_the_candidate_directly_or_further_up_is_conflicted() -> None:
    assert _words(subject_manager_chain=(MEMBER, OTHER)) == ("Julia Fischer manages Dan Diaz.",)
    assert _words(subject_manager_chain=(OTHER, MEMBER)) == (
        "Julia Fischer manages Dan Diaz indirectly (further up their reporting line).",)


def test_a_member_who_reports_to_the_candidate_is_conflicted() -> None:
    assert _words(rater_manager_chain=(CANDIDATE,)) == ("Julia Fischer reports to Dan Diaz.",)
    assert _words(rater_manager_chain=(OTHER, CANDIDATE)) == (
        "Julia Fischer reports to Dan Diaz indirectly (further up the reporting line).",)


def test_a_member_who_coaches_the_candidate_is_conflicted() -> None:
    assert _words(rater_coachee_ids=frozenset({CANDIDATE})) == (
        "Julia Fischer coaches or has coached Dan Diaz.",)


def test_a_member_is_conflicted_with_their_own_candidacy_and_nothing_else_is_said() -> None:
    facts = RelationshipFacts(rater_person_id=MEMBER, subject_person_id=MEMBER)
    assert panel_conflicts(facts, "Julia Fischer", "Julia Fischer") == (
        "Julia Fischer is the candidate.",)


def test_no_relationship_and_no_directory_record_are_no_conflict() -> None:
    assert _words(subject_manager_chain=(OTHER,), rater_manager_chain=(OTHER,),
                  rater_coachee_ids=frozenset({OTHER})) == ()
    assert panel_conflicts(RelationshipFacts(rater_person_id=None, subject_person_id=CANDIDATE),
                           "A", "B") == ()


def test_the_refusal_names_the_conflict_and_what_happens_next() -> None:
    sentence = conflict_sentence(("Julia Fischer manages Dan Diaz.",))
    assert sentence.startswith("Julia Fischer manages Dan Diaz.")
    assert "conflict of interest" in sentence and "L&D replaces the seat" in sentence


@settings(deadline=None)  # a loaded test machine must not fail a pure check on time
@given(st.lists(st.integers(min_value=3, max_value=50), max_size=6),
       st.lists(st.integers(min_value=3, max_value=50), max_size=6),
       st.frozensets(st.integers(min_value=3, max_value=50), max_size=6))
def test_unrelated_people_are_never_conflicted(up_member: list[int], up_candidate: list[int],
                                               coached: frozenset[int]) -> None:
    assert _words(rater_manager_chain=tuple(up_member),
                  subject_manager_chain=tuple(up_candidate), rater_coachee_ids=coached) == ()
