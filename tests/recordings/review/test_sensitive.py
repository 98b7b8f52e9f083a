"""The pure text work: timestamps, highlighting, redaction, the export layout and the
sensitive-topic matcher (unit and property tests, no Flask)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from coachprog.recordings.review import sensitive
from coachprog.recordings.review.sensitive import ExportHeader, Line, Turn

TERMS_FILE = (Path(__file__).resolve().parents[3] / "rubrics" / "sensitive-terms"
              / "sensitive-terms.yaml")


@pytest.mark.parametrize(("seconds", "shown"), [
    (0, "00:00"), (4.99, "00:04"), (65, "01:05"), (3599.5, "59:59"), (4503, "75:03"),
    (-2, "00:00")])
def test_timestamps_are_minutes_and_seconds(seconds: float, shown: str) -> None:
    assert sensitive.timestamp(seconds) == shown


def test_highlight_cuts_the_text_around_every_case_insensitive_match() -> None:
    assert sensitive.highlight("Eli said eli", "ELI") == [
        ("Eli", True), (" said ", False), ("eli", True)]
    assert sensitive.highlight("nothing here", "zebra") == []
    assert sensitive.highlight("anything", "   ") == []
    assert sensitive.highlight("a (b) c", "(b)") == [("a ", False), ("(b)", True), (" c", False)]


@given(st.text(alphabet="abAB (.", max_size=60), st.text(alphabet="abAB(.", min_size=1,
                                                          max_size=4))
def test_highlight_pieces_rebuild_the_text_and_mark_only_the_query(text: str,
                                                                   query: str) -> None:
    pieces = sensitive.highlight(text, query)
    assert bool(pieces) == (query.lower() in text.lower())
    if pieces:
        assert "".join(piece for piece, _ in pieces) == text
        assert all(piece.lower() == query.lower() for piece, hit in pieces if hit)
        assert sum(hit for _, hit in pieces) == len(
            re.findall(re.escape(query), text, flags=re.IGNORECASE))


def test_redaction_replaces_full_first_and_last_names_as_whole_words() -> None:
    text = "Eli Coachee said: eli's plan. Elias and Coachees stay; ELI   COACHEE goes."
    assert sensitive.redact(text, ["Eli Coachee"]) == (
        "Client said: Client's plan. Elias and Coachees stay; Client goes.")
    assert sensitive.redact("no names", []) == "no names"
    assert sensitive.name_variants(" Ana  M. de Souza ") == [
        "Ana M. de Souza", "Souza", "Ana", "de"]


@given(st.text(alphabet="abcdefgh ,.'", max_size=80))
def test_redacted_text_never_contains_the_name_as_a_word(text: str) -> None:
    redacted = sensitive.redact(f"{text} Eli Coachee {text}", ["Eli Coachee"])
    assert not re.search(r"(?<!\w)(eli|coachee)(?!\w)", redacted, flags=re.IGNORECASE)


def test_turns_join_consecutive_segments_of_one_speaker() -> None:
    lines = [Line(0, "coach", "Hello."), Line(2, "coach", " How are you? "),
             Line(5, "coachee", "Fine."), Line(6, "coachee", "   "), Line(9, "coach", "Good.")]
    assert sensitive.turns(lines) == [Turn(0, "coach", "Hello. How are you?"),
                                      Turn(5, "coachee", "Fine."), Turn(9, "coach", "Good.")]


@given(st.lists(st.tuples(st.sampled_from(["coach", "coachee", "unknown"]),
                          st.text(alphabet="ab ", min_size=1, max_size=6)), max_size=20))
def test_turns_alternate_speakers_and_keep_every_word(items: list[tuple[str, str]]) -> None:
    lines = [Line(float(i), speaker, text) for i, (speaker, text) in enumerate(items)]
    result = sensitive.turns(lines)
    assert all(a.speaker != b.speaker for a, b in itertools.pairwise(result))
    assert " ".join(t.text for t in result).split() == " ".join(
        text for _, text in items).split()


def test_export_layout_has_the_header_and_a_timestamp_at_every_change_of_speaker() -> None:
    header = ExportHeader(recording_id=7, session_date="2025-05-02", session_minutes=45,
                          audio_seconds=2710, coach_name="Cora Coach")
    text = sensitive.export_text(header, [
        Line(0, "coach", "Welcome, Eli."), Line(3, "coach", "Where shall we start?"),
        Line(62, "coachee", "Eli Coachee here, about my team."),
        Line(70, "speaker_1", "Hm.")], ["Eli Coachee"])
    assert text == (
        "Coaching session transcript (ICF performance evaluation)\n"
        "Recording: 7\nSession date: 2025-05-02\nDuration: 45 minutes (recording 45:10)\n"
        "Coach: Cora Coach\nClient: Client (name withheld)\n\n"
        "[00:00] Coach: Welcome, Client. Where shall we start?\n"
        "[01:02] Client: Client here, about my team.\n"
        "[01:10] Speaker 1: Hm.\n")


# --- the matcher -------------------------------------------------------------------------------


def test_words_are_normalised() -> None:
    assert sensitive.words("I CAN’T go on — Café!") == ["i", "can't", "go", "on", "cafe"]


def test_matcher_finds_whole_word_phrases_per_category_with_positions() -> None:
    terms = {"harassment": ["bullying", "threatened me"], "legal_risk": ["lawsuit"]}
    found = sensitive.match_topics(terms, [
        (0, "He keeps BULLYING people."), (1, "They threatened   me twice."),
        (2, "No anti-bullyingish words"), (3, "bullying again, threatened me")])
    assert set(found) == {"harassment"}
    assert found["harassment"].terms == ["bullying", "threatened me"]
    assert found["harassment"].positions == [0, 1, 3]
    assert sensitive.match_topics(terms, [(0, "lawsuits are not a lawsuit? yes")])[
        "legal_risk"].positions == [0]
    assert sensitive.match_topics(terms, [(0, "lawsuits only")]) == {}


@given(st.lists(st.sampled_from(["we", "talk", "about", "the", "law", "suit", "sue"]),
                max_size=15), st.integers(min_value=0, max_value=15))
def test_a_phrase_is_found_wherever_it_is_inserted(said: list[str], at: int) -> None:
    at = min(at, len(said))
    text = " ".join([*said[:at], "Sue The Company", *said[at:]])
    found = sensitive.match_topics({"legal_risk": ["sue the company"]}, [(4, text)])
    assert found["legal_risk"].terms == ["sue the company"]
    assert found["legal_risk"].positions == [4]


@given(st.text(alphabet="abcdefghijklmnop ", max_size=60))
def test_a_phrase_never_matches_inside_other_words(filler: str) -> None:
    text = filler.replace(" ", "x") + "lawsuitx"
    assert sensitive.match_topics({"legal_risk": ["lawsuit"]}, [(0, text)]) == {}


def test_the_shipped_terms_file_is_valid_and_covers_every_category() -> None:
    terms = sensitive.parse_terms(yaml.safe_load(TERMS_FILE.read_text()))
    assert set(terms) == set(sensitive.CATEGORIES)
    assert all(len(phrases) >= 5 for phrases in terms.values())
    assert "self harm" in terms["mental_health_crisis"]  # "self-harm" normalised, once


@pytest.mark.parametrize(("data", "problem"), [
    (["suicide"], "map each category"),
    ({"gossip": ["rumour"]}, "Unknown category 'gossip'"),
    ({"harassment": "bullying"}, "give a list of phrases"),
    ({"harassment": ["bullying", "--"]}, "a phrase has no words"),
])
def test_a_bad_terms_file_says_what_is_wrong(data: object, problem: str) -> None:
    with pytest.raises(sensitive.TermsInvalid, match=problem):
        sensitive.parse_terms(data)
