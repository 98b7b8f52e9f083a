"""The guards that refuse prohibited uses of coaching data, by id.

Policy: each prohibited row of the use-case matrix that the system could technically do names
the code that refuses it. That code marks itself with `@guard("<id>")` (or calls
`register_guard`), so the id in the matrix points at real code: the app refuses to start when a
row names a guard nobody registered, and tests/policy/test_prohibited.py proves each one.
A program package registers its own guards; this platform module knows none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Guard:
    id: str
    where: str  # module.qualname of the code that refuses


_GUARDS: dict[str, Guard] = {}


def register_guard(guard_id: str, where: str) -> None:
    known = _GUARDS.get(guard_id)
    if known is not None and known.where != where:
        raise ValueError(f"guard {guard_id} is registered twice ({known.where}, {where})")
    _GUARDS[guard_id] = Guard(guard_id, where)


def guard(*guard_ids: str) -> Callable[[F], F]:
    """Mark the function that refuses one or more prohibited uses."""

    def mark(func: F) -> F:
        where = f"{func.__module__}.{getattr(func, '__qualname__', repr(func))}"
        for guard_id in guard_ids:
            register_guard(guard_id, where)
        return func

    return mark


def registered_guards() -> dict[str, Guard]:
    return dict(_GUARDS)
