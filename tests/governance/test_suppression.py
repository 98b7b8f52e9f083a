"""Complementary suppression (issue 19): with the total shown, no withheld group's size can be
worked out from the total minus the shown groups — whatever the counts."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from coachprog.governance.domain import (
    MIN_GROUP_SIZE,
    suppress_small_groups,
    suppress_table,
    total_reveals_withheld,
    withheld_labels,
)

LABELS = st.sampled_from(["Sales", "Legal", "Finance", "Ops", "HR", "IT"])
SMALL_TABLES = st.dictionaries(LABELS, st.integers(min_value=0, max_value=12), max_size=4)
TABLES = st.dictionaries(st.text(min_size=1, max_size=5), st.integers(min_value=0, max_value=60))


def possible_sizes(shown: dict[str, int], withheld: list[str], total: int) -> dict[str, set[int]]:
    """Every size each withheld group could have, given the total, the shown groups and that a
    listed group has at least one member (brute force: what a reader could work out)."""
    rest = total - sum(shown.values())
    sizes: dict[str, set[int]] = {label: set() for label in withheld}
    for head in itertools.product(range(1, rest + 1), repeat=len(withheld) - 1):
        last = rest - sum(head)
        if last >= 1:
            for label, size in zip(withheld, (*head, last), strict=True):
                sizes[label].add(size)
    return sizes


@given(SMALL_TABLES)
def test_no_withheld_group_is_derivable_from_the_total(counts: dict[str, int]) -> None:
    table = suppress_table(counts)
    withheld = [g.label for g in table.groups if g.suppressed]
    if table.total is None:
        # Only where nothing was left to withhold with a lone or size-1 group.
        assert withheld and all(not g.count for g in table.groups)
        return
    assert table.total == sum(counts.values())
    shown = {g.label: g.count for g in table.groups if g.count is not None}
    if withheld:
        for label, sizes in possible_sizes(shown, withheld, table.total).items():
            assert len(sizes) >= 2, (counts, label, sizes)
            assert counts[label] in sizes


@given(TABLES)
def test_no_small_group_is_shown_and_withheld_ones_are_listed_by_name(
        counts: dict[str, int]) -> None:
    table = suppress_table(counts)
    assert all(g.count is None or g.count >= MIN_GROUP_SIZE for g in table.groups)
    assert {g.label for g in table.groups} == {label for label, n in counts.items() if n > 0}
    withheld = [g.label for g in table.groups if g.suppressed]
    # Shown groups first, largest first; withheld ones after them by name (no rank given away).
    assert [g.label for g in table.groups][len(table.groups) - len(withheld):] == sorted(withheld)
    shown = [g.count for g in table.groups if g.count is not None]
    assert shown == sorted(shown, reverse=True)
    assert suppress_small_groups(counts) == table.groups
    if table.total is not None:
        assert len(withheld) != 1


@given(TABLES, st.sets(st.text(min_size=1, max_size=5), max_size=3))
def test_carried_groups_stay_withheld_and_never_alone(counts: dict[str, int],
                                                     carried: set[str]) -> None:
    """The adverse-impact report carries groups withheld at an earlier stage forward."""
    listed = {label: n for label, n in counts.items() if n > 0 or label in carried}
    hidden = withheld_labels(counts, carried=carried)
    assert carried & listed.keys() <= hidden <= listed.keys()
    if len(hidden) == 1:
        assert hidden == set(listed)  # nothing left to withhold with it
        assert total_reveals_withheld(counts, hidden)


def test_a_lone_small_group_and_a_size_one_pair_take_a_complement() -> None:
    assert {g.label: g.count for g in suppress_small_groups(
        {"Sales": 40, "Finance": 12, "Legal": 3})} == {"Sales": 40, "Finance": None,
                                                       "Legal": None}
    # Two groups of one each: their sum (2) would say so; the next-smallest goes with them.
    table = suppress_table({"Sales": 40, "Finance": 12, "Legal": 1, "Ops": 1})
    assert {g.label: g.count for g in table.groups} == {"Sales": 40, "Finance": None,
                                                        "Legal": None, "Ops": None}
    assert table.total == 54


def test_a_table_with_only_small_groups_and_nothing_to_complement_withholds_its_total() -> None:
    assert suppress_table({"Legal": 3}).total is None
    assert suppress_table({"Legal": 1, "Ops": 1}).total is None
    assert suppress_table({"Legal": 4, "Ops": 4}).total is None  # both 4: the sum says so
    assert suppress_table({"Legal": 3, "Ops": 2}).total == 5


def test_carried_groups_with_nobody_left_take_the_shown_group_with_them() -> None:
    """Withheld at an earlier stage, nobody of B or C reached this one: shown beside A's 10 of
    a total of 10, they would read as 0 each; A is withheld with them."""
    assert withheld_labels({"A": 10, "B": 0, "C": 0}, carried={"B", "C"}) == {"A", "B", "C"}
    # With somebody left in them, their sum no longer pins either: A stays shown.
    assert withheld_labels({"A": 10, "B": 2, "C": 0}, carried={"B", "C"}) == {"B", "C"}
