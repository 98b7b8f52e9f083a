"""Fidelity signals from transcripts: pure rules (question, advice, reflection shares).

Everything here is explainable on purpose: each coach turn gets one label from a short list of
ordered rules over maintained term lists (`rubrics/fidelity/terms.yaml`), and the session
signals are plain shares of those labels. No fitted model. The drift rule is a configured line
crossed on consecutive sessions. The results are prompts for a human reviewer, never a score.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

COACH = "coach"
COACHEE = "coachee"


class TurnKind(StrEnum):
    QUESTION = "question"
    ADVICE = "advice"  # advice, directive or the coach's own input
    REFLECTION = "reflection"
    OTHER = "other"  # backchannel, greetings, fragments


@dataclass(frozen=True)
class Terms:
    """The term lists of rubrics/fidelity/terms.yaml, normalised to lower case."""

    backchannel: frozenset[str]
    advice_questions: tuple[str, ...]
    question_openers: tuple[str, ...]
    advice: tuple[str, ...]
    imperative_verbs: frozenset[str]
    reflection: tuple[str, ...]
    first_person: frozenset[str]
    input_min_words: int = 6
    version: int = 1


def terms_digest(terms: Terms) -> str:
    """A stable fingerprint of the term lists (the same in every process)."""
    parts = [f"v{terms.version}", f"min{terms.input_min_words}"]
    for name in _LISTS:
        parts.append(name + "=" + "|".join(sorted(getattr(terms, name))))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class TermsError(ValueError):
    """The term file is malformed."""


_LISTS = ("backchannel", "advice_questions", "question_openers", "advice", "imperative_verbs",
          "reflection", "first_person")


def terms_from_mapping(data: Mapping[str, Any]) -> Terms:
    """Build `Terms` from the parsed YAML mapping; raise `TermsError` naming what is wrong."""
    if not isinstance(data, Mapping):
        raise TermsError("the term file must be a mapping of list names to phrases")
    lists: dict[str, tuple[str, ...]] = {}
    for name in _LISTS:
        raw = data.get(name)
        if not isinstance(raw, list) or not raw:
            raise TermsError(f"'{name}' must be a non-empty list of phrases")
        phrases = []
        for item in raw:
            if not isinstance(item, str) or not item.strip():
                raise TermsError(f"'{name}' holds a blank or non-text entry: {item!r}")
            phrases.append(" ".join(_words(item)))
        lists[name] = tuple(phrases)
    min_words = data.get("input_min_words", 6)
    if not isinstance(min_words, int) or isinstance(min_words, bool) or min_words < 1:
        raise TermsError("'input_min_words' must be a positive whole number")
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise TermsError("'version' must be a whole number")
    return Terms(
        backchannel=frozenset(lists["backchannel"]),
        advice_questions=lists["advice_questions"],
        question_openers=lists["question_openers"],
        advice=lists["advice"],
        imperative_verbs=frozenset(lists["imperative_verbs"]),
        reflection=lists["reflection"],
        first_person=frozenset(lists["first_person"]),
        input_min_words=min_words,
        version=version,
    )


_FILLERS = re.compile(r"\b(?:um+|uh+|er+m?|ah+|you know|i mean|like,)\s*,?", re.IGNORECASE)
_STAMMER = re.compile(r"\b([\w']+)(?:-\1\b)+", re.IGNORECASE)  # "I-I", "so-so" -> "I", "so"
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\s+-+\s+|—")


def _words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


def _clean(text: str) -> str:
    return _STAMMER.sub(r"\1", _FILLERS.sub(" ", text))


def _has_phrase(words: Sequence[str], phrase: str) -> bool:
    parts = phrase.split(" ")
    n = len(parts)
    return any(list(words[i:i + n]) == parts for i in range(len(words) - n + 1))


def _starts_with(words: Sequence[str], phrase: str) -> bool:
    parts = phrase.split(" ")
    return list(words[:len(parts)]) == parts


def classify_turn(text: str, terms: Terms) -> TurnKind:
    """Label one coach turn. The rules run in order and the first that applies wins (see the
    comment at the top of rubrics/fidelity/terms.yaml)."""
    cleaned = _clean(text)
    words = _words(cleaned)
    if not words:
        return TurnKind.OTHER
    if " ".join(words) in terms.backchannel or all(w in terms.backchannel for w in words):
        return TurnKind.OTHER
    if any(_has_phrase(words, p) for p in terms.advice_questions):
        return TurnKind.ADVICE
    sentences = [_words(s) for s in _SENTENCE.split(cleaned)]
    sentences = [s for s in sentences if s]
    if "?" in cleaned or any(_starts_with(s, p) for s in sentences for p in terms.question_openers):
        return TurnKind.QUESTION
    if any(_has_phrase(words, p) for p in terms.advice):
        return TurnKind.ADVICE
    for sentence in sentences:
        head = [w for w in sentence if w not in terms.backchannel and w not in ("so", "and", "but")]
        if head and head[0] in terms.imperative_verbs:
            return TurnKind.ADVICE
    if any(_has_phrase(words, p) for p in terms.reflection):
        return TurnKind.REFLECTION
    second_person = any(w in ("you", "your", "you're", "you've", "yourself") for w in words)
    first_person = any(w in terms.first_person for w in words)
    if second_person and not first_person:
        return TurnKind.REFLECTION
    if len(words) >= terms.input_min_words:
        return TurnKind.ADVICE
    return TurnKind.OTHER


@dataclass(frozen=True)
class Turn:
    """One utterance: who spoke (`COACH`, `COACHEE` or another label), the text, and its time
    span in seconds when the transcript has one."""

    speaker: str
    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class SessionSignals:
    """The per-session signals. Shares are fractions in [0, 1]; `None` where undefined (no coach
    turns, or no questions and no advice for the ratio)."""

    coach_turns: int
    questions: int
    advice: int
    reflections: int
    other: int
    question_share: float | None  # questions / coach turns
    question_ratio: float | None  # questions / (questions + advice)
    reflection_share: float | None  # reflections / coach turns
    listening_ratio: float | None  # (questions + reflections) / (questions + reflections + advice)
    talk_share: float | None  # coach words (or seconds) / all words (or seconds)
    talk_basis: str = "words"  # "words" or "seconds"
    kinds: tuple[TurnKind, ...] = field(default=(), compare=False)

    def value(self, signal: str) -> float | None:
        if signal not in SIGNALS:
            raise ValueError(f"unknown fidelity signal {signal!r}")
        result: float | None = getattr(self, signal)
        return result


# The signals a deployment may choose as its drift line (config FIDELITY_SIGNAL), with the
# direction that means "drifting": all four fall when a coach advises instead of questioning.
SIGNALS = ("listening_ratio", "question_ratio", "reflection_share", "question_share")
SIGNAL_LABELS = {
    "listening_ratio": "Questions and reflections ÷ (questions + reflections + advice)",
    "question_ratio": "Questions ÷ (questions + advice/input)",
    "reflection_share": "Reflections ÷ coach turns",
    "question_share": "Questions ÷ coach turns",
    "talk_share": "Coach share of talk",
}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def session_signals(turns: Iterable[Turn], terms: Terms) -> SessionSignals:
    """Classify every coach turn and compute the session's signals. Talk share is by segment
    time when every turn carries a valid span, else by words."""
    all_turns = list(turns)
    coach = [t for t in all_turns if t.speaker == COACH]
    kinds = tuple(classify_turn(t.text, terms) for t in coach)
    q = kinds.count(TurnKind.QUESTION)
    a = kinds.count(TurnKind.ADVICE)
    r = kinds.count(TurnKind.REFLECTION)
    o = kinds.count(TurnKind.OTHER)
    timed = bool(all_turns) and all(
        t.start is not None and t.end is not None and t.end >= t.start for t in all_turns)
    if timed:
        total_time = sum((t.end or 0.0) - (t.start or 0.0) for t in all_turns)
        coach_time = sum((t.end or 0.0) - (t.start or 0.0) for t in coach)
        talk = coach_time / total_time if total_time > 0 else None
        basis = "seconds"
    else:
        total_words = sum(len(_words(t.text)) for t in all_turns)
        coach_words = sum(len(_words(t.text)) for t in coach)
        talk = coach_words / total_words if total_words else None
        basis = "words"
    return SessionSignals(
        coach_turns=len(coach), questions=q, advice=a, reflections=r, other=o,
        question_share=_share(q, len(coach)), question_ratio=_share(q, q + a),
        reflection_share=_share(r, len(coach)), listening_ratio=_share(q + r, q + r + a),
        talk_share=talk, talk_basis=basis, kinds=kinds,
    )


def roc_auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Mann-Whitney estimate of the ROC AUC: the chance a positive scores above a negative,
    ties counting half."""
    if not positives or not negatives:
        raise ValueError("AUC needs at least one positive and one negative")
    wins = 0.0
    for p in positives:
        for n in negatives:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(positives) * len(negatives))


