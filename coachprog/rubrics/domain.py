"""Behavioural rubrics and the scoring rule every assessment in the program uses.

A rubric version is immutable once any score used it. Behaviours are observable markers,
scored `binary` (absent 0 / present 1) or on a 1–5 scale with a behavioural anchor per level.
Each mark is normalised to 0–1 ((level − 1) / 4 on the 1–5 scale); a competency's score is the
weighted mean of its behaviours, the overall score the weighted mean of all behaviours.
An assessment passes only when the overall score reaches the threshold, every competency reaches
its minimum, and every non-negotiable behaviour is met (present, or at least its `met_at` level):
e.g. a candidate who reverts to telling instead of coaching fails, whatever the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Purpose(StrEnum):
    INTERVIEW = "interview"
    SIMULATION = "simulation"
    SESSION_REVIEW = "session_review"
    CAPSTONE = "capstone"
    AUDIT = "audit"
    RECERTIFICATION = "recertification"


class ScaleKind(StrEnum):
    BINARY = "binary"
    LEVELS = "1-5"


LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Behaviour:
    id: str
    description: str
    scale: ScaleKind
    anchors: Mapping[int, str] = field(default_factory=dict)  # 1–5 only: level → anchor text
    weight: float = 1.0
    non_negotiable: bool = False
    met_at: int = 3  # 1–5 non-negotiables: the lowest level that counts as met

    def valid_values(self) -> tuple[int, ...]:
        return (0, 1) if self.scale is ScaleKind.BINARY else LEVELS

    def normalise(self, value: int) -> float:
        if value not in self.valid_values():
            raise ValueError(f"{value!r} is not a mark on the {self.scale.value} scale")
        return float(value) if self.scale is ScaleKind.BINARY else (value - 1) / 4

    def is_met(self, value: int) -> bool:
        return value == 1 if self.scale is ScaleKind.BINARY else value >= self.met_at


@dataclass(frozen=True)
class Competency:
    id: str
    title: str
    behaviours: tuple[Behaviour, ...]
    minimum: float | None = None  # overrides PassRules.competency_minimum


@dataclass(frozen=True)
class PassRules:
    overall_threshold: float = 0.7
    competency_minimum: float = 0.0
    non_negotiables_required: bool = True


@dataclass(frozen=True)
class Rubric:
    id: str
    version: int
    title: str
    purpose: Purpose
    competencies: tuple[Competency, ...]
    pass_rules: PassRules = PassRules()
    description: str = ""

    @property
    def behaviours(self) -> tuple[Behaviour, ...]:
        return tuple(b for c in self.competencies for b in c.behaviours)

    def behaviour(self, behaviour_id: str) -> Behaviour:
        for behaviour in self.behaviours:
            if behaviour.id == behaviour_id:
                return behaviour
        raise KeyError(behaviour_id)

    def minimum_for(self, competency: Competency) -> float:
        if competency.minimum is not None:
            return competency.minimum
        return self.pass_rules.competency_minimum


@dataclass(frozen=True)
class CompetencyResult:
    id: str
    title: str
    score: float
    minimum: float

    @property
    def passed(self) -> bool:
        return self.score + 1e-9 >= self.minimum


@dataclass(frozen=True)
class AssessmentResult:
    overall: float
    passed: bool
    competencies: tuple[CompetencyResult, ...]
    failed_rules: tuple[str, ...]  # human-readable reasons, empty when passed

    def as_dict(self) -> dict[str, object]:
        return {
            "overall": round(self.overall, 4),
            "passed": self.passed,
            "competencies": [
                {"id": c.id, "title": c.title, "score": round(c.score, 4),
                 "minimum": c.minimum, "passed": c.passed}
                for c in self.competencies
            ],
            "failed_rules": list(self.failed_rules),
        }


def percent(value: float, digits: int = 0) -> str:
    """A 0–1 score as people read it: "81%" (half up, so 62.5 % reads 63% as on paper)."""
    scale = 10 ** digits
    # The nudge absorbs float noise (0.285 * 100 == 28.499…) the way a person would.
    shown = math.floor(value * 100 * scale + 0.5 + 1e-7) / scale
    return f"{shown:.{digits}f}%"


def percents_apart(value: float, limit: float) -> tuple[str, str]:
    """`value` and `limit` with just enough decimals that a value below the limit never reads
    as the limit ("Overall 70% is below the threshold 70%"): 0.696 against 0.7 reads "69.6%"
    and "70.0%". Rounding keeps order, so a lower value never reads higher."""
    for digits in (0, 1, 2):
        shown = percent(value, digits), percent(limit, digits)
        if shown[0] != shown[1]:
            return shown
    return percent(value, 3), percent(limit, 3)


class IncompleteMarks(ValueError):  # noqa: N818 - reads as the domain says it
    """Some behaviours have no mark, or a mark names no behaviour of the rubric."""


def check_marks(rubric: Rubric, marks: Mapping[str, int]) -> list[str]:
    """Problems with a set of marks, in words a rater can act on; empty when complete."""
    problems: list[str] = []
    known = {b.id for b in rubric.behaviours}
    for behaviour_id in sorted(set(marks) - known):
        problems.append(f"{behaviour_id} is not a behaviour of {rubric.id} v{rubric.version}")
    for behaviour in rubric.behaviours:
        if behaviour.id not in marks:
            problems.append(f"{behaviour.id} has no mark")
        elif marks[behaviour.id] not in behaviour.valid_values():
            problems.append(f"{behaviour.id}: {marks[behaviour.id]!r} is not a mark on the "
                            f"{behaviour.scale.value} scale")
    return problems


def _weighted_mean(pairs: list[tuple[float, float]]) -> float:
    total_weight = sum(weight for _, weight in pairs)
    if total_weight <= 0:
        return 0.0
    return sum(score * weight for score, weight in pairs) / total_weight


def score_assessment(rubric: Rubric, marks: Mapping[str, int]) -> AssessmentResult:
    """Compute the result of one complete set of marks (behaviour id → mark)."""
    problems = check_marks(rubric, marks)
    if problems:
        raise IncompleteMarks("; ".join(problems))
    failed: list[str] = []
    competencies: list[CompetencyResult] = []
    for competency in rubric.competencies:
        score = _weighted_mean([(b.normalise(marks[b.id]), b.weight)
                                for b in competency.behaviours])
        result = CompetencyResult(competency.id, competency.title, score,
                                  rubric.minimum_for(competency))
        competencies.append(result)
        if not result.passed:
            shown, minimum = percents_apart(score, result.minimum)
            failed.append(f"{competency.title}: {shown} is below the minimum {minimum}")
    overall = _weighted_mean([(b.normalise(marks[b.id]), b.weight) for b in rubric.behaviours])
    if overall + 1e-9 < rubric.pass_rules.overall_threshold:
        shown, threshold = percents_apart(overall, rubric.pass_rules.overall_threshold)
        failed.insert(0, f"Overall {shown} is below the threshold {threshold}")
    if rubric.pass_rules.non_negotiables_required:
        for behaviour in rubric.behaviours:
            if behaviour.non_negotiable and not behaviour.is_met(marks[behaviour.id]):
                failed.append(f"Non-negotiable not met: {behaviour.description}")
    return AssessmentResult(overall, not failed, tuple(competencies), tuple(failed))
