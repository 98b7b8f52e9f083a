"""Demographic self-report and its tallies for adverse-impact monitoring, as pure rules.

Business concept: a candidate may, if they wish, tell L&D their gender, ethnicity, age band and
whether they are disabled, so that L&D can check that no stage of a selection sprint treats a
group unfairly (`impact.py` does the statistics). This module holds what may be answered and how
the candidates of a sprint are counted at each stage transition; the service loads the rows.

Policy
------
* **Optional and consented.** Every question may be left unanswered or answered "prefer not to
  say"; nothing is stored without the candidate ticking the consent of the current
  `DEMOGRAPHICS_CONSENT_VERSION`. Changing the consent text means a new version.
* **Fixed options**, no free text: a free-text answer could name or describe the person, and a
  group of one is never shown anyway. Ethnicity uses the five high-level groups of the UK
  Office for National Statistics (2021 census).
* **Who is counted.** Only candidates: someone nominated who never accepted (stage `nominated`,
  or withdrawn while still `nominated`) was never a candidate and is left out.
* **Decided, not pending.** For a transition S → T a candidate *entered* when their outcome at S
  is decided: they reached T (and *passed*), or they were rejected or withdrew while at S (and
  did not pass). Someone still at S is *pending* and counted in neither number, so an open
  stage never looks like a low selection rate. A withdrawal counts as not passing: a stage that
  drives one group away is as much a concern as one that rejects it.
* **Groups.** Per attribute: one group per reported option, then "prefer not to say"
  (`GroupKind.PREFER_NOT_TO_SAY`) and "not reported" (`GroupKind.NOT_REPORTED`: no answers
  stored, the question left blank, or a stored value that is no longer an option).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from coachprog.selection.domain import EXITS, PIPELINE, CandidateStage
from coachprog.selection.impact.domain import GroupKind, GroupTally, TransitionTally

DEMOGRAPHICS_CONSENT_VERSION = "2026-11"
DEMOGRAPHICS_CONSENT_TEXT = (
    "I agree that the L&D team may keep the answers I give on this page, apart from my "
    "application, and use them only to check that the selection sprint treats every group "
    "fairly. They are seen only as counts of people per group, with any group of fewer than 5 "
    "people hidden. They are never shown to raters, panel members, managers or sponsors, and I "
    "can withdraw them and have them deleted at any time."
)

PREFER_NOT_TO_SAY = "prefer_not_to_say"
PREFER_NOT_TO_SAY_ANSWER = "Prefer not to say"
PREFER_NOT_TO_SAY_GROUP = "People who preferred not to say"
NOT_REPORTED_GROUP = "People who did not report"


@dataclass(frozen=True)
class Option:
    """One answer: the stored value, the words on the form, and the group as a plural noun
    phrase that reads in a sentence ("Women were selected at …")."""

    value: str
    answer: str
    group: str


@dataclass(frozen=True)
class Attribute:
    key: str  # the column of `CandidateDemographics`
    label: str  # the attribute as a report heading
    question: str
    options: tuple[Option, ...]

    @property
    def values(self) -> frozenset[str]:
        return frozenset(option.value for option in self.options)

    def answer_words(self, value: str) -> str:
        """What the candidate sees for a stored value on their own page."""
        if value == PREFER_NOT_TO_SAY:
            return PREFER_NOT_TO_SAY_ANSWER
        for option in self.options:
            if option.value == value:
                return option.answer
        return "Not answered"


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("gender", "Gender", "What is your gender?", (
        Option("woman", "Woman", "Women"),
        Option("man", "Man", "Men"),
        Option("non_binary", "Non-binary", "Non-binary people"),
        Option("another_way", "I describe my gender in another way",
               "People who describe their gender in another way"),
    )),
    Attribute("ethnicity", "Ethnicity", "What is your ethnic group?", (
        Option("asian", "Asian or Asian British", "Asian or Asian British people"),
        Option("black", "Black, Black British, Caribbean or African",
               "Black, Black British, Caribbean or African people"),
        Option("mixed", "Mixed or multiple ethnic groups",
               "People of mixed or multiple ethnic groups"),
        Option("white", "White", "White people"),
        Option("other", "Another ethnic group", "People of another ethnic group"),
    )),
    Attribute("age_band", "Age band", "How old are you?", (
        Option("under_25", "Under 25", "People aged under 25"),
        Option("25_34", "25–34", "People aged 25–34"),
        Option("35_44", "35–44", "People aged 35–44"),
        Option("45_54", "45–54", "People aged 45–54"),
        Option("55_plus", "55 or over", "People aged 55 or over"),
    )),
    Attribute("disability", "Disability",
              "Do you consider yourself to have a disability or a long-term health condition?", (
                  Option("yes", "Yes", "Disabled people"),
                  Option("no", "No", "People without a disability"),
              )),
)
ATTRIBUTE_KEYS: tuple[str, ...] = tuple(attribute.key for attribute in ATTRIBUTES)


def clean_answers(answers: Mapping[str, str | None]) -> dict[str, str]:
    """Every attribute's answer, stripped; a missing or blank answer is "" (not answered)."""
    return {key: (answers.get(key) or "").strip() for key in ATTRIBUTE_KEYS}