@dataclass(frozen=True)
class SignalPoint:
    """One session's value of the drift signal, in session date order."""

    session_id: int
    value: float | None


@dataclass(frozen=True)
class DriftRun:
    """Consecutive sessions below the line: the session that completes the run opens a flag."""

    session_ids: tuple[int, ...]
    trigger_session_id: int


def drift_runs(points: Sequence[SignalPoint], *, line: float,
               run_length: int = 2) -> list[DriftRun]:
    """Every maximal run of at least `run_length` consecutive sessions whose value is below
    `line`. Sessions without a value (no coach turns) neither extend nor break a run."""
    if run_length < 1:
        raise ValueError("run_length must be at least 1")
    runs: list[DriftRun] = []
    current: list[int] = []

    def close() -> None:
        if len(current) >= run_length:
            runs.append(DriftRun(tuple(current), current[run_length - 1]))

    for point in points:
        if point.value is None:
            continue
        if point.value < line:
            current.append(point.session_id)
        else:
            close()
            current = []
    close()
    return runs


# --- AnnoMI-layout CSV (the score-csv command and the bench use the same path) -------------

REQUIRED_COLUMNS = ("transcript_id", "interlocutor", "utterance_text")
_SPEAKERS = {"therapist": COACH, "coach": COACH, "client": COACHEE, "coachee": COACHEE}


