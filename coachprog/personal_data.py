"""A person's data: the registry through which every domain says what it holds about a person,
how to give it to them (export) and how to erase it (erasure), plus the row helpers the
domains' sections share.

Policy (issue 24): a person may download everything held about them, and may be erased so that
nothing of their name, e-mail or employee id remains. No single package knows every table, so
each domain registers its own section at app start (`register_section`, from a
`coachprog/<domain>/personal_data.py` of its own) and declares the tables it covers;
`tests/people/test_personal_data_coverage.py` walks the schema's foreign keys to `people` and
`users` and fails, naming the table and column, when one is covered by no section.

A core module: it knows no domain, only the schema (SQLAlchemy metadata) and the session.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from coachprog.extensions import db

PERSON_TABLES = ("people", "users")
# Identifiers shorter than this are not swept out of other rows' text: a two-letter employee id
# or name ("E1", "Li") would rewrite ordinary words and markup ("<li>") in other people's
# records. The person's own rows are pseudonymised whatever the length.
MIN_SWEEP_LENGTH = 4
# Never handed out, not even to the person: they are keys to the account, not data about it.
SECRET_COLUMN_SUFFIXES = ("_hash", "session_token", "secrets")


@dataclass(frozen=True)
class Subject:
    """Who an export or erasure is about: a directory person and/or their accounts."""

    person_id: int | None
    user_ids: tuple[int, ...]
    employee_id: str | None = None
    name: str | None = None
    emails: tuple[str, ...] = ()
    display_names: tuple[str, ...] = ()

    def ids_for(self, target_table: str) -> list[int]:
        if target_table == "people":
            return [] if self.person_id is None else [self.person_id]
        return list(self.user_ids)


@dataclass(frozen=True)
class Pseudonym:
    name: str
    email: str
    employee_id: str


@dataclass
class ErasureContext:
    """What one erasure is about and what it has done so far (counts, never content)."""

    subject: Subject
    pseudonym: Pseudonym
    actor: Any
    reason: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int) -> None:
        if n:
            self.counts[key] = self.counts.get(key, 0) + n

    @property
    def replacements(self) -> list[tuple[str, str]]:
        """(identifier, pseudonym) pairs, longest identifier first, so "Ben Okafor" is replaced
        before a shorter display name "Ben" could split it."""
        pairs: dict[str, str] = {}
        subject, alias = self.subject, self.pseudonym
        for email in subject.emails:
            pairs[email] = alias.email
        if subject.employee_id:
            pairs[subject.employee_id] = alias.employee_id
        for name in (subject.name, *subject.display_names):
            if name and name not in pairs:
                pairs[name] = alias.name
        return sorted(((old, new) for old, new in pairs.items()
                       if len(old.strip()) >= MIN_SWEEP_LENGTH),
                      key=lambda pair: -len(pair[0]))


ExportFn = Callable[[Subject], dict[str, Any]]
EraseFn = Callable[[ErasureContext], None]


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    export: ExportFn
    erase: EraseFn
    # "table" (every column of it that references a person) or "table.column".
    tables: tuple[str, ...]
    order: int = 100


_SECTIONS: dict[str, Section] = {}


def register_section(name: str, export_fn: ExportFn, erase_fn: EraseFn, *,
                     tables: Sequence[str], title: str | None = None, order: int = 100) -> None:
    """Register (or replace: apps are built more than once in tests) a domain's section."""
    _SECTIONS[name] = Section(name, title or name.replace("_", " ").capitalize(), export_fn,
                              erase_fn, tuple(tables), order)


def _nothing_to_erase(ctx: ErasureContext) -> None:
    return None


def register_table_section(name: str, tables: Sequence[str], *, title: str, order: int,
                           erase_fn: EraseFn = _nothing_to_erase,
                           omit: Mapping[str, Sequence[str]] | None = None) -> None:
    """Register the usual section: its export is every row of `tables` that references the
    person in any person column (less a table's `omit` columns), its erasure `erase_fn`
    (by default none: rows that refer to the account by id only keep it, pseudonymised)."""

    def export(subject: Subject) -> dict[str, Any]:
        return export_tables(subject, *tables, omit=omit)

    register_section(name, export, erase_fn, tables=tables, title=title, order=order)


def registered_sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))


# --- the schema ---------------------------------------------------------------------------------


def table(name: str) -> sa.Table:
    return db.metadata.tables[name]


def person_columns(tbl: sa.Table) -> list[tuple[sa.Column[Any], str]]:
    """(column, "people" | "users") for every column of `tbl` that references a person."""
    return sorted(((fk.parent, fk.column.table.name) for fk in tbl.foreign_keys
                   if fk.column.table.name in PERSON_TABLES), key=lambda pair: pair[0].name)


def uncovered_person_columns(metadata: sa.MetaData | None = None) -> list[str]:
    """Every column referencing a person that no registered section covers, in words: what
    the completeness test prints."""
    covered = {entry for section in _SECTIONS.values() for entry in section.tables}
    problems = []
    for tbl in sorted((metadata or db.metadata).tables.values(), key=lambda t: t.name):
        for column, target in person_columns(tbl):
            if tbl.name in covered or f"{tbl.name}.{column.name}" in covered:
                continue
            problems.append(
                f"{tbl.name}.{column.name} references {target}.id but no personal-data section "
                f"covers it: in the domain that owns `{tbl.name}`, export and erase it in its "
                f"coachprog/<domain>/personal_data.py and list \"{tbl.name}\" (or "
                f"\"{tbl.name}.{column.name}\") in register_section(..., tables=[...]).")
    return problems


