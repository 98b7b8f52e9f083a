"""The quarterly bias audit: who the program serves and how it decides, group by group.

Business concept: once a quarter L&D (and the sponsors, in aggregate) check every decision the
program takes about people — nomination and selection, who is offered and who receives
coaching, practicum gates, certification, and how severely raters score — broken down by the
consented self-reported demographics (`selection.demographics`) and by department, location and
tenure band. The statistics are the selection monitor's (`selection.impact`): selection rates,
impact ratio against the highest-rate group on exact fractions (four-fifths rule), Fisher's
exact test, and suppression of groups under 5 carried forward across the stages of one section
with the one rule of `governance.domain`. Nothing here is new statistics; this module turns
grouped counts (the service gets them from SQL) into the monitor's tallies.

Policy
------
* A **significant gap** is a group below four fifths of the reference rate *and* with Fisher's
  p < 0.05: a gap chance is unlikely to explain. Each one opens a review item (the service),
  with an owner and a closure; a gap below four fifths with a larger p-value is shown but does
  not open one (with groups this small it may be chance).
* **Demographics** are those a person gave, with consent, on their latest candidacy; someone
  who never answered is "not reported". Department and location are the HRIS's; blank is "not
  recorded". Tenure is counted at the quarter's last day.
* **Volumes** (sessions, hours) and **rater severity** (mean of the rater's overall score minus
  the agreed result, on the 0–1 scale; negative is harsher) are shown per group only where the
  group is shown in its section's rate table, so a withheld group's numbers never appear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from coachprog.audits.domain import parse_quarter, quarter_bounds
from coachprog.governance.domain import MIN_GROUP_SIZE
from coachprog.selection.domain import CandidateStage
from coachprog.selection.impact.demographics import (
    ATTRIBUTES,
    Entry,
    Outcome,
    Transition,
    group_of,
    outcome_at,
)
from coachprog.selection.impact.demographics import TRANSITIONS as SELECTION_TRANSITIONS
from coachprog.selection.impact.domain import (
    GroupKind,
    GroupTally,
    ImpactReport,
    TransitionTally,
    build_impact_report,
)

SIGNIFICANCE = 0.05
NOMINATION = Transition(CandidateStage.NOMINATED, CandidateStage.APPLIED,
                        "Nomination → application", "Nomination")


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str


DEMOGRAPHIC_DIMENSIONS = tuple(Dimension(a.key, a.label) for a in ATTRIBUTES)
ORG_DIMENSIONS = (Dimension("department", "Department"), Dimension("location", "Location"),
                  Dimension("tenure", "Tenure band"))
DIMENSIONS: tuple[Dimension, ...] = (*DEMOGRAPHIC_DIMENSIONS, *ORG_DIMENSIONS)
DIMENSION_KEYS = tuple(d.key for d in DIMENSIONS)

# Tenure bands as (code, label, years at least); the service turns hire dates into codes in SQL.
TENURE_BANDS: tuple[tuple[str, str, int], ...] = (
    ("t10", "People with 10 years' tenure or more", 10),
    ("t5", "People with 5–10 years' tenure", 5),
    ("t3", "People with 3–5 years' tenure", 3),
    ("t1", "People with 1–3 years' tenure", 1),
    ("t0", "People with under a year's tenure", 0),
)
NOT_RECORDED = {"department": "People whose department is not recorded",
                "location": "People whose location is not recorded",
                "tenure": "People whose start date is not recorded"}


def check_quarter(text: str) -> str:
    """The quarter as `2026Q4`; ValueError in words otherwise."""
    year, q = parse_quarter(text)
    return f"{year}Q{q}"


def bounds(quarter: str) -> tuple[date, date]:
    """First day of the quarter and first day of the next."""
    return quarter_bounds(quarter)


def tenure_thresholds(last_day: date) -> list[tuple[str, date]]:
    """(code, latest hire date for the band) in band order: hired on or before the date means
    at least the band's years by `last_day` (29 February falls back to the 28th)."""
    out = []
    for code, _, years in TENURE_BANDS:
        try:
            out.append((code, last_day.replace(year=last_day.year - years)))
        except ValueError:
            out.append((code, last_day.replace(year=last_day.year - years, day=28)))
    return out


