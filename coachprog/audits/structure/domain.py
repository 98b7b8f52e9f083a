"""Supervision structure: pure rules. Master coaches supervise lead coaches, lead coaches
supervise internal coaches; every active coach has a supervisor; a master coach has between
`min_span` and `max_span` coaches under them (configured)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


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
