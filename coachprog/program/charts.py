"""Chart geometry for the program dashboard and its PDF (the templates draw the SVG).

The trend lines reuse the fidelity sparkline (`audits.fidelity.sparkline`): values are scaled
into 0–1 on a shared axis so several series share one frame, and each point keeps its month
as the label for the dated axis. Pure: no Flask, no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coachprog.audits.fidelity.domain import Sparkline, sparkline

COLORS = {"series-a": "#1f5f8b", "series-b": "#b3412e"}


@dataclass(frozen=True)
class TrendSeries:
    name: str
    css: str  # the series' class (legend colour in app.css)
    color: str  # drawn as SVG attributes: WeasyPrint applies no page CSS inside SVG
    line: Sparkline


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    pad: int
    months: tuple[str, ...]
    series: tuple[TrendSeries, ...]
    top: float  # the value at the top of the frame
    bottom: float  # the value on the axis


def trend_chart(series: Mapping[str, Sequence[tuple[str, float]]],
                css: Mapping[str, str] | None = None, *, zero: bool = False,
                width: int = 560, height: int = 180, pad: int = 28) -> TrendChart | None:
    """Several monthly series on one dated axis (months of any series, in order)."""
    months = sorted({month for values in series.values() for month, _ in values})
    values = [v for points in series.values() for _, v in points]
    if not months or not values:
        return None
    bottom = min([*values, 0.0]) if zero else min(values)
    top = max(values)
    if top == bottom:
        top = bottom + 1.0
    drawn = []
    for name, points in series.items():
        by_month = dict(points)
        scaled = [(month, None if month not in by_month
                   else (by_month[month] - bottom) / (top - bottom), False) for month in months]
        style = (css or {}).get(name, "series-a")
        drawn.append(TrendSeries(name, style, COLORS.get(style, COLORS["series-a"]),
                                 sparkline(scaled, line=0.0, width=width, height=height,
                                           pad=pad)))
    return TrendChart(width, height, pad, tuple(months), tuple(drawn), round(top, 2),
                      round(bottom, 2))


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    bars: tuple[Bar, ...]


def bar_chart(rows: Sequence[tuple[str, float]], *, width: int = 560, left: int = 200,
              step: int = 26) -> BarChart:
    top = max([value for _, value in rows] + [1.0])
    span = width - left - 60
    bars = tuple(Bar(label, value, 10 + i * step, round(span * value / top))
                 for i, (label, value) in enumerate(rows))
    return BarChart(width, 20 + step * max(len(rows), 1), left, bars)
