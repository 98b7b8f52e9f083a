"""Peer-triad rules without an app: forming a triad (three enrolled trainees of one program)
and logging a round (roles a permutation of the members, the observer logs, time rules,
feedback)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.practicum.supervision.domain import TRIAD_ROLES
from coachprog.practicum.triads import domain as rules

NOW = datetime(2026, 3, 27, 17, 0, tzinfo=UTC)
MEMBERS = (1, 2, 3)
ROLES = {"coach": 1, "client": 2, "observer": 3}


def _round(**fields: object) -> rules.RoundFacts:
    values: dict[str, object] = {"held_at": NOW - timedelta(hours=3), "minutes": 60,
                                 "roles": ROLES, "feedback": "Good open questions."}
    values.update(fields)
    return rules.RoundFacts(**values)  # type: ignore[arg-type]


def test_formation_of_three_in_one_program() -> None:
    assert rules.formation_problems("Tuesday", (1, 2, 3), {1: 7, 2: 7, 3: 7}) == {}


@pytest.mark.parametrize(("name", "members", "programs", "field", "text"), [
    ("", (1, 2, 3), {1: 7, 2: 7, 3: 7}, "name", "Give the triad a name"),
    ("x" * 121, (1, 2, 3), {1: 7, 2: 7, 3: 7}, "name", "At most 120"),
    ("T", (1, 2, None), {1: 7, 2: 7}, "members", "two other trainees"),
    ("T", (1, 2, 2), {1: 7, 2: 7}, "members", "three different"),
    ("T", (1, 2, 3), {1: 7, 2: 7, 3: None}, "members", "enrolled"),
    ("T", (1, 2, 3), {1: 7, 2: 7, 3: 8}, "members", "same practicum program"),
])
def test_formation_refusals(name: str, members: tuple[int | None, ...],
                            programs: dict[int, int | None], field: str, text: str) -> None:
    errors = rules.formation_problems(name, members, programs)
    assert text in errors[field]


def test_a_good_round_logged_by_its_observer() -> None:
    assert rules.round_problems(MEMBERS, _round(), logger_person_id=3, now=NOW) == {}


def test_only_the_observer_logs() -> None:
    errors = rules.round_problems(MEMBERS, _round(), logger_person_id=1, now=NOW)
    assert "observer logs the round" in errors["roles"]


@pytest.mark.parametrize(("roles", "text"), [
    ({"coach": 1, "client": 1, "observer": 3}, "exactly one role"),
    ({"coach": 1, "client": 2, "observer": 9}, "triad's own members"),
    ({"coach": 1, "client": 2}, "a coach, a client and an observer"),
])
def test_roles_must_be_a_permutation_of_the_members(roles: dict[str, int], text: str) -> None:
    errors = rules.round_problems(MEMBERS, _round(roles=roles), logger_person_id=3, now=NOW)
    assert text in errors["roles"]


@pytest.mark.parametrize(("fields", "field", "text"), [
    ({"minutes": 0}, "minutes", "more than zero"),
    ({"minutes": 481}, "minutes", "at most 8 hours"),
    ({"held_at": NOW + timedelta(days=1)}, "day", "future"),
    ({"held_at": NOW - timedelta(minutes=30)}, "day", "not finished"),
    ({"feedback": "  "}, "feedback", "observer's feedback"),
    ({"feedback": "x" * 1001}, "feedback", "at most 1000"),
])
def test_round_refusals(fields: dict[str, object], field: str, text: str) -> None:
    errors = rules.round_problems(MEMBERS, _round(**fields), logger_person_id=3, now=NOW)
    assert text in errors[field]


def test_rounds_of_a_triad_do_not_overlap_but_may_touch() -> None:
    first = _round(held_at=NOW - timedelta(hours=5), number=1)
    clash = _round(held_at=NOW - timedelta(hours=4, minutes=30))
    touching = _round(held_at=NOW - timedelta(hours=4))
    assert "Overlaps round 1" in rules.round_problems(
        MEMBERS, clash, logger_person_id=3, now=NOW, others=[first])["day"]
    assert rules.round_problems(MEMBERS, touching, logger_person_id=3, now=NOW,
                                others=[first]) == {}


def test_naive_times_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        rules.round_problems(MEMBERS, _round(held_at=datetime(2026, 3, 1)),  # noqa: DTZ001
                             logger_person_id=3, now=NOW)


@given(st.permutations(MEMBERS))
def test_every_permutation_is_valid_when_its_observer_logs(perm: list[int]) -> None:
    roles = dict(zip(TRIAD_ROLES, perm, strict=True))
    assert rules.round_problems(MEMBERS, _round(roles=roles), logger_person_id=roles["observer"],
                                now=NOW) == {}
    assert all(rules.role_of(roles, m) == r for r, m in roles.items())


def test_role_of_unknown_person_is_none() -> None:
    assert rules.role_of(ROLES, 42) is None
    assert len(set(permutations(MEMBERS))) == 6
