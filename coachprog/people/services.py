"""People use cases: the HRIS import (all or nothing) and the scoped directory look-ups."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coachprog.authority import can, require
from coachprog.db import fetch_page, get_or_404
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.data_rights.domain import erased_refusal
from coachprog.people.data_rights.services import erased_employee_ids
from coachprog.people.domain import (
    ImportPlan,
    KnownPerson,
    PersonRecord,
    RowError,
    chain_bar_refusal,
    check_against_known,
    limit_errors,
    manager_chain,
)
from coachprog.people.models import Person

Progress = Callable[[int, str], None]
WRITE_BATCH = 1000


class ImportRejected(DomainError):  # noqa: N818
    """The input had problems; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        shown, more = limit_errors(errors)
        super().__init__(f"{len(errors)} problem(s) found; nothing was imported.")
        self.errors = shown
        self.more = more
        self.total = len(errors)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    created_ids: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "total": self.total}


def _no_progress(percent: int, note: str) -> None:
    return None


def _known_people() -> dict[str, KnownPerson]:
    manager = sa.orm.aliased(Person)
    rows = db.session.execute(
        sa.select(Person.employee_id, Person.email, manager.employee_id).outerjoin(
            manager, Person.manager_id == manager.id
        )
    )
    return {
        employee_id: KnownPerson(employee_id, email, manager_employee_id)
        for employee_id, email, manager_employee_id in rows
    }


def import_people(
    actor: Any,
    plan: ImportPlan,
    *,
    source: str,
    progress: Progress = _no_progress,
    record_noop: bool = True,
) -> ImportSummary:
    """Upsert every record of `plan` by employee id, or raise ImportRejected and write nothing.

    Works in set operations (one read of the directory, batched inserts and updates) so a
    10 000-row HRIS export takes seconds.
    """
    require(actor, "can_import_people")
    if not plan.records and not plan.errors:
        raise ImportRejected([RowError(0, "", "the input holds no people")])
    progress(35, "Checking managers and e-mail addresses")
    known = _known_people()
    errors = [*plan.errors, *check_against_known(plan.records, known, plan.refused_ids),
              *_erased_rows(plan.records)]
    if errors:
        raise ImportRejected(errors)
    # The last progress report comes before the writes start: the job's reporter writes
    # through a second connection, and SQLite allows one writer at a time, so a report after
    # the first INSERT would wait on this transaction's lock until it timed out. The job
    # runner marks the job finished when this transaction commits.
    progress(50, f"Writing {len(plan.records)} people")
    summary = _write(plan.records)
    if record_noop or summary.created or summary.updated:
        audit.record("people.imported", actor=actor, object_type="person",
                     detail={"source": source, **summary.as_dict()})
    return summary


def _erased_rows(records: list[PersonRecord]) -> list[RowError]:
    """Rows whose employee id belongs to an erased person (issue 24): refused in words, so an
    HRIS export that still lists them cannot silently recreate them."""
    erased = erased_employee_ids(r.employee_id for r in records)
    return [RowError(r.line, "employee_id", erased_refusal(f"{erased[r.employee_id]:%Y-%m-%d}"))
            for r in records if r.employee_id in erased]


