"""Rater calibration statistics: how far raters agree with each other and with gold marks.

Policy (issue 3): a rater is calibrated for a rubric when their agreement with the gold marks
of a calibration exercise reaches the configured kappa (default 0.6) and they scored every item;
calibration lapses after the configured number of months (default 12). Supervisors also watch
each rater's severity (lenient > 0 > severe) and how it drifts per quarter on live assessments
against the moderated outcome.

The statistics, and what we do where they are undefined:

- Agreement with gold is Cohen's kappa, implemented here in plain Python. 1–5 marks use
  quadratic weights (a 2-vs-4 disagreement costs four times a 3-vs-4 one), binary marks are
  unweighted (quadratic weights on two categories are the unweighted kappa). Marks of both
  scales are pooled on the rubric's normalised 0–1 scale ((level − 1) / 4 for 1–5, the mark
  itself for binary); the weight of a disagreement is the squared distance between the two
  normalised marks.
- Kappa is undefined when chance disagreement is zero, which happens only when every mark of
  both raters is the same value. That is perfect agreement, so we return 1.0. With no marks at
  all there is nothing to judge and we return None ("not enough data").
- Agreement among raters is Krippendorff's alpha from the `krippendorff` package: ordinal for
  1–5 behaviours, nominal for binary ones, reported separately. None when fewer than two raters
  marked a common unit; 1.0 when every pairable mark is the same value (alpha's chance
  disagreement is zero there too).
- Severity is the mean signed deviation of the rater's normalised marks from gold.
"""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar

from coachprog.rubrics.domain import ScaleKind

Unit = TypeVar("Unit", bound=Hashable)
Rater = TypeVar("Rater", bound=Hashable)
Weighting = Literal["quadratic", "unweighted"]
AlphaLevel = Literal["ordinal", "nominal"]

# Agreement values are compared with a configured threshold; floating-point noise must not
# turn a kappa of exactly 0.6 into "not calibrated".
EPSILON = 1e-9


def normalise(scale: ScaleKind, value: int) -> float:
    """A mark on the rubric's common 0–1 scale (as the scoring rule normalises it)."""
    if scale is ScaleKind.BINARY:
        if value not in (0, 1):
            raise ValueError(f"{value!r} is not a binary mark")
        return float(value)
    if value not in (1, 2, 3, 4, 5):
        raise ValueError(f"{value!r} is not a mark on the 1-5 scale")
    return (value - 1) / 4


def cohen_kappa(
    first: Sequence[float], second: Sequence[float], *, weights: Weighting = "quadratic"
) -> float | None:
    """Cohen's kappa between two raters who marked the same units, pair by pair.

    kappa = 1 − Σ w·O / Σ w·E over the categories seen, with O the observed joint proportions,
    E the product of the two raters' marginal proportions, and w the squared distance between
    the category values (quadratic) or 0/1 for agreement/disagreement (unweighted). With
    equally spaced values this is Cohen's (1968) weighted kappa with quadratic weights.
    """
    if len(first) != len(second):
        raise ValueError("both raters must mark the same units")
    n = len(first)
    if n == 0:
        return None
    categories = sorted(set(first) | set(second))
    index = {value: i for i, value in enumerate(categories)}
    size = len(categories)
    observed = [[0] * size for _ in range(size)]
    for a, b in zip(first, second, strict=True):
        observed[index[a]][index[b]] += 1
    rows = [sum(observed[i]) for i in range(size)]
    columns = [sum(observed[i][j] for i in range(size)) for j in range(size)]

    def weight(i: int, j: int) -> float:
        if weights == "unweighted":
            return 0.0 if i == j else 1.0
        return (categories[i] - categories[j]) ** 2

    disagreement = math.fsum(weight(i, j) * observed[i][j]
                             for i in range(size) for j in range(size)) / n
    chance = math.fsum(weight(i, j) * rows[i] * columns[j]
                       for i in range(size) for j in range(size)) / (n * n)
    if chance <= EPSILON:
        # Every mark of both raters is one and the same value: perfect agreement.
        return 1.0
    return 1.0 - disagreement / chance


def severity(rater: Sequence[float], gold: Sequence[float]) -> float | None:
    """Mean signed deviation from gold: positive when the rater marks more generously."""
    if len(rater) != len(gold):
        raise ValueError("the rater and gold must mark the same units")
    if not rater:
        return None
    return math.fsum(r - g for r, g in zip(rater, gold, strict=True)) / len(rater)


@dataclass(frozen=True)
class MarkPair:
    """One behaviour of one calibration item: the rater's mark and the gold mark."""

    scale: ScaleKind
    rater: int
    gold: int


@dataclass(frozen=True)
class GoldAgreement:
    kappa: float | None  # pooled on the normalised scale: the number calibration is decided on
    kappa_levels: float | None  # 1–5 behaviours only, quadratic weights
    kappa_binary: float | None  # binary behaviours only, unweighted
    severity: float | None
    marks: int


