"""Quarterly audit sampling and auditor assignment: pure rules.

Sampling method (version `METHOD_VERSION`):
1. Sample size n = max(ceil(p/100 x N), number of strata) where N is the population size, p the
   configured percentage (at least `MIN_PERCENT` unless an override reason is recorded), and
   never more than N.
2. Stratified allocation by supervisor group, proportional with the largest-remainder method,
   with at least one coach from every group (groups that would get 0 take one from the groups
   with the largest allocations).
3. Within each group, weighted sampling without replacement with Efraimidis-Spirakis keys:
   each coach gets key u ** (1 / w) with u drawn from `random.Random(seed)` in a fixed order
   (groups sorted by name, coaches by id); the k largest keys are drawn.
Everything is a function of (seed, population): "verify" recomputes it from the stored record.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from coachprog.audits.domain import MIN_PERCENT

METHOD_VERSION = "stratified-es-1"
NO_SUPERVISOR = "Coaches with no supervisor"
# Labels stored before strata were written in words: "Pablo Zhou (#3)", "(no supervisor)".
_OLD_STRATUM = re.compile(r"^(?P<name>.+) \(#\d+\)$")
_OLD_NO_SUPERVISOR = "(no supervisor)"



def supervisor_stratum(supervisor_name: str) -> str:
    """A supervisor group in words. No id: two supervisors with the same name share a stratum,
    which only merges two groups of the proportional allocation (rare, harmless)."""
    return f"Coaches supervised by {supervisor_name}"


def stratum_words(stratum: str) -> str:
    """The label to show: samples drawn before the labels were in words stored an id code."""
    if stratum == _OLD_NO_SUPERVISOR:
        return NO_SUPERVISOR
    old = _OLD_STRATUM.match(stratum)
    return supervisor_stratum(old.group("name")) if old else stratum


WEIGHT_BASE = 1.0
WEIGHT_NOT_RECENTLY_AUDITED = 2.0  # not audited in the last two quarters
WEIGHT_DRIFT = 2.0  # open fidelity drift flag
WEIGHT_ESCALATION = 2.0  # open escalation (sensitive) flag on their sessions


# --- sampling ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationMember:
    coach_id: int
    stratum: str
    weight: float


@dataclass(frozen=True)
class SampleResult:
    size: int
    allocation: dict[str, int]
    drawn: tuple[int, ...]  # coach ids, sorted


def percent_problem(percent: float, override_reason: str) -> str | None:
    """Why this percentage is refused, or None."""
    if not 0 < percent <= 100:
        return "The percentage must be more than 0 and at most 100."
    if percent < MIN_PERCENT and not override_reason.strip():
        return (f"Below {MIN_PERCENT:g} % needs an override reason, which is recorded with "
                "the sample.")
    return None


def weight_for(*, recently_audited: bool, drifting: bool, escalated: bool) -> float:
    weight = WEIGHT_BASE
    if not recently_audited:
        weight *= WEIGHT_NOT_RECENTLY_AUDITED
    if drifting:
        weight *= WEIGHT_DRIFT
    if escalated:
        weight *= WEIGHT_ESCALATION
    return weight


def sample_size(population: int, percent: float, strata: int) -> int:
    if population == 0:
        return 0
    # Round away float noise before the ceiling (20 % of 10 is 2, not 3).
    wanted = math.ceil(round(population * percent / 100, 9))
    return min(population, max(wanted, strata))


def allocate(sizes: Mapping[str, int], total: int) -> dict[str, int]:
    """Largest-remainder proportional allocation of `total` over strata of `sizes`, every
    stratum at least one and never more than its size. `total` must be between the number of
    strata and the sum of the sizes."""
    names = sorted(sizes)
    population = sum(sizes.values())
    if not names:
        return {}
    if not len(names) <= total <= population:
        raise ValueError("total must be between the number of groups and the population")
    quotas = {name: total * sizes[name] / population for name in names}
    result = {name: min(sizes[name], max(1, math.floor(quotas[name]))) for name in names}
    # Hand out the rest by largest remainder (ties by name), never past a stratum's size.
    while sum(result.values()) < total:
        open_names = [n for n in names if result[n] < sizes[n]]
        best = max(open_names, key=lambda n: (quotas[n] - result[n], -names.index(n)))
        result[best] += 1
    # The minimum of one may overshoot: take back from the largest allocations.
    while sum(result.values()) > total:
        over = [n for n in names if result[n] > 1]
        worst = max(over, key=lambda n: (result[n] - quotas[n], result[n], n))
        result[worst] -= 1
    return result


def draw_sample(population: Sequence[PopulationMember], *, percent: float,
                seed: int) -> SampleResult:
    """Draw a quarter's sample; deterministic for (population, percent, seed)."""
    ids = [m.coach_id for m in population]
    if len(set(ids)) != len(ids):
        raise ValueError("a coach appears twice in the population")
    if any(m.weight <= 0 for m in population):
        raise ValueError("weights must be positive")
    strata: dict[str, list[PopulationMember]] = {}
    for member in population:
        strata.setdefault(member.stratum, []).append(member)
    size = sample_size(len(population), percent, len(strata))
    allocation = allocate({k: len(v) for k, v in strata.items()}, size) if size else {}
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not cryptography
    drawn: list[int] = []
    for name in sorted(strata):
        members = sorted(strata[name], key=lambda m: m.coach_id)
        keyed = []
        for member in members:
            u = rng.random() or 1e-12
            keyed.append((u ** (1.0 / member.weight), member.coach_id))
        keyed.sort(reverse=True)
        drawn.extend(coach_id for _, coach_id in keyed[:allocation.get(name, 0)])
    return SampleResult(size=size, allocation=allocation, drawn=tuple(sorted(drawn)))


# --- assignment --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditorCandidate:
    user_id: int
    calibrated: bool
    load: int  # open audits already assigned


def choose_auditor(candidates: Sequence[AuditorCandidate], *, excluded: Iterable[int],
                   extra_load: Mapping[int, int] | None = None) -> int | None:
    """The eligible auditor with the least load (ties: lowest id); None when nobody is.
    `excluded`: the coach's direct supervisors, conflicted users, the coach themselves."""
    barred = set(excluded)
    extra = extra_load or {}
    eligible = [c for c in candidates if c.calibrated and c.user_id not in barred]
    if not eligible:
        return None
    best = min(eligible, key=lambda c: (c.load + extra.get(c.user_id, 0), c.user_id))
    return best.user_id