def group_for(dimension: str, raw: str | None) -> tuple[str, GroupKind]:
    """The group a stored value puts someone in, as a plural phrase, and its kind."""
    value = (raw or "").strip()
    for attribute in ATTRIBUTES:
        if attribute.key == dimension:
            return group_of(attribute, value)
    if dimension == "tenure":
        label = next((label for code, label, _ in TENURE_BANDS if code == value), None)
        return (label, GroupKind.REPORTED) if label else (NOT_RECORDED["tenure"],
                                                          GroupKind.NOT_REPORTED)
    if not value:
        return NOT_RECORDED[dimension], GroupKind.NOT_REPORTED
    where = "in" if dimension == "department" else "at"
    return f"People {where} {value}", GroupKind.REPORTED


@dataclass(frozen=True)
class Count:
    """A grouped count from SQL: the dimension values (raw), and n people (or records) who
    passed or not."""

    groups: Mapping[str, str | None]
    passed: bool
    n: int


def tallies(transition: str, counts: Iterable[Count]) -> list[TransitionTally]:
    """One `TransitionTally` per dimension from grouped counts (groups in first-seen order,
    ordered reported first)."""
    counts = list(counts)
    out: list[TransitionTally] = []
    for dimension in DIMENSIONS:
        entered: dict[str, int] = {}
        passed: dict[str, int] = {}
        kinds: dict[str, GroupKind] = {}
        for count in counts:
            label, kind = group_for(dimension.key, count.groups.get(dimension.key))
            kinds[label] = kind
            entered[label] = entered.get(label, 0) + count.n
            passed[label] = passed.get(label, 0) + (count.n if count.passed else 0)
        order = sorted(entered, key=lambda lab: (kinds[lab] is not GroupKind.REPORTED, lab))
        groups = tuple(GroupTally(lab, entered[lab], passed[lab], kinds[lab]) for lab in order
                       if entered[lab] > 0)
        if groups:
            out.append(TransitionTally(transition, dimension.label, groups))
    return out


@dataclass(frozen=True)
class StageCount:
    """Candidacies grouped by where they stand: (stage, furthest stage) and dimensions."""

    groups: Mapping[str, str | None]
    stage: str
    furthest_stage: str
    n: int


def selection_tallies(counts: Sequence[StageCount]) -> list[TransitionTally]:
    """Nomination → application, then each selection transition, in pipeline order; only the
    decided count (the monitor's rule: someone still at a stage is pending, not failed)."""
    out: list[TransitionTally] = []
    for transition in (NOMINATION, *SELECTION_TRANSITIONS):
        decided: list[Count] = []
        for count in counts:
            outcome = outcome_at(Entry(count.stage, count.furthest_stage), transition)
            if outcome in (Outcome.PASSED, Outcome.NOT_PASSED):
                decided.append(Count(count.groups, outcome is Outcome.PASSED, count.n))
        if decided:
            out.extend(tallies(transition.label, decided))
    return out


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    explanation: str
    report: ImpactReport


def section(key: str, title: str, explanation: str,
            section_tallies: Iterable[TransitionTally]) -> Section:
    return Section(key, title, explanation, build_impact_report(section_tallies))


@dataclass(frozen=True)
class Gap:
    section: str
    transition: str
    attribute: str
    group: str
    impact_ratio: float
    p_value: float

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.section, self.transition, self.attribute, self.group)


def significant_gaps(sections: Iterable[Section]) -> list[Gap]:
    """Groups below four fifths with Fisher's p < 0.05 (never a withheld group)."""
    gaps: list[Gap] = []
    for part in sections:
        for table in part.report.tables:
            for row in table.rows:
                if (row.below_four_fifths and row.p_value is not None
                        and row.p_value < SIGNIFICANCE and row.impact_ratio is not None):
                    gaps.append(Gap(part.key, table.transition, table.attribute, row.label,
                                    row.impact_ratio, row.p_value))
    return gaps


