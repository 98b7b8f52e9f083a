"""Adverse-impact monitoring of selection sprints: selection rates by demographic group.

Business concept: for each stage transition of a sprint (e.g. applied → interview) and each
self-reported attribute (gender, ethnicity, age band, disability), how many people of each group
entered the stage and how many passed it. Pure statistics on plain counts; the service gathers the
counts (L&D only) and the page renders the report as it comes.

Policy
------
* **Four-fifths rule.** A group's *impact ratio* is its selection rate divided by the rate of the
  reference group, the highest-rate group. A ratio below 0.8 (four fifths) is flagged as possible
  adverse impact. The comparison is exact (fractions), so a ratio of exactly 0.8 is not flagged.
* **Fisher's exact test** (two-sided, SciPy) of each group against the reference group on the 2×2
  table passed / not passed. Sprint cohorts are small: the chi-squared test and the z-test of two
  proportions rest on large-sample approximations that fail with a handful of people per cell,
  while Fisher's test computes the probability of the observed split exactly from the
  hypergeometric distribution, whatever the sample size. The p-value says how often chance alone
  would produce a difference at least this large if both groups had the same chance of passing;
  with small groups a real difference can still give a large p-value, which is why the ratio is
  flagged regardless of the p-value.
* **Small groups are suppressed.** A group with fewer than 5 people entering the stage is shown as
  "< 5": no counts, rate, ratio or p-value, and its label appears in no explanation. The number of
  people at each stage is visible elsewhere (the sprint funnel), so the totals are known; when a
  table would withhold exactly one group, the smallest group shown is withheld with it
  (complementary suppression, the rule of `governance.domain.suppress_small_groups`, with the same
  choice of group). Both are shown as "< 5": the page says that a group so marked had fewer than 5
  people *or* is withheld to protect one that had.
* **Suppression carries forward across the transitions of one attribute.** The people who pass one
  stage are the people who enter the next, so a group withheld at one transition stays withheld at
  every later transition in the report (pass transitions in pipeline order), and stays listed
  (as "< 5") even when none of it entered a later stage: showing it later, or dropping it, would
  give away how many of it passed the stage where it was withheld. When exactly one group is newly
  withheld at a transition, one more is withheld with it.
* **The reference group is chosen only among groups that are shown** (not suppressed) and that
  reported the attribute. A suppressed group never becomes the reference, even with the highest
  rate: every ratio would then reveal its rate. Ties for the highest rate go to the larger group
  (the steadier reference), then to the group listed first; tied groups get a ratio of exactly 1.
* **"Prefer not to say" and "not reported" are groups of their own** (`GroupKind`), never merged
  with each other or with any group. They are shown (subject to suppression, and counted in it)
  with their selection rates, but they are neither the reference nor compared with it: they may
  contain people of any group, so a ratio for them says nothing about a group. A low rate among
  them is still visible on the page.
* Groups with no entrants at a transition are left out (unless carried forward as above); a
  transition nobody passed, or whose shown groups all have a rate of 0, has no ratios; a
  transition with a single comparable group has nothing to compare. Each case is explained.

Pooling across sprints sums the counts of the same transition, attribute and group label. Reports
built for overlapping populations (one sprint and all sprints) can be subtracted from each other;
the caller decides which reports a reader may see side by side.

Group labels are used in sentences as plural noun phrases ("Women", "People aged 25–34").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

from coachprog.governance.domain import withheld_labels

FOUR_FIFTHS = Fraction(4, 5)
MIN_GROUP_SIZE = 5
SUPPRESSED_TEXT = "< 5"
NOT_APPLICABLE_TEXT = "—"

SUPPRESSED_EXPLANATION = (
    "Fewer than 5 people, or withheld to protect a group that small: no numbers are shown."
)
SUPPRESSION_NOTE = (
    'Groups marked "< 5" had fewer than 5 people at this stage, or are withheld together with '
    "such a group so that its numbers cannot be worked out from the totals."
)
REPORT_EXPLANATION = (
    "For each stage, the selection rate is the share of the people who entered the stage and "
    "passed it. Each group's rate is divided by the rate of the highest-rate group shown (the "
    "reference group) to give its impact ratio; a ratio below 0.8 — less than four fifths of the "
    "reference rate — is flagged as possible adverse impact (the four-fifths rule). Fisher's exact "
    "test, which stays exact for small groups, gives the chance that a difference at least as "
    "large would arise if both groups had the same chance of passing. Groups with fewer than 5 "
    'people are shown as "< 5" without numbers. People who preferred not to say, or did not '
    "report, are shown as groups of their own but not compared."
)


class GroupKind(StrEnum):
    """What a group stands for: a reported value, or one of the two ways of not reporting."""

    REPORTED = "reported"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"  # answered, and chose not to say
    NOT_REPORTED = "not_reported"  # no answer (or no consent) recorded


@dataclass(frozen=True)
class GroupTally:
    """People of one group who entered a stage, and how many of them passed it."""

    label: str
    entered: int
    passed: int
    kind: GroupKind = GroupKind.REPORTED

    def __post_init__(self) -> None:
        if not self.label.strip():
            raise ValueError("a group needs a label")
        if self.entered < 0 or not 0 <= self.passed <= self.entered:
            raise ValueError(
                f"{self.label}: need 0 ≤ passed ≤ entered (got {self.passed} of {self.entered})")


@dataclass(frozen=True)
class TransitionTally:
    """The group counts of one attribute at one stage transition (one sprint, or pooled)."""

    transition: str  # e.g. "Application → interview"
    attribute: str  # e.g. "Gender"
    groups: tuple[GroupTally, ...]

    def __post_init__(self) -> None:
        labels = [group.label for group in self.groups]
        if len(set(labels)) != len(labels):
            raise ValueError(f"{self.transition} / {self.attribute}: a group is listed twice")


@dataclass(frozen=True)
class ImpactRow:
    """One group in one table. Every number is None when the group is suppressed."""

    label: str
    kind: GroupKind
    suppressed: bool
    entered: int | None
    passed: int | None
    rate: float | None
    impact_ratio: float | None  # None: suppressed, not compared, or no reference rate
    is_reference: bool
    below_four_fifths: bool
    p_value: float | None  # Fisher's exact test against the reference group, two-sided
    entered_text: str
    passed_text: str
    rate_text: str
    ratio_text: str
    p_value_text: str
    explanation: str


@dataclass(frozen=True)
class ImpactTable:
    """One transition × attribute: the rows in input order and what they mean."""

    transition: str
    attribute: str
    rows: tuple[ImpactRow, ...]
    reference: str | None  # label of the reference group; None when nothing is compared
    explanation: str

    @property
    def flagged(self) -> tuple[ImpactRow, ...]:
        return tuple(row for row in self.rows if row.below_four_fifths)


@dataclass(frozen=True)
class ImpactReport:
    tables: tuple[ImpactTable, ...]
    explanation: str = REPORT_EXPLANATION


# --- the numbers --------------------------------------------------------------------------------


def selection_rate(passed: int, entered: int) -> Fraction:
    if entered <= 0:
        raise ValueError("a selection rate needs at least one entrant")
    return Fraction(passed, entered)


def impact_ratio(rate: Fraction, reference_rate: Fraction) -> Fraction | None:
    """Rate over the reference rate; None when the reference rate is 0 (nothing to divide by)."""
    if reference_rate == 0:
        return None
    return rate / reference_rate


def is_below_four_fifths(ratio: Fraction) -> bool:
    """The four-fifths rule: flagged strictly below 0.8 (exact, so 0.8 itself is not flagged)."""
    return ratio < FOUR_FIFTHS


@lru_cache(maxsize=4096)
def fisher_p_value(passed: int, entered: int, reference_passed: int, reference_entered: int
                   ) -> float:
    """Two-sided Fisher's exact test on [[passed, not passed] for the group, for the reference].
    A pure function of four counts, so kept: a report viewed again (or another report with the
    same counts) does not run the test again (~0.7 ms each, 50 per bias audit)."""
    # scipy.stats costs ~0.8 s to import; it loads on the first test, not at app start.
    from scipy.stats import fisher_exact

    table = [[passed, entered - passed], [reference_passed, reference_entered - reference_passed]]
    result = fisher_exact(table, alternative="two-sided")
    return min(1.0, float(result.pvalue))


def pool(tallies: Iterable[TransitionTally]) -> list[TransitionTally]:
    """Sum tallies of the same transition, attribute and group label (e.g. several sprints).

    Order is kept: tallies by first appearance, groups by first appearance within them. A label
    that arrives with two different kinds is refused rather than merged.
    """
    merged: dict[tuple[str, str], dict[str, GroupTally]] = {}
    for tally in tallies:
        groups = merged.setdefault((tally.transition, tally.attribute), {})
        for group in tally.groups:
            known = groups.get(group.label)
            if known is None:
                groups[group.label] = group
                continue
            if known.kind is not group.kind:
                raise ValueError(
                    f"{tally.transition} / {tally.attribute}: {group.label!r} is both "
                    f"{known.kind.value} and {group.kind.value}")
            groups[group.label] = GroupTally(
                group.label, known.entered + group.entered, known.passed + group.passed,
                group.kind)
    return [TransitionTally(transition, attribute, tuple(groups.values()))
            for (transition, attribute), groups in merged.items()]


# --- suppression --------------------------------------------------------------------------------


def _withheld(groups: Sequence[GroupTally], carried: frozenset[str]) -> frozenset[str]:
    """Labels withheld at this transition: carried ones, small ones, and the complement — the
    one rule, `governance.domain.withheld_labels`, on the numbers entering the stage."""
    return withheld_labels({g.label: g.entered for g in groups}, MIN_GROUP_SIZE,
                           carried=carried)


# --- wording ------------------------------------------------------------------------------------


def _percent(value: Fraction) -> str:
    return f"{round(float(value) * 100)}%"


def _ratio_text(ratio: Fraction, *, scale: int, digits: int) -> str:
    """The ratio × scale to `digits` decimals, never rounded up to the threshold when below it.

    0.796 would round to 0.80 (or 80%) and read as passing while it is flagged; a flagged ratio
    that would round to the threshold is cut, with one more decimal, instead.
    """
    value = float(ratio) * scale
    shown = f"{value:.{digits}f}"
    if is_below_four_fifths(ratio) and float(shown) >= float(FOUR_FIFTHS) * scale:
        factor = 10 ** (digits + 1)
        return f"{math.floor(value * factor) / factor:.{digits + 1}f}"
    return shown


def _ratio_percent(ratio: Fraction) -> str:
    return _ratio_text(ratio, scale=100, digits=0) + "%"


def _p_text(p_value: float) -> str:
    if p_value < 0.001:
        return "< 0.001"
    if p_value < 0.01:
        return f"{p_value:.3f}"
    return f"{p_value:.2f}"


def _p_clause(p_value: float) -> str:
    text = _p_text(p_value)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _chance_words(p_value: float) -> str:
    per_hundred = round(p_value * 100)
    if per_hundred == 0:
        return "less than once in 100"
    if per_hundred == 1:
        return "about once in 100"
    if per_hundred >= 100:
        return "almost every time"
    return f"about {per_hundred} times in 100"


def _sentence(label: str) -> str:
    return label[:1].upper() + label[1:]


def _count(passed: int, entered: int) -> str:
    return f"{passed} of {entered} passed ({_percent(selection_rate(passed, entered))})"


def _comparison_words(label: str, group: GroupTally, ratio: Fraction, reference: GroupTally,
                      p_value: float) -> str:
    flagged = is_below_four_fifths(ratio)
    if ratio == 1:
        opening = (f"{_sentence(label)} were selected at the same rate as {reference.label} "
                   f"(the reference group): {_count(group.passed, group.entered)}.")
    else:
        verdict = ("below the four-fifths threshold" if flagged
                   else "within the four-fifths threshold")
        opening = (f"{_sentence(label)} were selected at {_ratio_percent(ratio)} of the rate of "
                   f"{reference.label} (the highest-rate group): {verdict}. "
                   f"{_sentence(label)}: {_count(group.passed, group.entered)}; "
                   f"{reference.label}: {_count(reference.passed, reference.entered)}.")
    if ratio == 1:
        return opening
    chance = (f"With {group.entered} and {reference.entered} people, a difference this large "
              f"would arise by chance {_chance_words(p_value)} if both groups had the same chance "
              f"of passing (Fisher's exact test, {_p_clause(p_value)}).")
    if flagged and p_value < 0.05:
        reading = "Chance is an unlikely explanation: look into this stage."
    elif flagged:
        reading = ("With groups this small it may be chance: keep watching as more sprints "
                   "are pooled.")
    else:
        return f"{opening} {chance}"
    return f"{opening} {chance} {reading}"


def _not_compared_words(group: GroupTally) -> str:
    who = {
        GroupKind.PREFER_NOT_TO_SAY: "preferred not to say",
        GroupKind.NOT_REPORTED: "did not report this",
    }.get(group.kind, "")
    counts = _count(group.passed, group.entered)
    return (f"{_sentence(group.label)}: {counts}. People who {who} may belong to any group, so "
            "they are not compared with the reference group.")


# --- one table ----------------------------------------------------------------------------------


def _hidden_row(label: str, kind: GroupKind) -> ImpactRow:
    return ImpactRow(
        label=label, kind=kind, suppressed=True, entered=None, passed=None, rate=None,
        impact_ratio=None, is_reference=False, below_four_fifths=False, p_value=None,
        entered_text=SUPPRESSED_TEXT, passed_text=NOT_APPLICABLE_TEXT,
        rate_text=NOT_APPLICABLE_TEXT, ratio_text=NOT_APPLICABLE_TEXT,
        p_value_text=NOT_APPLICABLE_TEXT, explanation=SUPPRESSED_EXPLANATION)


def _shown_row(group: GroupTally, *, ratio: Fraction | None = None, is_reference: bool = False,
               p_value: float | None = None, explanation: str) -> ImpactRow:
    rate = selection_rate(group.passed, group.entered)
    return ImpactRow(
        label=group.label, kind=group.kind, suppressed=False, entered=group.entered,
        passed=group.passed, rate=float(rate),
        impact_ratio=None if ratio is None else float(ratio), is_reference=is_reference,
        below_four_fifths=ratio is not None and is_below_four_fifths(ratio), p_value=p_value,
        entered_text=str(group.entered), passed_text=str(group.passed), rate_text=_percent(rate),
        ratio_text=(NOT_APPLICABLE_TEXT if ratio is None
                    else _ratio_text(ratio, scale=1, digits=2)),
        p_value_text=NOT_APPLICABLE_TEXT if p_value is None else _p_text(p_value),
        explanation=explanation)


def _choose_reference(comparable: Sequence[GroupTally]) -> GroupTally:
    """Highest rate; ties to the larger group, then to the one listed first."""
    order = {group.label: index for index, group in enumerate(comparable)}
    return max(comparable, key=lambda g: (selection_rate(g.passed, g.entered), g.entered,
                                          -order[g.label]))


def _table(transition: str, attribute: str, groups: Sequence[GroupTally],
           hidden: frozenset[str]) -> ImpactTable:
    shown = [g for g in groups if g.label not in hidden]
    comparable = [g for g in shown if g.kind is GroupKind.REPORTED]
    nobody_passed = all(g.passed == 0 for g in groups)
    reference: GroupTally | None = None
    notes: list[str] = []

    if not comparable:
        notes.append("No group that reported this is large enough to show, so nothing can be "
                     "compared.")
    elif nobody_passed:
        notes.append("Nobody passed this stage, so there are no selection rates to compare.")
    elif len(comparable) == 1:
        notes.append(f"Only one group, {comparable[0].label}, can be compared at this stage, so "
                     "there is nothing to compare it with.")
    else:
        best = _choose_reference(comparable)
        if best.passed == 0:
            notes.append("None of the groups shown passed this stage, so there is no rate to "
                         "compare against.")
        else:
            reference = best

    rows: list[ImpactRow] = []
    for group in groups:
        if group.label in hidden:
            rows.append(_hidden_row(group.label, group.kind))
        elif group.kind is not GroupKind.REPORTED:
            rows.append(_shown_row(group, explanation=_not_compared_words(group)))
        elif reference is None:
            rows.append(_shown_row(group, explanation=(
                f"{_sentence(group.label)}: {_count(group.passed, group.entered)}. "
                "Not compared (see the note on this table).")))
        elif group is reference:
            rows.append(_shown_row(group, ratio=Fraction(1), is_reference=True, explanation=(
                f"{_sentence(group.label)} had the highest selection rate of the groups shown: "
                f"{_count(group.passed, group.entered)}. The other groups are compared with "
                "them.")))
        else:
            # The reference rate is above 0 here, so the ratio is defined.
            ratio = selection_rate(group.passed, group.entered) / selection_rate(
                reference.passed, reference.entered)
            p_value = fisher_p_value(group.passed, group.entered, reference.passed,
                                     reference.entered)
            rows.append(_shown_row(group, ratio=ratio, p_value=p_value, explanation=(
                _comparison_words(group.label, group, ratio, reference, p_value))))

    if reference is not None:
        reference_rate = selection_rate(reference.passed, reference.entered)
        tied = [g.label for g in comparable if g is not reference
                and selection_rate(g.passed, g.entered) == reference_rate]
        if tied:
            notes.append(f"{_sentence(reference.label)} share the highest rate "
                         f"({_percent(reference_rate)}) with {_join(tied)}; {reference.label}, "
                         "the larger group (or the first listed), are the reference.")
        else:
            notes.append(f"{_sentence(reference.label)} had the highest selection rate "
                         f"({_percent(reference_rate)}) and are the reference group.")
        flagged = [row.label for row in rows if row.below_four_fifths]
        if flagged:
            notes.append(f"Below the four-fifths threshold: {_join(flagged)}.")
        else:
            notes.append("No group shown is below the four-fifths threshold.")
    if any(g.kind is not GroupKind.REPORTED for g in shown):
        notes.append("People who preferred not to say or did not report are shown but not "
                     "compared.")
    if hidden:
        notes.append(SUPPRESSION_NOTE)
    return ImpactTable(transition, attribute, tuple(rows),
                       None if reference is None else reference.label, " ".join(notes))


def _join(labels: Sequence[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


# --- the report ---------------------------------------------------------------------------------


def compare_groups(tally: TransitionTally) -> ImpactTable:
    """The table for a single transition on its own (no earlier transitions to carry from)."""
    groups = [g for g in tally.groups if g.entered > 0]
    return _table(tally.transition, tally.attribute, groups, _withheld(groups, frozenset()))


def build_impact_report(tallies: Iterable[TransitionTally]) -> ImpactReport:
    """Pool the tallies (sprints), then one table per transition × attribute.

    Transitions must come in pipeline order (first appearance counts): suppression carries forward
    from each transition to the later ones of the same attribute. Tables are ordered by transition,
    then attribute, each by first appearance.
    """
    pooled = pool(tallies)
    transitions = list(dict.fromkeys(t.transition for t in pooled))
    attributes = list(dict.fromkeys(t.attribute for t in pooled))
    tables: dict[tuple[str, str], ImpactTable] = {}
    for attribute in attributes:
        carried: dict[str, GroupKind] = {}  # withheld at an earlier transition, with its kind
        for tally in (t for t in pooled if t.attribute == attribute):
            groups = [g for g in tally.groups if g.entered > 0 or g.label in carried]
            # A withheld group stays listed even when the caller left it out for want of entrants.
            groups += [GroupTally(label, 0, 0, kind) for label, kind in carried.items()
                       if label not in {g.label for g in groups}]
            groups = _in_first_seen_order(groups, pooled, attribute)
            hidden = _withheld(groups, frozenset(carried))
            tables[(tally.transition, attribute)] = _table(
                tally.transition, attribute, groups, hidden)
            carried.update({g.label: g.kind for g in groups if g.label in hidden})
    return ImpactReport(tuple(tables[(transition, attribute)] for transition in transitions
                              for attribute in attributes if (transition, attribute) in tables))


def _in_first_seen_order(groups: Sequence[GroupTally], pooled: Sequence[TransitionTally],
                         attribute: str) -> list[GroupTally]:
    order: dict[str, int] = {}
    for tally in pooled:
        if tally.attribute == attribute:
            for group in tally.groups:
                order.setdefault(group.label, len(order))
    return sorted(groups, key=lambda g: order[g.label])