def _write(records: list[PersonRecord]) -> ImportSummary:
    summary = ImportSummary()
    current = {
        row.employee_id: row
        for row in db.session.execute(
            sa.select(Person.id, Person.employee_id, Person.name, Person.email,
                      Person.department, Person.title, Person.manager_id, Person.active,
                      Person.location, Person.hired_on)
        )
    }
    # E-mail addresses must be unique; when two people swap addresses the old values would
    # collide mid-write, so changed addresses are first parked on a unique placeholder.
    changing_email = [r for r in records
                      if r.employee_id in current and current[r.employee_id].email != r.email]
    if changing_email:
        db.session.execute(sa.update(Person), [
            {"id": current[r.employee_id].id, "email": f"{r.employee_id}@renaming.invalid"}
            for r in changing_email
        ])
    new_records = [r for r in records if r.employee_id not in current]
    for start in range(0, len(new_records), WRITE_BATCH):
        batch = new_records[start:start + WRITE_BATCH]
        db.session.execute(sa.insert(Person), [
            {"employee_id": r.employee_id, "name": r.name, "email": r.email,
             "department": r.department, "title": r.title, "active": r.active,
             "location": r.location or "", "hired_on": r.hired_on}
            for r in batch
        ])
    id_of = dict(db.session.execute(sa.select(Person.employee_id, Person.id)).all())
    updates: list[dict[str, Any]] = []
    for r in records:
        manager_id = id_of[r.manager_employee_id] if r.manager_employee_id else None
        before = current.get(r.employee_id)
        if before is None:
            summary.created += 1
            summary.created_ids.append(r.employee_id)
            if manager_id is not None:
                updates.append({"id": id_of[r.employee_id], "manager_id": manager_id})
            continue
        # Optional columns the input left out keep their stored values.
        location = r.location if "location" in r.supplied else before.location
        hired_on = r.hired_on if "hired_on" in r.supplied else before.hired_on
        after = (r.name, r.email, r.department, r.title, manager_id, r.active, location,
                 hired_on)
        if after == (before.name, before.email, before.department, before.title,
                     before.manager_id, before.active, before.location, before.hired_on):
            summary.unchanged += 1
            continue
        summary.updated += 1
        updates.append({"id": before.id, "name": r.name, "email": r.email,
                        "department": r.department, "title": r.title,
                        "manager_id": manager_id, "active": r.active,
                        "location": location, "hired_on": hired_on})
    # Group by key set: bulk UPDATE by primary key needs the same columns in every row.
    by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in updates:
        by_keys.setdefault(tuple(sorted(row)), []).append(row)
    for rows in by_keys.values():
        for start in range(0, len(rows), WRITE_BATCH):
            db.session.execute(sa.update(Person), rows[start:start + WRITE_BATCH])
    db.session.flush()
    return summary


@dataclass(frozen=True)
class PeopleQuery:
    q: str = ""
    department: str = ""
    active: bool | None = True
    page: int = 1
    per_page: int = 50


def _scope(actor: Any, query: sa.Select[Any]) -> sa.Select[Any]:
    """Limit a people query to whom the actor may see: the directory for program staff, the
    reporting line for a manager."""
    if can(actor, "can_view_all_people"):
        return query
    if can(actor, "can_view_reporting_line"):
        # Their reporting line and themselves (their own record page opens too).
        return query.where(sa.or_(
            Person.id == actor.person_id,
            Person.id.in_(sa.select(reporting_line_cte(actor.person_id).c.id)),
        ))
    return query.where(sa.false())


def reporting_line_cte(manager_person_id: int) -> sa.CTE:
    """Everyone below a manager, directly or indirectly (a recursive CTE on both databases)."""
    base = sa.select(Person.id).where(Person.manager_id == manager_person_id)
    cte = base.cte("reporting_line", recursive=True)
    below = sa.orm.aliased(Person)
    return cte.union(sa.select(below.id).where(below.manager_id == cte.c.id))


def get_manager_links(person_ids: Iterable[int | None]) -> dict[int, int | None]:
    """{person id: manager id} for the given people and everyone above them, in one query
    (a recursive CTE walking up the reporting lines), whatever their depth. Feed it to
    `assessments.domain.manager_chain`. A loop in the data ends the walk: UNION drops rows
    already found."""
    start = {person_id for person_id in person_ids if person_id is not None}
    if not start:
        return {}
    base = sa.select(Person.id, Person.manager_id).where(Person.id.in_(start))
    cte = base.cte("manager_links", recursive=True)
    above = sa.orm.aliased(Person)
    cte = cte.union(sa.select(above.id, above.manager_id).where(above.id == cte.c.manager_id))
    rows = db.session.execute(sa.select(cte.c.id, cte.c.manager_id)).all()
    return dict(rows)


def managers_above(person_id: int) -> sa.Select[Any]:
    """The person ids above a person in their reporting line, directly or indirectly, as a
    subquery (a recursive CTE): the set-based form of the chain bar for list filters."""
    base = sa.select(Person.manager_id.label("id")).where(
        Person.id == person_id, Person.manager_id.is_not(None))
    cte = base.cte("managers_above", recursive=True)
    above = sa.orm.aliased(Person)
    cte = cte.union(sa.select(above.manager_id).where(
        above.id == cte.c.id, above.manager_id.is_not(None)))
    return sa.select(cte.c.id)


