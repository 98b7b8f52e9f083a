"""Assessments: one or more raters score one piece of evidence against one rubric version.

Policy implemented here, as pure rules:

- Status machine: an assessment is `open` while raters score, goes to `moderation` when the
  raters' results disagree beyond the tolerance, and is `closed` once a result is agreed
  (closed is final). A moderator who adds a third rater sends it back to `open`.
- Agreement: raters agree when every pair of overall scores lies within the tolerance and
  they all pass or all fail (`compare_results`).
- Combining agreed results: the mean of the overall scores, the mean of each competency's
  scores, passed only if every rater's result passed (`combine_results`). The reasons are
  rebuilt from the combined numbers against the rubric's pass rules, so a result never lists
  two raters' contradictory overall scores.
- Conflicts of interest: a rater may not score a person they manage (directly or indirectly),
  who manages them, whom they coach, or themselves. The rules are a registry of pure checks over
  `RelationshipFacts`, so a later rule (e.g. "shares a team") is one more function.
- Blind assessments show raters a pseudonym ("Candidate K7Q2") drawn at random and stored with
  the assessment: stable for that assessment, derived from nothing about the person.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from coachprog.people.domain import manager_chain as manager_chain  # re-exported: the chain bar
from coachprog.roles import RATER_ROLES as RATER_ROLES  # re-exported: older imports
from coachprog.rubrics.domain import (
    AssessmentResult,
    CompetencyResult,
    PassRules,
    Rubric,
    ScaleKind,
    percent,
    percents_apart,
)


class AssessmentStatus(StrEnum):
    OPEN = "open"
    MODERATION = "moderation"
    CLOSED = "closed"


class AssessmentKind(StrEnum):
    LIVE = "live"  # a real decision about a person
    CALIBRATION = "calibration"  # an item of a calibration exercise (never moderated)


class AssignmentRole(StrEnum):
    RATER = "rater"
    MODERATOR = "moderator"  # the agreed marks recorded in moderation
    GOLD = "gold"  # reference marks of a calibration item, agreed by master coaches


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    DRAFT = "draft"
    SUBMITTED = "submitted"


TRANSITIONS: Mapping[AssessmentStatus, frozenset[AssessmentStatus]] = {
    AssessmentStatus.OPEN: frozenset({AssessmentStatus.MODERATION, AssessmentStatus.CLOSED}),
    # A third rater sends it back to open; settling closes it.
    AssessmentStatus.MODERATION: frozenset({AssessmentStatus.OPEN, AssessmentStatus.CLOSED}),
    AssessmentStatus.CLOSED: frozenset(),
}


class InvalidTransition(ValueError):  # noqa: N818 - reads as the domain says it
    pass


def transition(current: str, target: str) -> AssessmentStatus:
    """The new status, or InvalidTransition when the move is not allowed (closed is final)."""
    source, goal = AssessmentStatus(current), AssessmentStatus(target)
    if goal not in TRANSITIONS[source]:
        raise InvalidTransition(f"an assessment cannot go from {source.value} to {goal.value}")
    return goal


# --- agreement between raters --------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    agreed: bool
    reasons: tuple[str, ...]  # why moderation is needed, in words; empty when agreed


def compare_results(results: Sequence[AssessmentResult], tolerance: float) -> Agreement:
    """Whether the raters' results agree: every overall-score gap ≤ tolerance and no pass/fail
    split. Fewer than two results always agree (nothing to compare)."""
    if tolerance < 0:
        raise ValueError("the tolerance cannot be negative")
    reasons: list[str] = []
    if len(results) < 2:
        return Agreement(True, ())
    overall = [r.overall for r in results]
    gap = max(overall) - min(overall)
    if gap > tolerance + 1e-9:
        allowed, shown = percents_apart(tolerance, gap)
        reasons.append(f"Overall scores differ by {shown} (from {percent(min(overall))} to "
                       f"{percent(max(overall))}), more than the tolerance of {allowed}.")
    passes = sum(1 for r in results if r.passed)
    if 0 < passes < len(results):
        reasons.append(f"Pass/fail split: {passes} of {len(results)} raters pass, "
                       f"{len(results) - passes} fail.")
    return Agreement(not reasons, tuple(reasons))


def unmet_non_negotiables(rubric: Rubric, marks: Mapping[str, int]) -> tuple[str, ...]:
    """Descriptions of the non-negotiable behaviours one set of marks does not meet (none when
    the rubric does not require them)."""
    if not rubric.pass_rules.non_negotiables_required:
        return ()
    return tuple(b.description for b in rubric.behaviours
                 if b.non_negotiable and b.id in marks and not b.is_met(marks[b.id]))


def _raters(count: int) -> str:
    return "1 rater" if count == 1 else f"{count} raters"


def combine_results(results: Sequence[AssessmentResult], *, rules: PassRules,
                    unmet: Sequence[Sequence[str]]) -> AssessmentResult:
    """The agreed result of raters who agree.

    Rule: the overall score is the mean of the raters' overall scores; each competency's score
    is the mean of the raters' scores for it (its minimum is the rubric's, the same for all);
    the assessment passes only if every rater's result passed. The failed rules are rebuilt
    from those combined numbers: the mean overall against `rules.overall_threshold`, each mean
    competency score against its minimum, and every non-negotiable any rater found unmet
    (`unmet[i]`: the descriptions rater i's marks did not meet). A rule that only some raters
    failed, while the mean meets it, is named with how many raters failed it, so a failed
    result always says why and never contradicts its own numbers.
    """
    if not results:
        raise ValueError("there is no result to combine")
    count = len(results)
    mean = sum(r.overall for r in results) / count
    failed: list[str] = []
    below = sum(1 for r in results if r.overall + 1e-9 < rules.overall_threshold)
    if mean + 1e-9 < rules.overall_threshold:
        shown, threshold = percents_apart(mean, rules.overall_threshold)
        of = f" (mean of {_raters(count)})" if count > 1 else ""
        failed.append(f"Overall {shown}{of} is below the threshold {threshold}")
    elif below:
        failed.append(f"Overall: {below} of {_raters(count)} scored below the threshold "
                      f"{percent(rules.overall_threshold)} (mean {percent(mean)})")
    competencies = []
    for index, competency in enumerate(results[0].competencies):
        scores = [r.competencies[index].score for r in results]
        combined = CompetencyResult(competency.id, competency.title, sum(scores) / count,
                                    competency.minimum)
        competencies.append(combined)
        short = sum(1 for score in scores if score + 1e-9 < competency.minimum)
        if not combined.passed:
            shown, minimum = percents_apart(combined.score, combined.minimum)
            failed.append(f"{competency.title}: {shown} is below the minimum {minimum}")
        elif short:
            failed.append(f"{competency.title}: {short} of {_raters(count)} scored it below "
                          f"the minimum {percent(competency.minimum)} (mean "
                          f"{percent(combined.score)})")
    missed: dict[str, int] = {}
    for descriptions in unmet:
        for description in dict.fromkeys(descriptions):
            missed[description] = missed.get(description, 0) + 1
    for description, times in missed.items():
        of = f" ({times} of {_raters(count)})" if count > 1 else ""
        failed.append(f"Non-negotiable not met: {description}{of}")
    passed = all(r.passed for r in results)
    if not passed and not failed:
        # The raters' own results failed on something the pass rules given here do not show
        # (e.g. results scored under other rules): say so rather than give no reason.
        failing = sum(1 for r in results if not r.passed)
        failed.append(f"{failing} of {_raters(count)} did not pass")
    return AssessmentResult(overall=mean, passed=passed, competencies=tuple(competencies),
                            failed_rules=tuple(failed))


def passing_summary(result: AssessmentResult, rubric: Rubric) -> str:
    """Why a passed result passed, in the words of the rubric's pass rules, e.g. "Passed:
    overall 81% ≥ 70%, every competency at or above its minimum, all non-negotiables met"."""
    rules = rubric.pass_rules
    parts = [f"overall {percent(result.overall)} ≥ {percent(rules.overall_threshold)}"]
    if any(c.minimum > 0 for c in result.competencies):
        parts.append("every competency at or above its minimum")
    if rules.non_negotiables_required and any(b.non_negotiable for b in rubric.behaviours):
        parts.append("all non-negotiables met")
    return "Passed: " + ", ".join(parts)


def result_from_dict(data: Mapping[str, Any]) -> AssessmentResult:
    """Rebuild a result stored with `AssessmentResult.as_dict()`."""
    return AssessmentResult(
        overall=float(data["overall"]),
        passed=bool(data["passed"]),
        competencies=tuple(
            CompetencyResult(str(c["id"]), str(c["title"]), float(c["score"]),
                             float(c["minimum"]))
            for c in data["competencies"]
        ),
        failed_rules=tuple(str(reason) for reason in data["failed_rules"]),
    )


# --- marks as typed in a form ----------------------------------------------------------------


@dataclass(frozen=True)
class ParsedMarks:
    values: dict[str, int | None]  # behaviour id → mark; None: not marked yet
    notes: dict[str, str]
    errors: dict[str, str]  # behaviour id → problem


MAX_NOTE_LENGTH = 5000


def parse_marks(rubric: Rubric, raw_values: Mapping[str, str | None],
                raw_notes: Mapping[str, str | None]) -> ParsedMarks:
    """Read marks and notes keyed by behaviour id (strings from a form or JSON). Unknown
    behaviours are ignored by construction: only the rubric's behaviours are read."""
    values: dict[str, int | None] = {}
    notes: dict[str, str] = {}
    errors: dict[str, str] = {}
    for behaviour in rubric.behaviours:
        raw = (raw_values.get(behaviour.id) or "").strip()
        note = (raw_notes.get(behaviour.id) or "").strip()
        if len(note) > MAX_NOTE_LENGTH:
            errors[behaviour.id] = f"Keep the note under {MAX_NOTE_LENGTH} characters."
        notes[behaviour.id] = note[:MAX_NOTE_LENGTH]
        if not raw:
            values[behaviour.id] = None
            continue
        allowed = behaviour.valid_values()
        if not (raw.isascii() and raw.isdigit()) or int(raw) not in allowed:
            scale = ("present or absent" if behaviour.scale is ScaleKind.BINARY
                     else "a level from 1 to 5")
            errors[behaviour.id] = f"Choose {scale}."
            values[behaviour.id] = None
            continue
        values[behaviour.id] = int(raw)
    return ParsedMarks(values, notes, errors)


def missing_marks(rubric: Rubric, values: Mapping[str, int | None]) -> list[str]:
    """Behaviour ids still without a mark (submitting needs none)."""
    return [b.id for b in rubric.behaviours if values.get(b.id) is None]


# --- conflicts of interest --------------------------------------------------------------------


@dataclass(frozen=True)
class RelationshipFacts:
    """What is known about how a rater and the assessed person are related.

    Person ids come from the people directory; chains list managers upwards (direct manager
    first). `rater_coachee_ids` is filled by the pluggable coaching-relationship sources (none
    exist before coaching relationships are recorded)."""

    rater_person_id: int | None
    subject_person_id: int | None
    rater_manager_chain: tuple[int, ...] = ()
    subject_manager_chain: tuple[int, ...] = ()
    rater_coachee_ids: frozenset[int] = field(default_factory=frozenset)
    rater_name: str = "This rater"


ConflictRule = Callable[[RelationshipFacts], str | None]
CONFLICT_RULES: list[ConflictRule] = []


def conflict_rule(rule: ConflictRule) -> ConflictRule:
    """Register a conflict-of-interest check: it returns the refusal reason, or None."""
    CONFLICT_RULES.append(rule)
    return rule


@conflict_rule
def _is_the_subject(facts: RelationshipFacts) -> str | None:
    if facts.rater_person_id is not None and facts.rater_person_id == facts.subject_person_id:
        return f"{facts.rater_name} is the person being assessed."
    return None


@conflict_rule
def _manages_subject(facts: RelationshipFacts) -> str | None:
    if facts.rater_person_id is None or facts.rater_person_id not in facts.subject_manager_chain:
        return None
    if facts.subject_manager_chain[0] == facts.rater_person_id:
        return f"{facts.rater_name} manages the person being assessed."
    return f"{facts.rater_name} manages the person being assessed indirectly (further up " \
           "their reporting line)."


@conflict_rule
def _managed_by_subject(facts: RelationshipFacts) -> str | None:
    if facts.subject_person_id is not None and facts.subject_person_id in \
            facts.rater_manager_chain:
        return f"{facts.rater_name} reports to the person being assessed."
    return None


@conflict_rule
def _coaches_subject(facts: RelationshipFacts) -> str | None:
    if facts.subject_person_id is not None and facts.subject_person_id in \
            facts.rater_coachee_ids:
        return f"{facts.rater_name} coaches the person being assessed."
    return None


def find_conflicts(facts: RelationshipFacts,
                   rules: Sequence[ConflictRule] | None = None) -> list[str]:
    """Every reason this rater may not score this person; empty when there is none."""
    reasons = []
    for rule in CONFLICT_RULES if rules is None else rules:
        reason = rule(facts)
        if reason:
            reasons.append(reason)
    return reasons


# --- pseudonyms -------------------------------------------------------------------------------

def rater_pseudonym(position: int) -> str:
    """A co-rater on a blind assessment before it closes: "Rater 2" (1-based place)."""
    return f"Rater {position}"


# No 0/O, 1/I/L: a pseudonym read aloud or copied by hand stays unambiguous.
PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PSEUDONYM_LENGTH = 4


def pseudonym_from(seed: bytes) -> str:
    """"Candidate K7Q2" from random bytes (the service draws them with `secrets`): it says
    nothing about the person, and it is stored, so it stays the same for the assessment."""
    if len(seed) < PSEUDONYM_LENGTH:
        raise ValueError(f"a pseudonym needs at least {PSEUDONYM_LENGTH} random bytes")
    number = int.from_bytes(seed, "big")
    letters = []
    for _ in range(PSEUDONYM_LENGTH):
        number, index = divmod(number, len(PSEUDONYM_ALPHABET))
        letters.append(PSEUDONYM_ALPHABET[index])
    return "Candidate " + "".join(letters)


# --- evidence links ---------------------------------------------------------------------------


def link_problem(url: str) -> str | None:
    """Why `url` is not an acceptable evidence link (http or https with a host), or None."""
    if len(url) > 500:
        return "Keep the link under 500 characters."
    if any(ch.isspace() for ch in url):
        return "A link has no spaces."
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        return "Use an http:// or https:// link."
    if not parts.hostname:
        return "The link needs a host name, e.g. https://intranet.example.com/…"
    return None
