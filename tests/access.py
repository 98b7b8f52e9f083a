"""Building blocks of the access matrix (tests/test_access.py).

Each domain adds its routes in `tests/<domain>/access_cases.py` as a list named `CASES`;
the matrix collects them all and fails on any route that no list names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coachprog.auth.domain import Role

ROLES = ["anonymous", *[role.value for role in Role]]


def statuses(default: int, anonymous: int = 302, **by_role: int) -> dict[str, int]:
    table = dict.fromkeys(ROLES, default)
    table["anonymous"] = anonymous
    table.update(by_role)
    return table


ADMIN_ONLY = statuses(403, admin=200)
DIRECTORY = statuses(403, admin=200, master_coach=200, lead_coach=200)


@dataclass(frozen=True)
class Case:
    """One route: how to call it and the status each role must get.

    `url` gets the objects made by the matrix (owned by someone else: user_id, person_id,
    employee_id, token_id, job_id) merged with what `setup` returns, if given. `setup` runs
    inside the test's app context before the request (create the domain objects it needs).
    """

    endpoint: str
    method: str
    url: Callable[[dict[str, Any]], str]
    expected: dict[str, int]
    api: bool = False
    body: dict[str, Any] | None = None
    setup: Callable[[], dict[str, Any]] | None = None