def agreement_with_gold(pairs: Sequence[MarkPair]) -> GoldAgreement:
    rater = [normalise(p.scale, p.rater) for p in pairs]
    gold = [normalise(p.scale, p.gold) for p in pairs]
    levels = [p for p in pairs if p.scale is ScaleKind.LEVELS]
    binary = [p for p in pairs if p.scale is ScaleKind.BINARY]
    return GoldAgreement(
        kappa=cohen_kappa(rater, gold),
        kappa_levels=cohen_kappa([float(p.rater) for p in levels],
                                 [float(p.gold) for p in levels]),
        kappa_binary=cohen_kappa([float(p.rater) for p in binary],
                                 [float(p.gold) for p in binary], weights="unweighted"),
        severity=severity(rater, gold),
        marks=len(pairs),
    )


def is_calibrated(
    kappa: float | None, *, items_scored: int, items_total: int, threshold: float
) -> bool:
    """Calibrated: every item scored and agreement with gold at or above the threshold."""
    if kappa is None or items_total == 0 or items_scored < items_total:
        return False
    return kappa + EPSILON >= threshold


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later; the 31st (or 29 February) falls back to the month's end."""
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --- agreement among raters (Krippendorff's alpha) --------------------------------------------

# The ordinal metric depends on how often each level in between two marks was used, so it is
# told the whole 1–5 scale; the nominal metric needs only the values seen.
ORDINAL_DOMAIN = (1, 2, 3, 4, 5)


def krippendorff_alpha(
    units: Mapping[Unit, Mapping[Rater, int]], level: AlphaLevel
) -> float | None:
    """Alpha over `units` (unit → rater → mark); a rater may leave units unmarked.

    Only units marked by at least two raters are pairable; the rest carry no information
    about agreement (Krippendorff 2011), so they are left out before deciding the edge cases.
    """
    pairable = {unit: marks for unit, marks in units.items() if len(marks) >= 2}
    if not pairable:
        return None
    values = {value for marks in pairable.values() for value in marks.values()}
    if len(values) == 1:
        return 1.0
    # numpy and krippendorff load here, not at app start (issue 22): only alpha needs them.
    import krippendorff
    import numpy as np

    raters = sorted({rater for marks in pairable.values() for rater in marks}, key=repr)
    unit_keys = list(pairable)
    data = np.full((len(raters), len(unit_keys)), np.nan)
    for column, unit in enumerate(unit_keys):
        for row, rater in enumerate(raters):
            if rater in pairable[unit]:
                data[row, column] = pairable[unit][rater]
    value = krippendorff.alpha(
        reliability_data=data, level_of_measurement=level,
        value_domain=list(ORDINAL_DOMAIN) if level == "ordinal" else None,
    )
    return float(value)


# --- drift on live assessments ----------------------------------------------------------------


def quarter_of(moment: datetime) -> str:
    """The calendar quarter (UTC) a moment falls in, e.g. "2026-Q4"."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class QuarterDrift:
    quarter: str
    mean_deviation: float  # rater's overall − agreed overall: > 0 lenient, < 0 severe
    assessments: int


def drift_by_quarter(
    outcomes: Iterable[tuple[int, datetime, float, float]],
) -> dict[int, list[QuarterDrift]]:
    """Per rater, per quarter: the mean of (their overall − the moderated overall).

    Each outcome is (rater id, when the agreed result was recorded, the rater's overall score,
    the agreed overall score), scores on the 0–1 scale. Quarters come out in time order.
    """
    buckets: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for rater_id, moment, rater_overall, agreed_overall in outcomes:
        buckets[rater_id][quarter_of(moment)].append(rater_overall - agreed_overall)
    return {
        rater_id: [QuarterDrift(quarter, math.fsum(deltas) / len(deltas), len(deltas))
                   for quarter, deltas in sorted(quarters.items())]
        for rater_id, quarters in buckets.items()
    }


# --- the severity chart (an SVG drawn by the template from these numbers) ----------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float

    @property
    def lenient(self) -> bool:
        return self.value > 0


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    zero_x: float
    limit: float  # the axis runs from −limit to +limit
    bars: tuple[Bar, ...]
    label_width: int
    row_height: int


def severity_chart(
    values: Sequence[tuple[str, float]], *, width: int = 480, label_width: int = 160,
    row_height: int = 28,
) -> BarChart:
    """Horizontal bars around a zero line: severe raters to the left, lenient to the right."""
    limit = max([0.1, *(abs(value) for _, value in values)])
    limit = math.ceil(limit * 20) / 20  # a round axis end (multiples of 0.05)
    plot = width - label_width - 16
    zero_x = label_width + plot / 2
    scale = (plot / 2) / limit
    bars = []
    for row, (label, value) in enumerate(values):
        length = abs(value) * scale
        x = zero_x if value >= 0 else zero_x - length
        bars.append(Bar(label, value, round(x, 2), row * row_height + 6, round(length, 2),
                        row_height - 12))
    height = max(1, len(values)) * row_height + 24
    return BarChart(width, height, round(zero_x, 2), limit, tuple(bars), label_width,
                    row_height)