def subject_filter(tbl: sa.Table, subject: Subject,
                   columns: Iterable[str] | None = None) -> sa.ColumnElement[bool]:
    """SQL: the row references the subject in one of `columns` (default: every person
    column of the table)."""
    wanted = None if columns is None else set(columns)
    clauses = [column.in_(subject.ids_for(target)) for column, target in person_columns(tbl)
               if (wanted is None or column.name in wanted) and subject.ids_for(target)]
    return sa.or_(*clauses) if clauses else sa.false()


# --- export -------------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _shown(column: sa.Column[Any]) -> bool:
    return not column.name.endswith(SECRET_COLUMN_SUFFIXES)


def export_rows(name: str, where: sa.ColumnElement[bool], *,
                omit: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The rows of table `name` matching `where`, as plain JSON-ready dicts (secrets and the
    `omit` columns left out), in primary-key order."""
    tbl = table(name)
    columns = [c for c in tbl.columns if _shown(c) and c.name not in omit]
    query = sa.select(*columns).where(where).order_by(*tbl.primary_key.columns)
    return [{key: jsonable(value) for key, value in row._mapping.items()}
            for row in db.session.execute(query)]


def export_tables(subject: Subject, *names: str, omit: Mapping[str, Sequence[str]] | None = None
                  ) -> dict[str, list[dict[str, Any]]]:
    """Each named table's rows that reference the subject in any person column (less the
    table's `omit` columns)."""
    return {name: export_rows(name, subject_filter(table(name), subject),
                              omit=(omit or {}).get(name, ())) for name in names}


# --- erasure ------------------------------------------------------------------------------------


def clear_columns(ctx: ErasureContext, name: str, values: Mapping[str, Any],
                  columns: Iterable[str] | None = None,
                  where: sa.ColumnElement[bool] | None = None) -> int:
    """Overwrite `values` in the rows of `name` that reference the subject (in `columns`, or
    matching `where`): authored text goes, the row (and every count built on it) stays."""
    tbl = table(name)
    condition = where if where is not None else subject_filter(tbl, ctx.subject, columns)
    result = db.session.execute(sa.update(tbl).where(condition).values(**values)
                                .execution_options(synchronize_session=False))
    changed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    ctx.count(f"{name} cleared", changed)
    return changed


def delete_rows(ctx: ErasureContext, name: str, where: sa.ColumnElement[bool] | None = None,
                columns: Iterable[str] | None = None) -> int:
    tbl = table(name)
    condition = where if where is not None else subject_filter(tbl, ctx.subject, columns)
    result = db.session.execute(sa.delete(tbl).where(condition)
                                .execution_options(synchronize_session=False))
    deleted = int(result.rowcount or 0)  # type: ignore[attr-defined]
    ctx.count(f"{name} deleted", deleted)
    return deleted


def _pattern(identifier: str) -> re.Pattern[str]:
    # Whole words only: erasing "Ann Lee" must not touch "Joanne Leeds".
    return re.compile(rf"(?<!\w){re.escape(identifier)}(?!\w)", re.IGNORECASE)


def replace_in_text(text: str, replacements: Sequence[tuple[str, str]]) -> str:
    for identifier, alias in replacements:
        text = _pattern(identifier).sub(alias, text)
    return text


def replace_in_value(value: Any, replacements: Sequence[tuple[str, str]]) -> Any:
    """The same replacement through a JSON value (keys and strings, at any depth)."""
    if isinstance(value, str):
        return replace_in_text(value, replacements)
    if isinstance(value, list):
        return [replace_in_value(item, replacements) for item in value]
    if isinstance(value, dict):
        return {replace_in_text(str(key), replacements): replace_in_value(item, replacements)
                for key, item in value.items()}
    return value


def text_columns(tbl: sa.Table) -> list[sa.Column[Any]]:
    return [c for c in tbl.columns if isinstance(c.type, sa.String | sa.Text | sa.JSON)
            and _shown(c)]


def _needles(replacements: Sequence[tuple[str, str]]) -> list[str]:
    needles = set()
    for identifier, _ in replacements:
        needles.add(identifier.lower())
        # JSON stores non-ASCII as \\uXXXX escapes.
        needles.add(json.dumps(identifier)[1:-1].lower())
    return sorted(needles)


def replace_identifiers(ctx: ErasureContext, name: str, *,
                        skip: Sequence[str] = ()) -> int:
    """Replace every remaining copy of the subject's name, e-mail and employee id in the text
    and JSON columns of table `name` by the pseudonym (denormalised labels, e-mail bodies, job
    payloads, titles written by others). Finds candidate rows in SQL, replaces whole words in
    Python, writes only rows that changed. Returns how many rows changed."""
    tbl = table(name)
    replacements = ctx.replacements
    if not replacements:
        return 0
    keys = list(tbl.primary_key.columns)
    changed = 0
    for column in text_columns(tbl):
        if column.name in skip:
            continue
        as_text = sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column
        found = sa.or_(*(sa.func.lower(as_text).contains(needle, autoescape=True)
                         for needle in _needles(replacements)))
        for row in db.session.execute(sa.select(*keys, column).where(found)).all():
            value = row[-1]
            new = replace_in_value(value, replacements)
            if new == value:
                continue
            key = sa.and_(*(k == row[i] for i, k in enumerate(keys)))
            db.session.execute(sa.update(tbl).where(key).values({column.name: new})
                               .execution_options(synchronize_session=False))
            changed += 1
    ctx.count(f"{name} identifiers replaced", changed)
    return changed