@dataclass(frozen=True)
class VolumeCount:
    groups: Mapping[str, str | None]
    people: int
    sessions: int
    minutes: int


@dataclass(frozen=True)
class VolumeRow:
    label: str
    people: int | None  # None: withheld
    sessions: int | None
    hours: float | None


class _Grouped(Protocol):
    @property
    def groups(self) -> Mapping[str, str | None]: ...


_CountT = TypeVar("_CountT", bound=_Grouped)
_RowT = TypeVar("_RowT")


def _group_rows(counts: Sequence[_CountT], shown: Mapping[str, frozenset[str]],
                size: Callable[[_CountT], int],
                row: Callable[[str, Sequence[_CountT] | None], _RowT]
                ) -> dict[str, list[_RowT]]:
    """Per dimension label, one row per group (sorted): made from the group's counts where the
    group is `shown` (by dimension label) in the section's rate tables and its size is at least
    MIN_GROUP_SIZE, else withheld (`row` gets None)."""
    out: dict[str, list[_RowT]] = {}
    for dimension in DIMENSIONS:
        members: dict[str, list[_CountT]] = {}
        for count in counts:
            label, _ = group_for(dimension.key, count.groups.get(dimension.key))
            members.setdefault(label, []).append(count)
        visible = shown.get(dimension.label, frozenset())
        rows = [row(label, members[label] if label in visible
                    and sum(size(count) for count in members[label]) >= MIN_GROUP_SIZE
                    else None)
                for label in sorted(members)]
        if rows:
            out[dimension.label] = rows
    return out


def _volume_row(label: str, group: Sequence[VolumeCount] | None) -> VolumeRow:
    if group is None:
        return VolumeRow(label, None, None, None)
    return VolumeRow(label, sum(count.people for count in group),
                     sum(count.sessions for count in group),
                     round(sum(count.minutes for count in group) / 60, 1))


def volumes(counts: Sequence[VolumeCount], shown: Mapping[str, frozenset[str]]
            ) -> dict[str, list[VolumeRow]]:
    """Per dimension label, per group: people, sessions and hours; numbers only for groups
    `shown` (by dimension label) in the section's rate tables, and never under 5 people."""
    return _group_rows(counts, shown, lambda count: count.people, _volume_row)


@dataclass(frozen=True)
class SeverityCount:
    groups: Mapping[str, str | None]
    submissions: int
    deviation_sum: float


@dataclass(frozen=True)
class SeverityRow:
    label: str
    submissions: int | None
    mean_deviation: float | None  # rater overall − agreed overall; negative: harsher


def _severity_row(label: str, group: Sequence[SeverityCount] | None) -> SeverityRow:
    if group is None:
        return SeverityRow(label, None, None)
    n = sum(count.submissions for count in group)
    return SeverityRow(label, n, round(sum((count.deviation_sum for count in group), 0.0) / n, 3))


def severities(counts: Sequence[SeverityCount], shown: Mapping[str, frozenset[str]]
               ) -> dict[str, list[SeverityRow]]:
    """As `volumes`: per group, the submissions and the mean deviation."""
    return _group_rows(counts, shown, lambda count: count.submissions, _severity_row)


def shown_groups(part: Section) -> dict[str, frozenset[str]]:
    """Per dimension label, the groups shown (not withheld) in every table of the section."""
    shown: dict[str, set[str]] = {}
    hidden: dict[str, set[str]] = {}
    for table in part.report.tables:
        for row in table.rows:
            (hidden if row.suppressed else shown).setdefault(table.attribute, set()).add(
                row.label)
    return {attribute: frozenset(labels - hidden.get(attribute, set()))
            for attribute, labels in shown.items()}
