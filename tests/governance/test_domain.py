from hypothesis import given
from hypothesis import strategies as st

from coachprog.governance.domain import MIN_GROUP_SIZE, suppress_small_groups


def test_small_groups_are_suppressed_and_large_ones_shown() -> None:
    groups = suppress_small_groups({"Sales": 40, "Legal": 3, "Finance": 12, "Ops": 2})
    shown = {g.label: g.count for g in groups}
    assert shown == {"Sales": 40, "Finance": 12, "Legal": None, "Ops": None}


def test_a_lone_small_group_takes_the_next_smallest_with_it() -> None:
    # Otherwise Legal's 3 could be worked out as total minus the groups shown.
    groups = suppress_small_groups({"Sales": 40, "Finance": 12, "Legal": 3})
    shown = {g.label: g.count for g in groups}
    assert shown == {"Sales": 40, "Finance": None, "Legal": None}


def test_empty_groups_are_left_out() -> None:
    assert suppress_small_groups({"Sales": 10, "Empty": 0}) == suppress_small_groups({"Sales": 10})


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers(min_value=0, max_value=50)))
def test_no_count_under_the_minimum_is_ever_shown(counts: dict[str, int]) -> None:
    groups = suppress_small_groups(counts)
    assert all(g.count is None or g.count >= MIN_GROUP_SIZE for g in groups)
    assert sum(1 for g in groups if g.suppressed) != 1 or len(groups) == 1
    assert {g.label for g in groups} == {label for label, n in counts.items() if n > 0}
