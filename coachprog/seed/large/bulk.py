"""Bulk writing for the large-organisation generator: rows as plain dicts, inserted with
SQLAlchemy Core `insert()` executemany in batches, primary keys handed out here so children can
point at parents without a round trip per row. No ORM object per row: at 10^6 rows the unit of
work, not the database, would be the cost."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from coachprog.extensions import db

BATCH = 5000


class Bulk:
    """Buffers rows per table and writes them in the order tables were first used (parents
    before children, so SQLite's immediate foreign-key checks pass)."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}
        self._rows: dict[str, list[dict[str, Any]]] = {}
        self._tables: dict[str, sa.Table] = {}
        self.counts: dict[str, int] = {}

    def next_id(self, model: Any) -> int:
        """A fresh primary key for `model` (after the largest stored one)."""
        table = model.__table__
        name = table.name
        if name not in self._next:
            largest = db.session.scalar(sa.select(sa.func.max(table.c.id)))
            self._next[name] = (largest or 0) + 1
        value = self._next[name]
        self._next[name] = value + 1
        return value

    def add(self, model: Any, **row: Any) -> int:
        """Queue one row; returns its id (given, or handed out here)."""
        table = model.__table__
        if "id" not in row:
            row["id"] = self.next_id(model)
        self._tables.setdefault(table.name, table)
        rows = self._rows.setdefault(table.name, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()
        return int(row["id"])

    def add_all(self, model: Any, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(model, **row)

    def flush(self) -> None:
        """Write every buffered row, parents first. Rows of one table may differ in which
        columns they name (Core fills the defaults of the others), so group by key set."""
        for name, rows in self._rows.items():
            if not rows:
                continue
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in rows:
                groups.setdefault(tuple(sorted(row)), []).append(row)
            for group in groups.values():
                db.session.execute(sa.insert(self._tables[name]), group)
            self.counts[name] = self.counts.get(name, 0) + len(rows)
            rows.clear()

    def finish(self) -> None:
        """Flush, then move PostgreSQL's sequences past the ids handed out here."""
        self.flush()
        if db.session.get_bind().dialect.name != "postgresql":
            return
        for name in self._tables:
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - table names are ours
                f"(SELECT max(id) FROM {name}))"))