def not_in_chain_of(person_column: Any, subject_person_id: int) -> sa.ColumnElement[bool]:
    """SQL: the person in `person_column` is not above the subject (a NULL person, an
    account without a directory record, is in no one's chain)."""
    return sa.or_(person_column.is_(None),
                  person_column.not_in(managers_above(subject_person_id)))


def not_managed_by(person_column: Any, manager_person_id: int | None) -> sa.ColumnElement[bool]:
    """SQL: the person in `person_column` is not below the given manager."""
    if manager_person_id is None:
        return sa.true()
    return person_column.not_in(sa.select(reporting_line_cte(manager_person_id).c.id))


_LINKS = "coachprog_manager_links"  # (people covered, {person: manager} above them)


def prefetch_manager_links(person_ids: Iterable[int]) -> None:
    """The reporting lines above many people in one query, kept on the database session until
    it next flushes (a write could move someone), so the chain-bar checks of a list page
    answer from memory instead of one query per row."""
    covered, links = db.session().info.setdefault(_LINKS, (set(), {}))
    missing = {i for i in person_ids if i not in covered}
    if missing:
        links.update(get_manager_links(missing))
        covered.update(missing)


def manager_links_for(person_id: int) -> dict[int, int | None]:
    """{person: manager} from `person_id` up to the top (prefetched, or one query)."""
    covered, links = db.session().info.get(_LINKS, (set(), {}))
    return links if person_id in covered else get_manager_links((person_id,))


@sa.event.listens_for(Session, "after_flush")
def _forget_manager_links(session: Session, *_: Any) -> None:
    session.info.pop(_LINKS, None)


def in_management_chain(manager_person_id: int | None, person_id: int | None) -> bool:
    """Whether `manager_person_id` is above `person_id` in their reporting line, directly or
    indirectly (one query whatever the depth, none after a prefetch). The one test of the
    chain bar."""
    if manager_person_id is None or person_id is None or manager_person_id == person_id:
        return False
    return manager_person_id in manager_chain(person_id, manager_links_for(person_id))


def user_in_chain_of(user: Any, person_id: int | None) -> bool:
    """Whether the signed-in user's directory person is above `person_id`."""
    return in_management_chain(getattr(user, "person_id", None), person_id)


def chain_refusal(user: Any, subject: Person, capacity: str) -> str | None:
    """Why `user` may not be `subject`'s `capacity` (supervisor, rater, auditor, panel member,
    moderator) because they are in the subject's management chain; None when they are not."""
    own = getattr(user, "person_id", None)
    if own is None or own == subject.id:
        return None
    chain = manager_chain(subject.id, get_manager_links((subject.id,)))
    if own not in chain:
        return None
    name = getattr(user, "display_name", None) or getattr(user, "name", None) or "This person"
    return chain_bar_refusal(name, subject.name, capacity, direct=chain[0] == own)


def list_people(actor: Any, params: PeopleQuery) -> tuple[Sequence[Person], int]:
    require(actor, "can_view_people")
    query = _scope(actor, sa.select(Person))
    needle = params.q.strip()
    if needle:
        # autoescape: a search for "100%" or "a_b" means those characters, not LIKE wildcards.
        query = query.where(sa.or_(*(
            column.icontains(needle, autoescape=True)
            for column in (Person.name, Person.email, Person.employee_id)
        )))
    if params.department:
        query = query.where(Person.department == params.department)
    if params.active is not None:
        query = query.where(Person.active.is_(params.active))
    return fetch_page(query.options(sa.orm.joinedload(Person.manager))
                      .order_by(Person.name, Person.id),
                      page=params.page, per_page=params.per_page)


def list_departments(actor: Any) -> list[str]:
    require(actor, "can_view_people")
    query = _scope(actor, sa.select(Person.department).distinct()).where(Person.department != "")
    return sorted(db.session.scalars(query))


def get_person(actor: Any, person_id: int) -> Person:
    return get_or_404(Person, person_id, what="person", actor=actor, rule="can_view_person")


def get_person_by_employee_id(actor: Any, employee_id: str) -> Person:
    person = db.session.scalar(sa.select(Person).where(Person.employee_id == employee_id))
    if person is None:
        raise NotFound("person")
    require(actor, "can_view_person", person)
    return person
