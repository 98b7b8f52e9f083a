"""Quarterly audit sampling and assignment: pure rules.

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
from datetime import date

METHOD_VERSION = "stratified-es-1"
MIN_PERCENT = 20.0
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

OUTCOMES: dict[str, str] = {
    "meets_standard": "Meets standard",
    "needs_development": "Needs development",
    "serious_concern": "Serious concern",
}
ACTION_KINDS: dict[str, str] = {
    "retraining": "Retraining",
    "extra_supervision": "Extra supervision",
    "other": "Other",
}
ACTION_STATUSES = ("open", "done", "cancelled")

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


# --- quarters ----------------------------------------------------------------------------------


def parse_quarter(text: str) -> tuple[int, int]:
    """"2026Q4" -> (2026, 4); ValueError with a message a user can act on."""
    match = _QUARTER.match(text.strip().upper())
    if not match:
        raise ValueError(f"{text!r} is not a quarter; write it like 2026Q4")
    return int(match.group(1)), int(match.group(2))


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First day of the quarter and first day of the next one."""
    year, q = parse_quarter(quarter)
    start = date(year, 3 * (q - 1) + 1, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, end


def previous_quarters(quarter: str, count: int) -> list[str]:
    year, q = parse_quarter(quarter)
    found: list[str] = []
    for _ in range(count):
        q -= 1
        if q == 0:
            year, q = year - 1, 4
        found.append(f"{year}Q{q}")
    return found


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


# --- supervision structure ---------------------------------------------------------------------


@dataclass(frozen=True)
class TreeNode:
    person_id: int
    name: str
    tier: str  # "master" | "lead" | "internal"
    children: tuple[TreeNode, ...]

    def descendant_count(self) -> int:
        return sum(1 + child.descendant_count() for child in self.children)


@dataclass(frozen=True)
class StructureWarning:
    person_id: int
    text: str


def structure_warnings(*, tiers: Mapping[int, str], names: Mapping[int, str],
                       supervisors_of: Mapping[int, Iterable[int]], coaches: Iterable[int],
                       min_span: int, max_span: int) -> list[StructureWarning]:
    """`tiers`: person id -> tier of everyone in the structure; `supervisors_of`: coach person
    id -> supervisor person ids; `coaches`: the active coaches who should be supervised."""
    warnings: list[StructureWarning] = []
    under: dict[int, set[int]] = {}
    for coach, supervisors in supervisors_of.items():
        for sup in supervisors:
            under.setdefault(sup, set()).add(coach)
            if tiers.get(sup, "internal") == "internal":
                warnings.append(StructureWarning(sup, (
                    f"{names.get(sup, sup)} supervises {names.get(coach, coach)} but is an "
                    "internal coach: only lead and master coaches supervise.")))
            elif tiers.get(sup) == "lead" and tiers.get(coach) in ("lead", "master"):
                warnings.append(StructureWarning(sup, (
                    f"{names.get(sup, sup)} (lead coach) supervises "
                    f"{names.get(coach, coach)}, who is a {tiers.get(coach)} coach: lead "
                    "coaches supervise internal coaches.")))
    for coach in sorted(set(coaches)):
        if tiers.get(coach) != "master" and not list(supervisors_of.get(coach, ())):
            warnings.append(StructureWarning(coach, f"{names.get(coach, coach)} has no "
                                                    "supervisor."))

    def total_under(person: int, seen: frozenset[int]) -> set[int]:
        found: set[int] = set()
        for child in under.get(person, set()):
            if child in seen:
                continue
            found.add(child)
            found |= total_under(child, seen | {child})
        return found

    for person, tier in sorted(tiers.items()):
        if tier != "master":
            continue
        count = len(total_under(person, frozenset({person})))
        if count < min_span:
            warnings.append(StructureWarning(person, (
                f"{names.get(person, person)} has {count} coaches under them; at least "
                f"{min_span} expected.")))
        elif count > max_span:
            warnings.append(StructureWarning(person, (
                f"{names.get(person, person)} has {count} coaches under them; at most "
                f"{max_span} expected.")))
    return warnings


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


def pseudonym(audit_id: int) -> str:
    """What the auditor sees instead of the coach's name."""
    return f"Coach A-{audit_id:04d}"


def action_overdue(status: str, due: date, today: date) -> bool:
    return status == "open" and due < today


def coverage_breach(*, audited: int, population: int, quarter_over: bool) -> bool:
    """Below 20 % of the active coaches audited by quarter end."""
    if not quarter_over or population == 0:
        return False
    return audited * 100 < MIN_PERCENT * population
