"""Helpers for the people tests: CSV text, one-call imports, and a snapshot of the directory."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.people.domain import CSV_COLUMNS, parse_people_csv
from coachprog.people.models import Person
from coachprog.people.services import ImportSummary, import_people

HEADER = ",".join(CSV_COLUMNS)

# E1 heads Sales; E2 reports to E1, E3 to E2; E4 also to E1; E5 heads Support (inactive E6).
ORG_ROWS = (
    "E3,Carla Rossi,carla@example.com,Sales,Sales Rep,E2,true",
    "E2,Ben Okafor,ben@example.com,Sales,Team Lead,E1,true",
    "E1,Aisha Chen,aisha@example.com,Sales,VP Sales,,true",
    "E4,Dmitri Ivanov,dmitri@example.com,Sales,Analyst,E1,true",
    "E5,Eve Martin,eve@example.com,Support,Head of Support,,true",
    "E6,Farid Haddad,farid@example.com,Support,Agent,E5,false",
)


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def load(text: str | bytes, actor: Any = None, *, source: str = "test") -> ImportSummary:
    """Parse and import `text` as `actor` (the system by default) and commit."""
    summary = import_people(actor or SystemActor("test"), parse_people_csv(text), source=source)
    db.session.commit()
    return summary


def snapshot() -> dict[str, tuple[Any, ...]]:
    """Every stored person as (name, email, department, title, manager's employee id, active),
    read in a fresh transaction (the tests commit what they write before looking)."""
    db.session.rollback()
    manager = sa.orm.aliased(Person)
    rows = db.session.execute(
        sa.select(Person.employee_id, Person.name, Person.email, Person.department,
                  Person.title, manager.employee_id, Person.active)
        .outerjoin(manager, Person.manager_id == manager.id)
    )
    return {employee_id: tuple(rest) for employee_id, *rest in rows}


def person(employee_id: str) -> Person:
    found = db.session.scalar(sa.select(Person).where(Person.employee_id == employee_id))
    assert found is not None, f"no person {employee_id}"
    return found


@pytest.fixture
def org() -> dict[str, Person]:
    """The small organisation of ORG_ROWS, imported and committed."""
    load(csv_text(*ORG_ROWS))
    return {employee_id: person(employee_id) for employee_id in ("E1", "E2", "E3", "E4", "E5",
                                                                  "E6")}
