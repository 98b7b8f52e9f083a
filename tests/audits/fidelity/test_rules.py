"""The pure rules: turn labels, session signals, the drift rule, the AUC, the chart."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.audits.fidelity import domain as fidelity
from coachprog.audits.fidelity.domain import SignalPoint, Turn, TurnKind, classify_turn
from coachprog.audits.fidelity.services import load_terms

TERMS = load_terms()


@pytest.mark.parametrize(("text", "kind"), [
    ("What would you like to focus on today?", TurnKind.QUESTION),
    ("How did that go", TurnKind.QUESTION),  # a question word opens it, no question mark
    ("I wonder what would change if you said no.", TurnKind.QUESTION),
    ("Tell me more about that.", TurnKind.QUESTION),
    ("You should talk to your manager first.", TurnKind.ADVICE),
    ("Have you tried writing it down?", TurnKind.ADVICE),  # advice dressed as a question
    ("Maybe you should just start going to bed earlier?", TurnKind.ADVICE),
    ("What I would do is call them tomorrow.", TurnKind.ADVICE),
    ("Try keeping a diary for a week.", TurnKind.ADVICE),  # imperative
    ("Okay. Cut down to two cups a day.", TurnKind.ADVICE),  # imperative after a backchannel
    ("The guidelines say fourteen units a week is the upper limit for adults.", TurnKind.ADVICE),
    ("It sounds like the move has been hard on the whole family.", TurnKind.REFLECTION),
    ("You feel stuck between the two jobs.", TurnKind.REFLECTION),
    ("So, um, you're-you're really torn about this.", TurnKind.REFLECTION),
    ("Your family matters more than the promotion right now.", TurnKind.REFLECTION),  # paraphrase
    ("Mm-hmm.", TurnKind.OTHER),
    ("Okay, yeah.", TurnKind.OTHER),
    ("", TurnKind.OTHER),
    ("Nice to meet.", TurnKind.OTHER),
])
def test_turn_labels(text: str, kind: TurnKind) -> None:
    assert classify_turn(text, TERMS) is kind


def test_signals_of_a_session() -> None:
    turns = [Turn("coach", "What brings you here?"), Turn("coachee", "Work stress, mostly."),
             Turn("coach", "It sounds like work is taking a lot out of you."),
             Turn("coachee", "It is."), Turn("coach", "You should take a holiday."),
             Turn("coach", "Mm-hmm.")]
    s = fidelity.session_signals(turns, TERMS)
    assert (s.coach_turns, s.questions, s.reflections, s.advice, s.other) == (4, 1, 1, 1, 1)
    assert s.question_share == 0.25
    assert s.question_ratio == 0.5
    assert s.reflection_share == 0.25
    assert s.listening_ratio == pytest.approx(2 / 3)
    assert s.talk_basis == "words"
    coach_words = 4 + 11 + 5 + 1
    assert s.talk_share == pytest.approx(coach_words / (coach_words + 3 + 2))


def test_talk_share_uses_segment_time_when_every_turn_has_one() -> None:
    turns = [Turn("coach", "What brings you here today, then?", 0.0, 1.0),
             Turn("coachee", "Work.", 1.0, 4.0)]
    s = fidelity.session_signals(turns, TERMS)
    assert s.talk_basis == "seconds"
    assert s.talk_share == pytest.approx(0.25)


def test_no_coach_turns_leaves_the_shares_undefined() -> None:
    s = fidelity.session_signals([Turn("coachee", "Hello?")], TERMS)
    assert s.coach_turns == 0
    assert s.question_share is None and s.listening_ratio is None and s.question_ratio is None
    assert fidelity.session_signals([], TERMS).talk_share is None


_texts = st.sampled_from([
    "What do you want?", "You should stop.", "It sounds like you are tired.", "Mm-hmm.",
    "Have you tried yoga?", "The clinic opens at nine every morning this month.", "So you care.",
])
_turns = st.lists(st.tuples(st.sampled_from(["coach", "coachee"]), _texts), max_size=12)


@given(_turns)
def test_adding_a_question_never_lowers_question_share_or_ratio(raw: list[tuple[str, str]]
                                                                ) -> None:
    turns = [Turn(s, t) for s, t in raw]
    before = fidelity.session_signals(turns, TERMS)
    after = fidelity.session_signals([*turns, Turn("coach", "How does that feel?")], TERMS)
    assert (after.question_share or 0) >= (before.question_share or 0)
    assert (after.question_ratio or 0) >= (before.question_ratio or 0)
    assert (after.listening_ratio or 0) >= (before.listening_ratio or 0)


@given(_turns)
def test_adding_advice_never_raises_the_listening_ratio(raw: list[tuple[str, str]]) -> None:
    turns = [Turn(s, t) for s, t in raw]
    before = fidelity.session_signals(turns, TERMS)
    after = fidelity.session_signals([*turns, Turn("coach", "You need to sleep more.")], TERMS)
    assert after.listening_ratio is not None and after.listening_ratio <= (
        before.listening_ratio if before.listening_ratio is not None else 1.0)


@given(_turns)
def test_shares_are_fractions_and_counts_add_up(raw: list[tuple[str, str]]) -> None:
    s = fidelity.session_signals([Turn(a, b) for a, b in raw], TERMS)
    assert s.questions + s.advice + s.reflections + s.other == s.coach_turns
    for v in (s.question_share, s.question_ratio, s.reflection_share, s.listening_ratio,
              s.talk_share):
        assert v is None or 0.0 <= v <= 1.0


@given(st.text(max_size=200))
def test_any_text_gets_exactly_one_label(text: str) -> None:
    assert classify_turn(text, TERMS) in set(TurnKind)


def _points(values: list[float | None]) -> list[SignalPoint]:
    return [SignalPoint(i + 1, v) for i, v in enumerate(values)]


def test_drift_needs_two_sessions_in_a_row() -> None:
    assert fidelity.drift_runs(_points([0.4, 0.8, 0.4, 0.9]), line=0.6) == []
    runs = fidelity.drift_runs(_points([0.8, 0.4, 0.5, 0.3, 0.9, 0.2, 0.1]), line=0.6)
    assert [(r.session_ids, r.trigger_session_id) for r in runs] == [((2, 3, 4), 3), ((6, 7), 7)]


def test_sessions_without_a_value_do_not_break_a_run() -> None:
    runs = fidelity.drift_runs(_points([0.4, None, 0.5]), line=0.6)
    assert [r.session_ids for r in runs] == [(1, 3)]


def test_on_the_line_is_not_below_it() -> None:
    assert fidelity.drift_runs(_points([0.6, 0.6]), line=0.6) == []


@given(st.lists(st.one_of(st.none(), st.floats(0, 1)), max_size=20), st.floats(0, 1),
       st.integers(1, 4))
def test_drift_runs_are_exactly_the_long_enough_stretches_below_the_line(
        values: list[float | None], line: float, run_length: int) -> None:
    runs = fidelity.drift_runs(_points(values), line=line, run_length=run_length)
    flagged = {s for r in runs for s in r.session_ids}
    for r in runs:
        assert len(r.session_ids) >= run_length
        assert r.trigger_session_id == r.session_ids[run_length - 1]
        assert all(values[s - 1] is not None and values[s - 1] < line  # type: ignore[operator]
                   for s in r.session_ids)
    # A stretch of run_length valued sessions below the line is always flagged.
    valued = [(i + 1, v) for i, v in enumerate(values) if v is not None]
    for k in range(len(valued) - run_length + 1):
        window = valued[k:k + run_length]
        if all(v < line for _, v in window):
            assert {s for s, _ in window} <= flagged


def test_roc_auc() -> None:
    assert fidelity.roc_auc([3, 4], [1, 2]) == 1.0
    assert fidelity.roc_auc([1], [1]) == 0.5
    assert fidelity.roc_auc([1, 3], [2]) == 0.5
    with pytest.raises(ValueError, match="at least one positive"):
        fidelity.roc_auc([], [1])


def test_term_file_errors_name_the_list() -> None:
    with pytest.raises(fidelity.TermsError, match="'advice'"):
        fidelity.terms_from_mapping({"backchannel": ["ok"], "advice_questions": ["x"],
                                     "question_openers": ["what"], "advice": [],
                                     "imperative_verbs": ["try"], "reflection": ["so you"],
                                     "first_person": ["i"]})
    with pytest.raises(fidelity.TermsError, match="blank"):
        fidelity.terms_from_mapping({name: [True] for name in fidelity._LISTS})


def test_sparkline_places_points_and_the_line() -> None:
    chart = fidelity.sparkline([("a", 1.0, False), ("b", 0.0, True), ("c", None, False)],
                               line=0.5, width=100, height=60, pad=10)
    assert [(p.x, p.y) for p in chart.points] == [(10, 10), (50, 50), (90, 50)]
    assert chart.path == "M10,10 L50,50"  # the point without a value is not joined
    assert chart.line_y == 30
    assert chart.points[1].flagged


def test_the_terms_digest_is_stable_and_changes_with_the_lists() -> None:
    import dataclasses

    assert fidelity.terms_digest(TERMS) == fidelity.terms_digest(load_terms())
    changed = dataclasses.replace(TERMS, advice=(*TERMS.advice, "you really must"))
    assert fidelity.terms_digest(changed) != fidelity.terms_digest(TERMS)
