"""Completeness: every table that references a person (a foreign key to `people` or `users`)
is exported and erased by some registered section, and the export of demo people holds every
row that references them."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from coachprog.auth.models import User
from coachprog.extensions import db
from coachprog.people.data_rights import services
from coachprog.personal_data import (
    person_columns,
    registered_sections,
    uncovered_person_columns,
)
from coachprog.seed.people import DEMO_ACCOUNTS
from tests.people.data_rights.conftest import touch_every_domain

# Rows that reference the person but are someone else's data: exported as a count.
EXPORTED_AS_COUNT = {("people", "manager_id")}


def test_every_column_referencing_a_person_is_covered_by_a_section(app) -> None:
    problems = uncovered_person_columns()
    assert not problems, "\n" + "\n".join(problems)


def test_an_uncovered_table_is_named_with_what_to_register() -> None:
    metadata = sa.MetaData()
    sa.Table("people", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("coach_hobbies", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("owner_id", sa.ForeignKey("users.id")))
    [problem] = uncovered_person_columns(metadata)
    assert problem.startswith("coach_hobbies.owner_id references users.id")
    assert 'register_section(..., tables=[...])' in problem and '"coach_hobbies"' in problem


def test_every_section_is_exported_and_erased_by_a_function() -> None:
    names = [s.name for s in registered_sections()]
    assert len(names) == len(set(names)) >= 15
    assert all(callable(s.export) and callable(s.erase) and s.tables
               for s in registered_sections())


def _exported_ids(export: dict[str, Any], table: str) -> set[Any]:
    return {row.get("id") for section in export["sections"].values()
            for key, rows in section["data"].items() if key == table and isinstance(rows, list)
            for row in rows}


def test_the_export_holds_every_row_that_references_each_demo_person(app, demo) -> None:
    """The demo touches every domain; for each demo account, every row of every table with a
    column pointing at their person or account is in their export."""
    for email, _role, _employee_id in DEMO_ACCOUNTS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user is not None
        subject = services.subject_for_user(user)
        export = services.build_export(subject)
        for table in db.metadata.sorted_tables:
            for column, target in person_columns(table):
                if (table.name, column.name) in EXPORTED_AS_COUNT:
                    continue
                ids = subject.ids_for(target)
                if not ids:
                    continue
                expected = set(db.session.scalars(
                    sa.select(table.c.id).where(column.in_(ids))))
                missing = expected - _exported_ids(export, table.name)
                assert not missing, (f"{email}: {table.name}.{column.name} rows {sorted(missing)}"
                                     " reference them but are not in their export")


def test_a_coach_touched_by_every_domain_finds_each_in_their_export(app, demo) -> None:
    user = db.session.scalar(sa.select(User).where(User.email == "coach@demo.example"))
    assert user is not None
    touch_every_domain(user)
    export = services.build_export(services.subject_for_user(user))
    empty = [section["title"] for section in export["sections"].values()
             if not any(section["data"].values())]
    assert empty == []
    assert export["subject"]["employee_id"] == "E1003"
    # Keys to the account are never handed out, not even to its owner.
    text = json.dumps(export)
    assert "password_hash" not in text and "session_token" not in text
    assert user.password_hash not in text
