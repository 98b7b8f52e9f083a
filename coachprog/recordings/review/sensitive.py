"""Pure text work on transcripts (stdlib only, no Flask, no database): timestamps, search
highlighting, the ICF performance-evaluation export layout with the coachee's name redacted,
and the sensitive-topic phrase matcher.

Nothing here decides anything about a person: a sensitive-topic match only tells a human
supervisor where to look.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

PSEUDONYM = "Client"
SPEAKER_NAMES = {"coach": "Coach", "coachee": PSEUDONYM, "unknown": "Unknown speaker"}
BASE_SPEAKERS = ("coach", "coachee", "unknown")
CATEGORIES = ("mental_health_crisis", "harassment", "discrimination", "legal_risk")


def timestamp(seconds: float) -> str:
    """mm:ss (minutes keep counting past an hour: 75:03), as the ICF layout writes it."""
    whole = max(0, int(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def speaker_name(label: str) -> str:
    """How a speaker label reads in the export: the coachee is only ever "Client"."""
    return SPEAKER_NAMES.get(label, label.replace("_", " ").strip().capitalize() or "Unknown")


# --- search -----------------------------------------------------------------------------------


def highlight(text: str, query: str) -> list[tuple[str, bool]]:
    """The text cut into pieces, each marked whether it matches the query (case-insensitive,
    literal). No match: an empty list. The template escapes every piece."""
    needle = query.strip()
    if not needle:
        return []
    pieces: list[tuple[str, bool]] = []
    last = 0
    for found in re.finditer(re.escape(needle), text, flags=re.IGNORECASE):
        if found.start() > last:
            pieces.append((text[last:found.start()], False))
        pieces.append((found.group(0), True))
        last = found.end()
    if not pieces:
        return []
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


# --- redaction and the export layout -----------------------------------------------------------


def name_variants(full_name: str) -> list[str]:
    """The forms of a name to redact, longest first: the full name, then each part of it
    (first name, surname) of two letters or more."""
    full = " ".join(full_name.split())
    parts = [part for part in full.split(" ") if len(part.strip(".,")) >= 2]
    variants = [full] if full else []
    variants += [part.strip(".,") for part in parts if part.strip(".,") != full]
    return sorted(set(variants), key=len, reverse=True)


def redact(text: str, names: Iterable[str], pseudonym: str = PSEUDONYM) -> str:
    """Replace every whole-word, case-insensitive occurrence of the names by the pseudonym
    (a possessive "Eli's" becomes "Client's")."""
    variants = sorted({v for name in names for v in name_variants(name)}, key=len, reverse=True)
    if not variants:
        return text
    pattern = r"(?<!\w)(?:" + "|".join(
        r"\s+".join(re.escape(word) for word in variant.split(" ")) for variant in variants
    ) + r")(?!\w)"
    return re.sub(pattern, pseudonym, text, flags=re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    """One transcript segment as the export sees it."""

    start: float
    speaker: str
    text: str


@dataclass(frozen=True)
class Turn:
    """Consecutive segments of one speaker, joined."""

    start: float
    speaker: str
    text: str


def turns(lines: Iterable[Line]) -> list[Turn]:
    """Join consecutive lines of the same speaker into one turn, starting when the first did."""
    joined: list[Turn] = []
    for line in lines:
        text = " ".join(line.text.split())
        if not text:
            continue
        if joined and joined[-1].speaker == line.speaker:
            previous = joined[-1]
            joined[-1] = Turn(previous.start, previous.speaker, f"{previous.text} {text}")
        else:
            joined.append(Turn(line.start, line.speaker, text))
    return joined


@dataclass(frozen=True)
class ExportHeader:
    recording_id: int
    session_date: str
    session_minutes: int
    audio_seconds: float
    coach_name: str


def header_lines(header: ExportHeader) -> list[str]:
    return [
        "Coaching session transcript (ICF performance evaluation)",
        f"Recording: {header.recording_id}",
        f"Session date: {header.session_date}",
        f"Duration: {header.session_minutes} minutes (recording {timestamp(header.audio_seconds)})",
        f"Coach: {header.coach_name}",
        f"Client: {PSEUDONYM} (name withheld)",
    ]


def turn_line(turn: Turn) -> str:
    return f"[{timestamp(turn.start)}] {speaker_name(turn.speaker)}: {turn.text}"


def export_document(header: ExportHeader, lines: Iterable[Line],
                    coachee_names: Sequence[str]) -> tuple[list[str], list[str]]:
    """The header lines and one line per speaker turn, verbatim but for the coachee's name,
    which never appears (replaced by the pseudonym)."""
    redacted = [Line(line.start, line.speaker, redact(line.text, coachee_names))
                for line in lines]
    return header_lines(header), [turn_line(turn) for turn in turns(redacted)]


def export_text(header: ExportHeader, lines: Iterable[Line],
                coachee_names: Sequence[str]) -> str:
    head, body = export_document(header, lines, coachee_names)
    return "\n".join([*head, "", *body]) + "\n"


# --- sensitive topics ----------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Normalised words: accents folded, lower case, apostrophes kept inside words ("don't"),
    everything else a separator."""
    folded = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    return [w.strip("'") for w in re.findall(r"[\w']+", plain) if w.strip("'")]


class TermsInvalid(ValueError):  # noqa: N818 - reads as the domain says it
    """The sensitive-terms file is not a mapping of known categories to lists of phrases."""


def parse_terms(data: object) -> dict[str, list[str]]:
    """Validate the loaded terms file: {category: [phrase, …]} with known categories and
    non-empty phrases. Raises TermsInvalid with what is wrong."""
    if not isinstance(data, Mapping):
        raise TermsInvalid("The terms file must map each category to a list of phrases.")
    terms: dict[str, list[str]] = {}
    for category, phrases in data.items():
        if category not in CATEGORIES:
            raise TermsInvalid(f"Unknown category {category!r}; known: {', '.join(CATEGORIES)}.")
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise TermsInvalid(f"{category}: give a list of phrases.")
        cleaned = [" ".join(words(p)) for p in phrases]
        if any(not p for p in cleaned):
            raise TermsInvalid(f"{category}: a phrase has no words.")
        terms[str(category)] = list(dict.fromkeys(cleaned))
    return terms


@dataclass
class CategoryMatch:
    terms: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    size = len(needle)
    return any(list(haystack[i:i + size]) == list(needle)
               for i in range(len(haystack) - size + 1))


def match_topics(terms: Mapping[str, Sequence[str]],
                 segments: Iterable[tuple[int, str]]) -> dict[str, CategoryMatch]:
    """Which phrases occur, whole-word and case-insensitively, in which segments (by
    position). Categories with no match are left out; terms and positions come sorted."""
    needles = {category: [(phrase, words(phrase)) for phrase in phrases]
               for category, phrases in terms.items()}
    found: dict[str, CategoryMatch] = {}
    for position, text in segments:
        said = words(text)
        for category, phrases in needles.items():
            for phrase, needle in phrases:
                if needle and _contains(said, needle):
                    match = found.setdefault(category, CategoryMatch())
                    if phrase not in match.terms:
                        match.terms.append(phrase)
                    if position not in match.positions:
                        match.positions.append(position)
    for match in found.values():
        match.terms.sort()
        match.positions.sort()
    return found
