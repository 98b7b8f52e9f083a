"""Declarative base, UTC timestamps and the injectable clock shared by every domain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from coachprog.authority import require
from coachprog.errors import NotFound

T = TypeVar("T")

# Constraint names must be stable so Alembic batch migrations on SQLite can find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


_clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def utcnow() -> datetime:
    """The current time, timezone-aware UTC; tests replace the clock with `set_clock`."""
    return _clock()


def set_clock(clock: Callable[[], datetime] | None) -> None:
    global _clock
    _clock = clock or (lambda: datetime.now(UTC))


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both databases (SQLite drops the offset; we put it back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: store timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def get_or_404(model: type[T], object_id: int | None, *, what: str,
               actor: Any = None, rule: str | None = None) -> T:
    """The `model` row with this id, or NotFound naming `what` (the interfaces answer 404).

    With `rule`, the permission authority is asked for `actor` on the row too (NotPermitted →
    403): the "load by id, 404, require(rule)" every service and view needs, in one place.
    """
    # The session of the app's Flask-SQLAlchemy extension, reached without importing
    # coachprog.extensions (which imports this module for Base).
    session = current_app.extensions["sqlalchemy"].session
    row = session.get(model, object_id) if object_id is not None else None
    if row is None:
        raise NotFound(what)
    if rule is not None:
        require(actor, rule, row)
    return row