class CsvLayoutError(ValueError):
    """The CSV does not have the AnnoMI column layout, or has no utterances."""


def check_columns(fieldnames: Sequence[str] | None) -> None:
    present = {name.strip() for name in fieldnames or ()}
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if not fieldnames:
        raise CsvLayoutError("the file is empty: expected a header row with the columns "
                             + ", ".join(REQUIRED_COLUMNS))
    if missing:
        raise CsvLayoutError("missing column(s): " + ", ".join(missing)
                             + " (the header has: " + ", ".join(fieldnames) + ")")


def transcripts_from_rows(rows: Iterable[Mapping[str, str | None]]) -> dict[str, list[Turn]]:
    """Group utterance rows by transcript, in first-seen order. `interlocutor` therapist/coach
    is the coach, client/coachee the coachee; anything else is kept as another speaker."""
    grouped: dict[str, list[Turn]] = {}
    for row in rows:
        key = (row.get("transcript_id") or "").strip()
        if not key:
            continue
        speaker_raw = (row.get("interlocutor") or "").strip().lower()
        speaker = _SPEAKERS.get(speaker_raw, speaker_raw or "unknown")
        grouped.setdefault(key, []).append(Turn(speaker, row.get("utterance_text") or ""))
    if not grouped:
        raise CsvLayoutError("the file has a header but no utterance rows")
    return grouped


def format_share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


CSV_COLUMNS = ("transcript_id", "coach_turns", "questions", "advice", "reflections", "other",
               "question_share", "question_ratio", "reflection_share", "listening_ratio",
               "talk_share")


def csv_row(transcript_id: str, s: SessionSignals) -> list[str]:
    return [transcript_id, str(s.coach_turns), str(s.questions), str(s.advice),
            str(s.reflections), str(s.other), format_share(s.question_share),
            format_share(s.question_ratio), format_share(s.reflection_share),
            format_share(s.listening_ratio), format_share(s.talk_share)]


# --- the chart (geometry only; the template draws it) --------------------------------------

@dataclass(frozen=True)
class SparkPoint:
    x: float
    y: float
    label: str
    value: float | None
    flagged: bool


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    pad: int
    points: tuple[SparkPoint, ...]
    path: str  # SVG path through the points that have a value
    line_y: float  # the configured drift line
    line: float


def sparkline(values: Sequence[tuple[Any, float | None, bool]], *, line: float,
              width: int = 560, height: int = 160, pad: int = 24) -> Sparkline:
    """Place (label, value in [0, 1] or None, flagged) points left to right in date order.
    A share of 1 is at the top, 0 at the bottom; points without a value sit on the axis."""
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    count = len(values)
    points = []
    for i, (label, value, flagged) in enumerate(values):
        x = pad + (inner_w * i / (count - 1) if count > 1 else inner_w / 2)
        shown = 0.0 if value is None else min(1.0, max(0.0, value))
        y = pad + inner_h * (1.0 - shown)
        points.append(SparkPoint(round(x, 1), round(y, 1), str(label), value, flagged))
    drawn = [p for p in points if p.value is not None]
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x:g},{p.y:g}" for i, p in enumerate(drawn))
    line_y = round(pad + inner_h * (1.0 - min(1.0, max(0.0, line))), 1)
    return Sparkline(width, height, pad, tuple(points), path, line_y, line)
