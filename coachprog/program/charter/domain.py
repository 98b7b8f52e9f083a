"""The program charter and its decision gates: what success means, written before the data.

Policy (issue 23):
- One primary business KPI tied to a leader behaviour, with baseline and its source, data
  owner, 6- and 12-month targets and an executive sponsor; a resource model with its cost
  model (coach time is an opportunity cost: 10–20 % of each coach's time × loaded cost).
- Phases: pilot (20–50 leaders) → expansion (100–300) → organisation-wide, each with caps.
- Decision gates at 3 and 6 months and at each phase change carry go / iterate / stop
  criteria written before data arrives. Once the pilot has started they are locked: a change
  needs a reason and stays in the gate's history.
- Before scaling, a checklist: baseline verified, sponsor sign-off, protected time,
  supervision ratio set, consent and data governance documented, comparison group named.

Pure standard library.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from coachprog.glossary import LabelledEnum, labels

MIN_CHANGE_REASON = 10  # characters: a reason someone can read back later


class Phase(LabelledEnum):
    PILOT = "pilot", "Pilot (20–50 leaders)"
    EXPANSION = "expansion", "Expansion (100–300 leaders)"
    ORGANISATION = "organisation", "Organisation-wide"


PHASE_LABELS = labels(Phase)
PHASE_SIZES: dict[Phase, tuple[int, int | None]] = {
    Phase.PILOT: (20, 50), Phase.EXPANSION: (100, 300), Phase.ORGANISATION: (1, None)}

RESOURCE_MODELS = {"internal": "Internal coaches",
                   "blended": "Internal, blended with external master coaches",
                   "platform": "Platform-led"}
COACH_TIME_SHARE = (0.10, 0.20)


class Outcome(LabelledEnum):
    GO = "go", "Go"
    ITERATE = "iterate", "Iterate"
    STOP = "stop", "Stop"
    NO_DATA = "no_data", "No data yet"


OUTCOME_LABELS = labels(Outcome)

# What a gate criterion may measure: the live figures the services compute.
GATE_METRICS = {
    "leaders_coached": "Leaders coached",
    "sessions_per_leader": "Sessions per coached leader",
    "completion_pct": "Engagements completed (%)",
    "protected_time_pct": "Coaches' protected time (%)",
    "audit_coverage_pct": "Audit coverage of active coaches (%)",
    "fidelity_pct": "Rubric fidelity: audits passed (%)",
    "usefulness": "Usefulness rating (mean)",
    "follow_through": "Follow-through rating (mean)",
    "kpi_improvement_pct": "KPI improvement attributed to coaching (% of baseline)",
    "roi_low_pct": "ROI, low end of the range (%)",
}

CHECKLIST = {
    "baseline_verified": "Baseline verified",
    "sponsor_signoff": "Sponsor sign-off",
    "protected_time": "Protected coach time agreed",
    "supervision_ratio": "Supervision ratio set",
    "consent_governance": "Consent and data governance documented",
    "comparison_group": "Comparison group identified",
}

_CRITERION = re.compile(
    r"^\s*(?P<metric>[a-z_0-9]+)\s*(?P<op>>=|<=)\s*(?P<go>-?\d+(?:\.\d+)?)\s*"
    r"(?:[,;]\s*stop\s*(?:if\s*)?(?P<stop_op><|>)\s*(?P<stop>-?\d+(?:\.\d+)?))?\s*$",
    re.IGNORECASE)


@dataclass(frozen=True)
class Criterion:
    """Go when `metric op go`; stop when `metric stop_op stop`; otherwise iterate."""

    metric: str
    op: str  # ">=" | "<="
    go: float
    stop_op: str | None = None  # "<" | ">"
    stop: float | None = None

    def text(self) -> str:
        rule = f"{self.metric} {self.op} {self.go:g}"
        if self.stop_op is not None and self.stop is not None:
            rule += f", stop {self.stop_op} {self.stop:g}"
        return rule

    def as_dict(self) -> dict[str, object]:
        return {"metric": self.metric, "op": self.op, "go": self.go, "stop_op": self.stop_op,
                "stop": self.stop}

    def evaluate(self, value: float | None) -> Outcome:
        if value is None:
            return Outcome.NO_DATA
        if value >= self.go if self.op == ">=" else value <= self.go:
            return Outcome.GO
        if self.stop is not None and (value < self.stop if self.stop_op == "<"
                                      else value > self.stop):
            return Outcome.STOP
        return Outcome.ITERATE


def criterion_from_dict(data: Mapping[str, object]) -> Criterion:
    stop = data.get("stop")
    return Criterion(str(data["metric"]), str(data["op"]), float(str(data["go"])),
                     None if data.get("stop_op") is None else str(data["stop_op"]),
                     None if stop is None else float(str(stop)))


def parse_criteria(text: str) -> tuple[list[Criterion], list[str]]:
    """One criterion a line, e.g. `sessions_per_leader >= 4, stop < 2`. Returns the criteria
    and the problems, in words, naming the line."""
    criteria: list[Criterion] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _CRITERION.match(line)
        if match is None:
            problems.append(f"Line {number}: write it as `measure >= number, stop < number` "
                            f"(the stop part is optional), not {line.strip()[:60]!r}.")
            continue
        metric = match["metric"].lower()
        if metric not in GATE_METRICS:
            problems.append(f"Line {number}: {metric!r} is not a measure the gate can read; "
                            f"use one of {', '.join(GATE_METRICS)}.")
            continue
        criterion = Criterion(metric, match["op"], float(match["go"]), match["stop_op"],
                              None if match["stop"] is None else float(match["stop"]))
        if criterion.stop is not None and criterion.evaluate(criterion.stop) is Outcome.GO:
            problems.append(f"Line {number}: the stop line must lie on the failing side of "
                            f"the go line.")
            continue
        criteria.append(criterion)
    if not criteria and not problems:
        problems.append("Write at least one criterion before the data arrives.")
    return criteria, problems


def gate_outcome(outcomes: Sequence[Outcome]) -> Outcome:
    """Any stop stops; all go goes; missing data keeps the gate waiting; else iterate."""
    if not outcomes:
        return Outcome.NO_DATA
    if Outcome.STOP in outcomes:
        return Outcome.STOP
    if Outcome.NO_DATA in outcomes:
        return Outcome.NO_DATA
    if all(o is Outcome.GO for o in outcomes):
        return Outcome.GO
    return Outcome.ITERATE


def is_locked(pilot_start: date | None, today: date) -> bool:
    """Gates lock when the pilot starts: criteria written after that could be fitted to the
    data."""
    return pilot_start is not None and today >= pilot_start


def change_problems(*, locked: bool, reason: str) -> list[str]:
    if locked and len(reason.strip()) < MIN_CHANGE_REASON:
        return ["The pilot has started, so the gate is locked: say why it changes "
                f"(at least {MIN_CHANGE_REASON} characters); the reason stays in its history."]
    return []


def cohort_problems(phase: Phase, size: int) -> list[str]:
    least, most = PHASE_SIZES[phase]
    if size < least or (most is not None and size > most):
        bound = f"{least}–{most}" if most is not None else f"at least {least}"
        return [f"A {phase.value} cohort has {bound} leaders; this one has {size}."]
    return []


def coach_share_problems(share: float) -> list[str]:
    low, high = COACH_TIME_SHARE
    if not low <= share <= high:
        return [f"Protected coach time is {low:.0%}–{high:.0%} of each coach's time; "
                f"{share:.0%} is outside it."]
    return []


def missing_before_scaling(ticked: Mapping[str, bool]) -> list[str]:
    return [label for key, label in CHECKLIST.items() if not ticked.get(key)]
