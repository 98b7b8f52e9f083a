"""Declarative base, UTC timestamps and the injectable clock shared by every domain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
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


def utc_midnight(day: date) -> datetime:
    """The start of a UTC day: counts over days take [start, end) between two of these."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


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



def fetch_page(query: sa.Select[T], *, page: int, per_page: int) -> tuple[list[T], int]:
    """One page of an ordered query's rows and how many rows it has in all: two statements
    whatever the size (the count ignores the order and the eager loads)."""
    session = current_app.extensions["sqlalchemy"].session
    total = session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).subquery())) or 0
    rows = list(session.scalars(query.limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return rows, total

# Column mixins: the same column written once. Columns from a mixin come after the class's own
# when the ORM builds the Table (what reads `table.columns`, such as a person's data export,
# keeps its order only where a model declared them last).
class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TimestampsMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CreatedByMixin:
    """Who created the record (kept if the account goes) and when."""

    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordedByMixin:
    """Who recorded the record (kept if the account goes) and when."""

    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClosureMixin:
    """A record someone closes with a note: when and by whom (kept if the account goes)."""

    closure_note: Mapped[str] = mapped_column(sa.Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))


def opened_closed_open(opened_at: Any, closed_at: Any, start_day: date,
                       end_day: date) -> sa.Select[int, int, int]:
    """One statement counting the rows opened and closed in [start, end) (UTC days) and those
    still open at the end: a scorecard's figures for things raised and closed."""
    start, end = utc_midnight(start_day), utc_midnight(end_day)
    return sa.select(
        sa.func.count().filter(opened_at >= start, opened_at < end),
        sa.func.count().filter(closed_at >= start, closed_at < end),
        sa.func.count().filter(opened_at < end, sa.or_(closed_at.is_(None), closed_at >= end)))
