"""The certification register: every certification ever issued, one row each, with the state the
public verify page would show today.

Policy: the register is HR data about credentials (who holds which level, until when), never
coaching content, so program staff who decide certifications read it whole. It is a list that
grows with the organisation, so filters and paging run in SQL and a page costs the same number
of statements at any size; the CSV export carries every matching row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coachprog.authority import require
from coachprog.certification import domain
from coachprog.certification.levels.services import levels_policy
from coachprog.certification.models import Certification
from coachprog.certification.services import today
from coachprog.extensions import db
from coachprog.glossary import LabelledEnum, labels
from coachprog.governance.services import record
from coachprog.people.models import Person


class RegisterState(LabelledEnum):
    """What the register's state filter offers, in the verify page's words plus "due soon"."""

    VALID = "valid", "Valid"
    DUE_SOON = "due", "Valid, recertification due soon"
    LAPSED = "lapsed", "Lapsed"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired (replaced by a higher level)"


STATE_LABELS = labels(RegisterState)

EXPORT_COLUMNS = ["name", "employee_id", "department", "level", "state", "issued_on",
                  "valid_until", "last_recertified_on"]


@dataclass(frozen=True)
class RegisterFilter:
    q: str = ""
    level: str = ""
    state: str = ""
    department: str = ""
    problems: list[str] = field(default_factory=list)


def parse_filter(args: Any) -> RegisterFilter:
    """Filters from a query string; unknown values are reported, not silently dropped."""
    problems = []
    level = (args.get("level") or "").strip()
    known_levels = {spec.id for spec in levels_policy().levels}
    if level and level not in known_levels:
        problems.append(f"There is no level “{level[:64]}”; showing every level.")
        level = ""
    state = (args.get("state") or "").strip()
    if state and state not in {s.value for s in RegisterState}:
        problems.append(f"There is no state “{state[:64]}”; showing every state.")
        state = ""
    return RegisterFilter(q=(args.get("q") or "").strip()[:200], level=level, state=state,
                          department=(args.get("department") or "").strip()[:200],
                          problems=problems)


def _state_clause(state: str, day: date) -> sa.ColumnElement[bool]:
    active = Certification.status == domain.CertStatus.ACTIVE.value
    horizon = day + timedelta(days=max(levels_policy().recertification.reminder_days,
                                       default=0))
    if state == RegisterState.VALID:
        return sa.and_(active, Certification.valid_until >= day)
    if state == RegisterState.DUE_SOON:
        return sa.and_(active, Certification.valid_until >= day,
                       Certification.valid_until <= horizon)
    if state == RegisterState.LAPSED:
        # An active certification past its date is lapsed by policy before the tick records it.
        return sa.or_(Certification.status == domain.CertStatus.LAPSED.value,
                      sa.and_(active, Certification.valid_until < day))
    if state == RegisterState.REVOKED:
        return Certification.status == domain.CertStatus.REVOKED.value
    return Certification.status == domain.CertStatus.SUPERSEDED.value


def _query(filters: RegisterFilter, day: date) -> sa.Select[Any]:
    query = sa.select(Certification).join(Person, Person.id == Certification.person_id)
    if filters.q:
        query = query.where(sa.or_(Person.name.icontains(filters.q, autoescape=True),
                                   Person.employee_id.icontains(filters.q, autoescape=True)))
    if filters.level:
        query = query.where(Certification.level == filters.level)
    if filters.department:
        query = query.where(Person.department == filters.department)
    if filters.state:
        query = query.where(_state_clause(filters.state, day))
    return query


def state_of(cert: Certification, day: date) -> RegisterState:
    shown = domain.display_status(cert.status, cert.valid_until, day)
    if shown is domain.DisplayStatus.VALID:
        clock = domain.clock_state(cert.valid_until, day,
                                   levels_policy().recertification.reminder_days)
        return (RegisterState.DUE_SOON if clock is domain.ClockState.DUE_SOON
                else RegisterState.VALID)
    return RegisterState(shown.value)


def list_register(actor: Any, filters: RegisterFilter, *, page: int, per_page: int,
                  on: date | None = None) -> tuple[list[tuple[Certification, RegisterState]], int]:
    """One page of the register (by name, then level) and the number of matching rows."""
    require(actor, "can_view_certification_register")
    day = on or today()
    query = _query(filters, day)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(joinedload(Certification.person))
        .order_by(Person.name, Certification.level, Certification.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    return [(cert, state_of(cert, day)) for cert in rows], total


def list_departments(actor: Any) -> list[str]:
    """Departments of certified people, for the filter (one query)."""
    require(actor, "can_view_certification_register")
    return list(db.session.scalars(
        sa.select(Person.department).join(Certification, Certification.person_id == Person.id)
        .where(Person.department != "").distinct().order_by(Person.department)))


def export_register(actor: Any, filters: RegisterFilter, *,
                    on: date | None = None) -> Iterator[dict[str, Any]]:
    """Every matching row for the CSV export, read in batches; the export is audited (the
    caller commits before writing the file)."""
    require(actor, "can_view_certification_register")
    day = on or today()
    record("certification.register_exported", actor=actor, object_type="certification",
           detail={"q": filters.q, "level": filters.level, "state": filters.state,
                   "department": filters.department})
    query = (_query(filters, day)
             .add_columns(Person.name, Person.employee_id, Person.department)
             .order_by(Person.name, Certification.level, Certification.id)
             .execution_options(yield_per=500))

    def rows() -> Iterator[dict[str, Any]]:
        for cert, name, employee_id, department in db.session.execute(query):
            yield {"name": name, "employee_id": employee_id, "department": department,
                   "level": cert.level, "state": state_of(cert, day).value,
                   "issued_on": cert.issued_on.isoformat(),
                   "valid_until": cert.valid_until.isoformat(),
                   "last_recertified_on": cert.last_recertified_on.isoformat()
                   if cert.last_recertified_on else ""}

    return rows()