def answer_problems(answers: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Problems per attribute key, in words the candidate can act on; empty when all is well.

    Each answer must be one of the options, "prefer not to say", or blank. At least one
    question must be answered: saving nothing but the consent would record a consent that
    covers no data."""
    cleaned = clean_answers(answers)
    problems: dict[str, list[str]] = {}
    for attribute in ATTRIBUTES:
        value = cleaned[attribute.key]
        if value and value != PREFER_NOT_TO_SAY and value not in attribute.values:
            problems[attribute.key] = [
                "Choose one of the answers listed, “Prefer not to say”, or leave it blank."]
    if not problems and not any(cleaned.values()):
        problems[ATTRIBUTE_KEYS[0]] = [
            "Answer at least one question (“Prefer not to say” counts). If you would rather not "
            "take part, you need not save anything."]
    return problems


def group_of(attribute: Attribute, value: str) -> tuple[str, GroupKind]:
    """The group a stored answer puts someone in, and its kind."""
    if value == PREFER_NOT_TO_SAY:
        return PREFER_NOT_TO_SAY_GROUP, GroupKind.PREFER_NOT_TO_SAY
    for option in attribute.options:
        if option.value == value:
            return option.group, GroupKind.REPORTED
    # Blank, or a value that is no longer an option: counted rather than dropped, so every
    # attribute's groups add up to the same total.
    return NOT_REPORTED_GROUP, GroupKind.NOT_REPORTED


# --- stage transitions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    source: CandidateStage
    target: CandidateStage
    label: str  # e.g. "Application → interview"
    source_label: str  # the stage people wait at, e.g. "Application"


TRANSITIONS: tuple[Transition, ...] = (
    Transition(CandidateStage.APPLIED, CandidateStage.INTERVIEW, "Application → interview",
               "Application"),
    Transition(CandidateStage.INTERVIEW, CandidateStage.SIMULATIONS, "Interview → simulations",
               "Interview"),
    Transition(CandidateStage.SIMULATIONS, CandidateStage.SUPERVISED_PRACTICE,
               "Simulations → supervised practice", "Simulations"),
    Transition(CandidateStage.SUPERVISED_PRACTICE, CandidateStage.PANEL,
               "Supervised practice → calibration panel", "Supervised practice"),
    Transition(CandidateStage.PANEL, CandidateStage.APPOINTED, "Calibration panel → appointment",
               "Calibration panel"),
)


class Outcome(StrEnum):
    NOT_REACHED = "not_reached"  # never got to the transition's first stage
    PENDING = "pending"  # at the first stage, not yet decided
    PASSED = "passed"
    NOT_PASSED = "not_passed"  # rejected or withdrew at the first stage


@dataclass(frozen=True)
class Entry:
    """Candidacies as the tallies need them: where they stand and their answers (empty when
    the candidate gave none), and how many candidacies stand there with those answers (the
    service counts identical rows in SQL, so the tallies never walk every candidacy)."""

    stage: str
    furthest_stage: str
    answers: Mapping[str, str] = field(default_factory=dict)
    count: int = 1


def is_candidate(stage: str, furthest_stage: str) -> bool:
    """A nominee who never accepted the invitation is not a candidate."""
    return (CandidateStage(stage) is not CandidateStage.NOMINATED
            and CandidateStage(furthest_stage) is not CandidateStage.NOMINATED)


def outcome_at(entry: Entry, transition: Transition) -> Outcome:
    furthest = PIPELINE.index(CandidateStage(entry.furthest_stage))
    at = PIPELINE.index(transition.source)
    if furthest > at:
        return Outcome.PASSED
    if furthest < at:
        return Outcome.NOT_REACHED
    if CandidateStage(entry.stage) in EXITS:
        return Outcome.NOT_PASSED
    return Outcome.PENDING


@dataclass(frozen=True)
class StageCounts:
    """Sprint-level totals for one transition (no groups: safe to show next to the tables)."""

    transition: Transition
    entered: int
    passed: int
    pending: int


def stage_counts(entries: Iterable[Entry]) -> tuple[StageCounts, ...]:
    candidates = [e for e in entries if is_candidate(e.stage, e.furthest_stage)]
    counts: list[StageCounts] = []
    for transition in TRANSITIONS:
        outcomes: dict[Outcome, int] = dict.fromkeys(Outcome, 0)
        for entry in candidates:
            outcomes[outcome_at(entry, transition)] += entry.count
        passed = outcomes[Outcome.PASSED]
        counts.append(StageCounts(transition, passed + outcomes[Outcome.NOT_PASSED], passed,
                                  outcomes[Outcome.PENDING]))
    return tuple(counts)


def tally(entries: Iterable[Entry]) -> list[TransitionTally]:
    """Group counts for every transition × attribute, transitions in pipeline order (the order
    `impact.build_impact_report` needs to carry suppression forward).

    Transitions nobody has entered yet are left out: nobody can enter a later one either, so
    only the undecided end of the pipeline goes. Groups come in the order of the options, then
    "prefer not to say", then "not reported"; a group nobody belongs to is left out."""
    candidates = [e for e in entries if is_candidate(e.stage, e.furthest_stage)]
    tallies: list[TransitionTally] = []
    for transition in TRANSITIONS:
        decided = [(e, outcome_at(e, transition)) for e in candidates]
        decided = [(e, o) for e, o in decided if o in (Outcome.PASSED, Outcome.NOT_PASSED)]
        if not decided:
            continue
        for attribute in ATTRIBUTES:
            tallies.append(TransitionTally(transition.label, attribute.label,
                                           _groups(attribute, decided)))
    return tallies


def _groups(attribute: Attribute, decided: Sequence[tuple[Entry, Outcome]]
            ) -> tuple[GroupTally, ...]:
    entered: dict[str, int] = {}
    passed: dict[str, int] = {}
    kinds: dict[str, GroupKind] = {}
    for entry, outcome in decided:
        label, kind = group_of(attribute, (entry.answers.get(attribute.key) or "").strip())
        kinds[label] = kind
        entered[label] = entered.get(label, 0) + entry.count
        passed[label] = passed.get(label, 0) + entry.count * (outcome is Outcome.PASSED)
    order = [option.group for option in attribute.options]
    order += [PREFER_NOT_TO_SAY_GROUP, NOT_REPORTED_GROUP]
    return tuple(GroupTally(label, entered[label], passed[label], kinds[label])
                 for label in order if label in entered)
