"""Tier 4, the economic level: return on investment on the Phillips ROI Methodology.

Policy (issue 23, Phillips' conservative operating standards):
- ROI = (benefit − fully loaded cost) / fully loaded cost × 100; payback = months of benefit
  needed to recover the cost. The cost is fully loaded: training, supervision hours, platform
  fees, coach time as opportunity cost (the protected share of each coach's loaded cost) and
  L&D admin hours.
- The coaching effect is isolated from other causes by the charter's method: a matched
  comparison group with difference in differences, a trend line projected from the coached
  leaders' own pre-programme data, or participants' estimates of the improvement × the share
  they attribute to coaching × their stated confidence.
- Conservative by rule: a coached leader without data counts as no improvement (they stay in
  the count); first-year benefits only (at most 12 months); of competing estimates the lower.
- Always a range, never one number: low / base / high from a bootstrap over leaders (fixed
  seed, so the same data gives the same range) and the stated bounds of the monetary value.
  Low ≤ base ≤ high always, and the range widens as the data or the bounds get less certain.

Pure standard library: the services load the series and the charter's figures.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from coachprog.glossary import LabelledEnum, labels

BOOTSTRAP_DRAWS = 1000
BOOTSTRAP_SEED = 23  # fixed: the same data always gives the same range
LOW_PERCENTILE = 5.0
HIGH_PERCENTILE = 95.0
FIRST_YEAR_MONTHS = 12


class Isolation(LabelledEnum):
    COMPARISON_GROUP = "comparison_group", "Matched comparison group (difference in differences)"
    TREND_LINE = "trend_line", "Trend-line projection of the coached leaders' own baseline"
    PARTICIPANT_ESTIMATES = ("participant_estimates",
                             "Participants' estimates × contribution × confidence")


ISOLATION_LABELS = labels(Isolation)


@dataclass(frozen=True)
class Point:
    on: date
    value: float


@dataclass(frozen=True)
class Estimate:
    """A participant's own estimate (Phillips): how much the KPI improved, what share of
    that they attribute to coaching, and how confident they are (shares in 0–1)."""

    improvement: float
    contribution: float
    confidence: float

    @property
    def adjusted(self) -> float:
        return self.improvement * self.contribution * self.confidence


@dataclass(frozen=True)
class Leader:
    key: str  # a pseudonym, never a name
    points: tuple[Point, ...] = ()
    estimate: Estimate | None = None


@dataclass(frozen=True)
class CostModel:
    """The fully loaded cost of the program over `months` (amounts in one currency)."""

    training: float = 0.0
    supervision_hours: float = 0.0
    supervision_rate: float = 0.0
    platform_fees: float = 0.0
    coaches: int = 0
    coach_time_share: float = 0.0  # protected share of each coach's time, e.g. 0.10–0.20
    coach_loaded_cost: float = 0.0  # a coach's loaded cost per year
    admin_hours: float = 0.0
    admin_rate: float = 0.0
    months: int = 12

    def breakdown(self) -> dict[str, float]:
        return {
            "training": round(self.training, 2),
            "supervision": round(self.supervision_hours * self.supervision_rate, 2),
            "platform_fees": round(self.platform_fees, 2),
            # Opportunity cost: the coaches' protected time is time not spent on their job.
            "coach_time": round(self.coaches * self.coach_time_share * self.coach_loaded_cost
                                * self.months / 12, 2),
            "admin": round(self.admin_hours * self.admin_rate, 2),
        }

    def fully_loaded(self) -> float:
        return round(sum(self.breakdown().values()), 2)


@dataclass(frozen=True)
class Monetisation:
    """The charter's monetisation rule: what one unit of KPI improvement for one leader is
    worth per year, with its stated lower and upper bounds."""

    value_per_unit: float
    value_low: float
    value_high: float
    benefit_months: int = FIRST_YEAR_MONTHS
    higher_is_better: bool = True

    @property
    def months(self) -> int:
        # First-year benefits only, whatever the charter asks for (conservative standard).
        return max(0, min(self.benefit_months, FIRST_YEAR_MONTHS))


@dataclass(frozen=True)
class Effects:
    """Per-leader effects ready for the total: `coached` are changes (None: no data),
    `comparison` the comparison leaders' changes (empty: no counterfactual to subtract);
    `sign` turns a change into an improvement (−1 where lower is better)."""

    method: Isolation
    coached: tuple[float | None, ...]
    comparison: tuple[float, ...] = ()
    sign: int = 1
    # Trend line only: the coached leaders and the start, so that each bootstrap draw can
    # refit the trend on the leaders it drew (the trend is estimated from the same leaders,
    # so its uncertainty belongs in the range too).
    leaders: tuple[Leader, ...] = ()
    start: date | None = None


@dataclass(frozen=True)
class Range:
    low: float
    base: float
    high: float

    def as_dict(self, digits: int = 2) -> dict[str, float]:
        return {"low": round(self.low, digits), "base": round(self.base, digits),
                "high": round(self.high, digits)}


@dataclass(frozen=True)
class RoiResult:
    method: Isolation
    cost: float
    improvement: Range  # total KPI units improved across coached leaders, per leader-year
    benefit: Range
    percent: Range | None  # None: no cost recorded, ROI undefined
    payback_months: dict[str, float | None]  # None: the benefit never recovers the cost
    leaders: int
    leaders_with_data: int


class NotComputable(ValueError):  # noqa: N818 - reads as what it says
    """The chosen isolation method has no data to work with."""


# --- counterfactuals ------------------------------------------------------------------------


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def change(points: Sequence[Point], start: date) -> float | None:
    """Mean after `start` minus mean before it; None without data on both sides."""
    before = [p.value for p in points if p.on < start]
    after = [p.value for p in points if p.on >= start]
    if not before or not after:
        return None
    return mean(after) - mean(before)


def difference_in_differences(coached: Sequence[Leader], comparison: Sequence[Leader],
                              start: date, *, higher_is_better: bool) -> Effects:
    changes = tuple(change(leader.points, start) for leader in coached)
    control = tuple(c for c in (change(leader.points, start) for leader in comparison)
                    if c is not None)
    if not control or all(c is None for c in changes):
        raise NotComputable("difference in differences needs before-and-after data for "
                            "coached leaders and for the comparison group")
    return Effects(Isolation.COMPARISON_GROUP, changes, control, 1 if higher_is_better else -1)


def trend_line(points: Sequence[Point], start: date) -> tuple[float, float]:
    """Least-squares (intercept, slope per day) through points before `start`, x in days
    from `start`."""
    pre = [(float((p.on - start).days), p.value) for p in points if p.on < start]
    xs = [x for x, _ in pre]
    if len(set(xs)) < 2:
        raise NotComputable("a trend line needs data on at least two dates before the start")
    mx, my = mean(xs), mean([y for _, y in pre])
    slope = (sum((x - mx) * (y - my) for x, y in pre) / sum((x - mx) ** 2 for x in xs))
    return my - slope * mx, slope


def trend_projection(coached: Sequence[Leader], start: date, *,
                     higher_is_better: bool) -> Effects:
    """Each coached leader's post-start values minus the pooled pre-start trend projected to
    the same dates (the counterfactual: things would have carried on as they were going)."""
    changes = trend_changes(coached, start)
    if all(c is None for c in changes):
        raise NotComputable("no coached leader has data after the start")
    return Effects(Isolation.TREND_LINE, changes, (), 1 if higher_is_better else -1,
                   tuple(coached), start)


def trend_changes(coached: Sequence[Leader], start: date) -> tuple[float | None, ...]:
    """Each leader's mean post-start deviation from the trend fitted to these leaders'
    pooled pre-start points (None: no data after the start)."""
    intercept, slope = trend_line([p for leader in coached for p in leader.points], start)
    changes: list[float | None] = []
    for leader in coached:
        post = [p for p in leader.points if p.on >= start]
        changes.append(mean([p.value - (intercept + slope * (p.on - start).days) for p in post])
                       if post else None)
    return tuple(changes)


def participant_estimates(coached: Sequence[Leader]) -> Effects:
    """Estimates are already improvements (in the KPI's good direction)."""
    adjusted = tuple(None if leader.estimate is None else leader.estimate.adjusted
                     for leader in coached)
    if all(a is None for a in adjusted):
        raise NotComputable("no participant has given an estimate yet")
    return Effects(Isolation.PARTICIPANT_ESTIMATES, adjusted, (), 1)


def effects_for(method: Isolation, coached: Sequence[Leader], comparison: Sequence[Leader],
                start: date, *, higher_is_better: bool) -> Effects:
    if method is Isolation.COMPARISON_GROUP:
        return difference_in_differences(coached, comparison, start,
                                         higher_is_better=higher_is_better)
    if method is Isolation.TREND_LINE:
        return trend_projection(coached, start, higher_is_better=higher_is_better)
    return participant_estimates(coached)


# --- totals, the bootstrap and the range ----------------------------------------------------


def total_improvement(coached: Sequence[float | None], comparison: Sequence[float],
                      sign: int) -> float:
    """Improvement summed over coached leaders, in KPI units. A leader without data adds 0
    (no data counts as no improvement); the comparison group's mean change is subtracted."""
    counterfactual = mean(comparison) if comparison else 0.0
    return sign * sum(c - counterfactual for c in coached if c is not None)


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * pct / 100
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def bootstrap_totals(effects: Effects, *, draws: int = BOOTSTRAP_DRAWS,
                     seed: int = BOOTSTRAP_SEED) -> list[float]:
    """The total recomputed on leaders drawn with replacement (coached and comparison each
    resampled to their own size): the isolation method's uncertainty. For the trend line
    each draw refits the trend on the leaders it drew (the whole estimator is resampled)."""
    rng = random.Random(seed)  # noqa: S311 - resampling, not security
    coached, comparison = effects.coached, effects.comparison
    totals = []
    for _ in range(draws):
        picks = [rng.randrange(len(coached)) for _ in coached]
        control = [comparison[rng.randrange(len(comparison))] for _ in comparison]
        totals.append(total_improvement(_drawn_changes(effects, picks), control, effects.sign))
    return totals


def _drawn_changes(effects: Effects, picks: Sequence[int]) -> list[float | None]:
    if effects.leaders and effects.start is not None:
        try:
            return list(trend_changes([effects.leaders[i] for i in picks], effects.start))
        except NotComputable:
            pass  # the drawn leaders span one pre-start date: keep the full sample's trend
    return [effects.coached[i] for i in picks]


# The range is a pure function of its (frozen) inputs and the bootstrap costs ~0.2 s per method
# on a large organisation: the dashboard and its downloads ask for the same data again and again.
@functools.lru_cache(maxsize=32)
def improvement_range(effects: Effects, *, draws: int = BOOTSTRAP_DRAWS,
                      seed: int = BOOTSTRAP_SEED) -> Range:
    base = total_improvement(effects.coached, effects.comparison, effects.sign)
    totals = bootstrap_totals(effects, draws=draws, seed=seed)
    return Range(min(percentile(totals, LOW_PERCENTILE), base), base,
                 max(percentile(totals, HIGH_PERCENTILE), base))


def benefit_range(improvement: Range, money: Monetisation) -> Range:
    """Monetise: units × value per unit-year × the first-year share. Low and high take the
    value's stated bounds too, whichever way makes the range wider."""
    share = money.months / 12
    values = (money.value_low, money.value_high)
    base = improvement.base * money.value_per_unit * share
    low = min(improvement.low * v for v in values) * share
    high = max(improvement.high * v for v in values) * share
    return Range(min(low, base), base, max(high, base))


def payback_months(cost: float, benefit: float) -> float | None:
    """Months of (first-year, monthly) benefit needed to recover the cost."""
    if benefit <= 0:
        return None
    # A benefit so small that the months overflow never pays back: no figure, as for none.
    months = cost * 12 / benefit
    return round(months, 1) if math.isfinite(months) else None


def roi_percent(benefit: float, cost: float) -> float:
    return (benefit - cost) / cost * 100


def compute_roi(effects: Effects, money: Monetisation, cost: float, *,
                draws: int = BOOTSTRAP_DRAWS, seed: int = BOOTSTRAP_SEED) -> RoiResult:
    improvement = improvement_range(effects, draws=draws, seed=seed)
    benefit = benefit_range(improvement, money)
    percent = (Range(roi_percent(benefit.low, cost), roi_percent(benefit.base, cost),
                     roi_percent(benefit.high, cost)) if cost > 0 else None)
    payback = {"low": payback_months(cost, benefit.low),
               "base": payback_months(cost, benefit.base),
               "high": payback_months(cost, benefit.high)}
    return RoiResult(effects.method, cost, improvement, benefit, percent, payback,
                     len(effects.coached), sum(1 for c in effects.coached if c is not None))


def lower_of(results: Sequence[RoiResult]) -> RoiResult:
    """Of competing estimates, the lower (by base benefit; ties: the method named first)."""
    if not results:
        raise NotComputable("no isolation method has data yet")
    return min(results, key=lambda r: r.benefit.base)
