"""The pilot scorecard: participation, completion, ratings, safety counts, effort and cost.

Policy (issue 23): counts other domains record — escalations, privacy incidents, adverse
effects, opt-outs — arrive through a registry (`register_scorecard_source`), so this
aggregator never reaches into their tables and they never import it. A count whose source is
not registered reads "not recorded yet", never 0: absence of a record is not absence of
incidents."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

# name → fn(since, until) -> int: how many were recorded in that window (aggregate only).
CountSource = Callable[[date, date], int]
SOURCE_LABELS = {
    "escalations": "Escalations",
    "privacy_incidents": "Privacy incidents",
    "adverse_effects": "Adverse effects",
    "opt_outs": "Opt-outs",
    "bias_reviews": "Bias-audit reviews opened",
}
_sources: dict[str, CountSource] = {}


def register_scorecard_source(name: str, fn: CountSource) -> None:
    """Called by the domain that records these (e.g. at app start): `fn(since, until)`
    returns a count for the program's window."""
    if name not in SOURCE_LABELS:
        raise ValueError(f"unknown scorecard count {name!r}; known: {', '.join(SOURCE_LABELS)}")
    _sources[name] = fn


def unregister_scorecard_source(name: str) -> None:
    _sources.pop(name, None)


def recorded_counts(since: date, until: date) -> dict[str, int | None]:
    return {name: (_sources[name](since, until) if name in _sources else None)
            for name in SOURCE_LABELS}


def build_scorecard(*, tier1: Mapping[str, Any], tier2: Mapping[str, Mapping[str, Any]],
                    cohort_size: int, admin_hours: float, cost: float, since: date,
                    until: date) -> dict[str, Any]:
    engagements = tier1["engagements"]
    # Leaders who took up coaching: engagements in the app, or the pilot's tracked leaders
    # where coaching is recorded elsewhere (an external or platform-led model).
    leaders = max(tier1["leaders_coached"], tier1.get("leaders_in_pilot", 0))
    active = engagements["active"] + engagements["completed"]

    def pct(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    def rating(metric: str) -> float | None:
        found = tier2.get(metric)
        return None if found is None else float(found["mean"])

    return {
        # Participation is voluntary: leaders who took up coaching against the cohort offered.
        "participation_pct": pct(leaders, cohort_size),
        "completion_pct": pct(engagements["completed"], engagements["started"]),
        "usefulness": rating("usefulness"),
        "follow_through": rating("follow_through"),
        **recorded_counts(since, until),
        "admin_hours": admin_hours,
        "cost_per_active_participant": round(cost / active, 2) if active else None,
    }
