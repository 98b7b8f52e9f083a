"""Privacy rules for reports: aggregates only, and no group small enough to identify people.

Policy: reports seen by sponsors and managers suppress every group with fewer than 5 members
(the count is withheld, not rounded), so no one can be singled out from a report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MIN_GROUP_SIZE = 5


@dataclass(frozen=True)
class GroupCount:
    label: str
    count: int | None  # None: suppressed, fewer than MIN_GROUP_SIZE

    @property
    def suppressed(self) -> bool:
        return self.count is None


def suppress_small_groups(
    counts: Mapping[str, int], minimum: int = MIN_GROUP_SIZE
) -> list[GroupCount]:
    """Counts by group, largest first, with groups under `minimum` suppressed.

    When exactly one group is suppressed its size could be recovered from the total, so the
    next-smallest group is suppressed with it (complementary suppression).
    """
    groups = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    hidden = {label for label, count in groups if 0 < count < minimum}
    if len(hidden) == 1:
        shown = [(label, count) for label, count in groups if label not in hidden and count > 0]
        if shown:
            hidden.add(shown[-1][0])
    return [GroupCount(label, None if label in hidden else count)
            for label, count in groups if count > 0]
