"""Pure sampling and assignment rules, with property tests."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coachprog.audits.sampling import domain
from coachprog.audits.sampling.domain import PopulationMember


@st.composite
def populations(draw: st.DrawFn) -> list[PopulationMember]:
    size = draw(st.integers(min_value=1, max_value=80))
    groups = draw(st.integers(min_value=1, max_value=min(size, 8)))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=size, max_size=size, unique=True))
    members = []
    for i, coach_id in enumerate(ids):
        stratum = f"g{i % groups}" if i < groups else f"g{draw(st.integers(0, groups - 1))}"
        weight = draw(st.sampled_from([1.0, 2.0, 4.0, 8.0]))
        members.append(PopulationMember(coach_id, stratum, weight))
    return members


@settings(max_examples=150, deadline=None)
@given(populations(), st.floats(min_value=20, max_value=100), st.integers(0, 2**31))
def test_sample_properties(population: list[PopulationMember], percent: float,
                           seed: int) -> None:
    result = domain.draw_sample(population, percent=percent, seed=seed)
    n = len(population)
    # At least ceil(20 % x N), never more than N.
    assert len(result.drawn) >= math.ceil(0.2 * n - 1e-9)
    assert len(result.drawn) <= n
    # No duplicates, only population members.
    assert len(set(result.drawn)) == len(result.drawn)
    assert set(result.drawn) <= {m.coach_id for m in population}
    # Every group represented, proportional within one of its quota.
    strata = {m.stratum for m in population}
    by_group = {s: [m for m in population if m.stratum == s] for s in strata}
    for name, members in by_group.items():
        picked = [m for m in members if m.coach_id in result.drawn]
        assert len(picked) >= 1
        assert result.allocation[name] == len(picked)
    # Deterministic for the seed.
    again = domain.draw_sample(list(reversed(population)), percent=percent, seed=seed)
    assert again.drawn == result.drawn


@settings(max_examples=100, deadline=None)
@given(populations(), st.integers(0, 2**31))
def test_inactive_are_never_drawn(population: list[PopulationMember], seed: int) -> None:
    # The population handed in is the active roster; coaches left out are never drawn.
    inactive = {m.coach_id for m in population[::3]}
    active = [m for m in population if m.coach_id not in inactive]
    if not active:
        return
    result = domain.draw_sample(active, percent=20, seed=seed)
    assert not set(result.drawn) & inactive


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(1, 40), min_size=1,
                       max_size=10), st.data())
def test_allocation_is_proportional_and_complete(sizes: dict[str, int], data: st.DataObject
                                                 ) -> None:
    total = data.draw(st.integers(len(sizes), sum(sizes.values())))
    result = domain.allocate(sizes, total)
    assert sum(result.values()) == total
    for name, size in sizes.items():
        assert 1 <= result[name] <= size


def test_largest_remainder_allocation() -> None:
    assert domain.allocate({"a": 10, "b": 7, "c": 3}, 5) == {"a": 2, "b": 2, "c": 1}
    assert domain.allocate({"a": 10, "b": 6, "c": 4}, 5) == {"a": 3, "b": 1, "c": 1}  # tie: name
    assert domain.allocate({"a": 18, "b": 1, "c": 1}, 4) == {"a": 2, "b": 1, "c": 1}


def test_sample_size_rounds_up_and_covers_groups() -> None:
    assert domain.sample_size(10, 20, 1) == 2
    assert domain.sample_size(11, 20, 1) == 3
    assert domain.sample_size(10, 20, 4) == 4
    assert domain.sample_size(3, 20, 1) == 1
    assert domain.sample_size(0, 20, 0) == 0


def test_priority_weights_favour_flagged_coaches() -> None:
    population = [PopulationMember(i, "g", 1.0) for i in range(1, 101)]
    population[0] = PopulationMember(1, "g", 64.0)
    hits = sum(1 in domain.draw_sample(population, percent=20, seed=s).drawn
               for s in range(200))
    assert hits > 150  # about 20 % of the time without the weight
    assert domain.weight_for(recently_audited=True, drifting=False, escalated=False) == 1.0
    assert domain.weight_for(recently_audited=False, drifting=True, escalated=True) == 8.0


def test_duplicates_and_bad_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        domain.draw_sample([PopulationMember(1, "a", 1), PopulationMember(1, "b", 1)],
                           percent=20, seed=1)
    with pytest.raises(ValueError, match="positive"):
        domain.draw_sample([PopulationMember(1, "a", 0)], percent=20, seed=1)


def test_percent_rules() -> None:
    assert domain.percent_problem(20, "") is None
    assert "override" in (domain.percent_problem(10, "") or "")
    assert domain.percent_problem(10, "Pilot quarter, approved by L&D lead") is None
    assert domain.percent_problem(0, "x") is not None
    assert domain.percent_problem(101, "") is not None


def test_choose_auditor_balances_and_excludes() -> None:
    pool = [domain.AuditorCandidate(1, True, 3), domain.AuditorCandidate(2, True, 0),
            domain.AuditorCandidate(3, False, 0)]
    assert domain.choose_auditor(pool, excluded=[]) == 2
    assert domain.choose_auditor(pool, excluded=[2]) == 1
    assert domain.choose_auditor(pool, excluded=[2], extra_load={1: 1}) == 1
    assert domain.choose_auditor(pool, excluded=[1, 2]) is None  # 3 is not calibrated
    assert domain.choose_auditor(pool, excluded=[], extra_load={2: 4}) == 1
