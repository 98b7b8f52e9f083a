"""Entry rules as pure rules: application length, nomination and entry rules."""

from __future__ import annotations

import pytest

from coachprog.selection.entries import domain as entry_domain


@pytest.mark.parametrize(("words", "ok"), [(0, False), (149, False), (150, True), (600, True),
                                           (601, False)])
def test_application_length(words: int, ok: bool) -> None:
    assert (entry_domain.application_problems(" ".join(["coach"] * words)) == []) is ok


def test_word_count_reads_like_a_person() -> None:
    assert entry_domain.word_count("I don't tell; I'm self-aware — really.") == 6


def test_nomination_rules() -> None:
    chain = (3, 2, 1)  # direct manager first
    assert entry_domain.nomination_problems(nominator_id=3, nominee_id=5,
                                            nominee_manager_chain=chain,
                                      why="Good.", existing_person_ids=[7]) == []
    assert entry_domain.nomination_problems(nominator_id=1, nominee_id=5,
                                            nominee_manager_chain=chain,
                                      why="Good.", existing_person_ids=[7]) == []
    problems = entry_domain.nomination_problems(nominator_id=9, nominee_id=5,
                                          nominee_manager_chain=chain, why="  ",
                                          existing_person_ids=[5])
    assert problems == ["This person already has an entry in this sprint.",
                        "You can nominate only people in your reporting line (direct or "
                        "indirect).",
                        "Say why you are nominating this person."]
    assert "yourself" in (entry_domain.nominator_problem(5, 5, (5,)) or "")
    assert entry_domain.why_problems("x" * 2001) == ["Keep the reason under 2000 characters."]


def test_application_entry_rules() -> None:
    text = " ".join(["word"] * 200)
    assert entry_domain.application_entry_problems(person_id=1, text=text,
                                             existing_person_ids=[2]) == []
    assert len(entry_domain.application_entry_problems(person_id=1, text="short",
                                                 existing_person_ids=[1])) == 2


