"""Privacy rules for reports: aggregates only, and no group small enough to identify people.

Policy: reports seen by sponsors and managers suppress every group with fewer than 5 members
(the count is withheld, not rounded), so no one can be singled out from a report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_GROUP_SIZE = 5


@dataclass(frozen=True)
class GroupCount:
    label: str
    count: int | None  # None: suppressed, fewer than MIN_GROUP_SIZE

    @property
    def suppressed(self) -> bool:
        return self.count is None


def withheld_labels(counts: Mapping[str, int], minimum: int = MIN_GROUP_SIZE, *,
                    carried: Iterable[str] = ()) -> frozenset[str]:
    """The groups of one table whose figures are withheld — the one suppression rule.

    Listed groups are those with members, plus `carried` ones (withheld in an earlier table of
    the same report: they stay withheld and listed). Withheld: every listed group under
    `minimum` and every carried one. Then complementary suppression: the total minus the shown
    groups is the sum of the withheld ones, so while that sum would single one out — exactly
    one group withheld, or every withheld group provably of size 1 (the sum equals their
    number) — the smallest shown group is withheld too (ties: the label that sorts last). A
    lone group newly under `minimum` next to carried ones also takes a complement, so a report
    built table by table never shows it beside a group it could be told apart from. Where no
    shown group is left, `total_reveals_withheld` says the totals must be withheld as well.
    """
    carried = frozenset(carried)
    listed = {label: count for label, count in counts.items() if count > 0 or label in carried}
    new = {label for label, count in listed.items()
           if 0 < count < minimum and label not in carried}
    hidden = set(new) | (carried & listed.keys())
    shown = sorted(((label, count) for label, count in listed.items() if label not in hidden),
                   key=lambda item: (-item[1], item[0]))
    needs_complement = len(new) == 1 and len(hidden) > 1
    while shown and (needs_complement or _singles_out(listed, hidden, minimum, carried)):
        hidden.add(shown.pop()[0])
        needs_complement = False
    return frozenset(hidden)


def _singles_out(counts: Mapping[str, int], hidden: set[str] | frozenset[str],
                 minimum: int, carried: frozenset[str] = frozenset()) -> bool:
    """Whether total minus shown pins a withheld group: it is the only one withheld, or the
    withheld sum leaves each of them one possible size — each at its least (a listed group
    has a member; a carried one may have none), or, when all are newly small, each at
    `minimum - 1`."""
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    sizes = [counts.get(label, 0) for label in hidden]
    least = sum(0 if label in carried else 1 for label in hidden)
    if sum(sizes) == least:
        return True
    return (not hidden & carried and all(size < minimum for size in sizes)
            and sum(sizes) == len(sizes) * (minimum - 1))


def total_reveals_withheld(counts: Mapping[str, int], hidden: Iterable[str],
                           minimum: int = MIN_GROUP_SIZE) -> bool:
    """Whether a table's totals would give a withheld group away even after complementary
    suppression (no shown group was left to withhold with it): then the totals go too."""
    return _singles_out(counts, {label for label in hidden if label in counts}, minimum)


@dataclass(frozen=True)
class SuppressedTable:
    groups: list[GroupCount]
    total: int | None  # None: showing it would give away a withheld group


def suppress_table(counts: Mapping[str, int], minimum: int = MIN_GROUP_SIZE) -> SuppressedTable:
    """Counts by group, withheld by `withheld_labels`, with the total when it gives nothing
    away. Shown groups come largest first; withheld ones follow in label order, so their place
    in the list says nothing about their size either."""
    hidden = withheld_labels(counts, minimum)
    listed = {label: count for label, count in counts.items() if count > 0}
    shown = sorted(((label, count) for label, count in listed.items() if label not in hidden),
                   key=lambda item: (-item[1], item[0]))
    total = None if total_reveals_withheld(listed, hidden, minimum) else sum(listed.values())
    return SuppressedTable([GroupCount(label, count) for label, count in shown]
                           + [GroupCount(label, None) for label in sorted(hidden)], total)


def suppress_small_groups(
    counts: Mapping[str, int], minimum: int = MIN_GROUP_SIZE
) -> list[GroupCount]:
    """Counts by group, largest first, with groups under `minimum` suppressed and, when
    exactly one is, the next-smallest with it (complementary suppression, `withheld_labels`).
    """
    return suppress_table(counts, minimum).groups
