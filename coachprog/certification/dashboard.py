"""The certification dashboard's lists and the home panel's counts (issue 20: at 2,000 coaches
the dashboard listed every due certification, flagged engagement and pending decision, 190 KB,
and the home panel loaded them all to count them).

Each list is a page in SQL (`page`, `per_page`) with its total; the panel asks for counts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coachprog.authority import require
from coachprog.certification import domain
from coachprog.certification.levels.services import levels_policy
from coachprog.certification.models import Certification, CertificationDecision
from coachprog.certification.services import today
from coachprog.coaching.models import Engagement
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.practicum.supervision.domain import Gate, is_passing
from coachprog.practicum.supervision.models import GateDecision

DUE = (domain.CertStatus.ACTIVE.value, domain.CertStatus.LAPSED.value)
OFF = (domain.CertStatus.LAPSED.value, domain.CertStatus.REVOKED.value)
PENDING = domain.DecisionStatus.PENDING.value


def _due_where(day: date) -> list[Any]:
    """Certifications the clock calls due soon or overdue (`domain.clock_state` not CURRENT:
    at most the largest reminder window left), and lapsed ones."""
    days = levels_policy().recertification.reminder_days
    horizon = day + timedelta(days=max(days, default=0))
    return [Certification.status.in_(DUE), Certification.valid_until <= horizon]


def _offset(page: int, per_page: int) -> int:
    return (max(page, 1) - 1) * per_page


def list_due(actor: Any, *, on: date | None = None, page: int = 1,
             per_page: int = 50) -> tuple[list[tuple[Certification, str, int]], int]:
    """A page of due-soon and overdue certifications, soonest first, and how many there are."""
    require(actor, "can_view_certification_dashboard")
    day = on or today()
    days = levels_policy().recertification.reminder_days
    where = _due_where(day)
    total = db.session.scalar(sa.select(sa.func.count(Certification.id)).where(*where)) or 0
    rows = db.session.scalars(
        sa.select(Certification).where(*where)
        .options(joinedload(Certification.person))  # the list names each coach
        .order_by(Certification.valid_until, Certification.id)
        .limit(per_page).offset(_offset(page, per_page)))
    return [(cert, domain.clock_state(cert.valid_until, day, days).value,
             domain.days_left(cert.valid_until, day)) for cert in rows], int(total)


def due_counts(actor: Any, *, on: date | None = None) -> tuple[int, int]:
    """(overdue or lapsed, due soon): the home panel's two counts, in one query."""
    require(actor, "can_view_certification_dashboard")
    day = on or today()
    late = sa.or_(Certification.status == domain.CertStatus.LAPSED.value,
                  Certification.valid_until < day)
    row = db.session.execute(sa.select(
        sa.func.count(Certification.id),
        sa.func.coalesce(sa.func.sum(sa.case((late, 1), else_=0)), 0))
        .where(*_due_where(day))).one()
    return int(row[1]), int(row[0]) - int(row[1])


def _off_roster() -> Any:
    """Coaches whose certification lapsed or was revoked and who hold no active one (the
    rule of `services._lapsed_or_revoked`, as a subquery)."""
    active = sa.select(Certification.person_id).where(
        Certification.status == domain.CertStatus.ACTIVE.value)
    return sa.select(Certification.person_id).where(Certification.status.in_(OFF),
                                                     Certification.person_id.not_in(active))


def _flagged_where() -> list[Any]:
    return [Engagement.status == "active", Engagement.coach_person_id.in_(_off_roster())]


def flagged_engagements(actor: Any, *, page: int = 1,
                        per_page: int = 50) -> tuple[list[tuple[Any, str]], int]:
    """A page of active engagements whose coach's certification lapsed or was revoked, with
    the reason, and how many there are: the admin decides whether each continues, is handed
    over or ends."""
    require(actor, "can_view_flagged_engagements")
    total = flagged_count(actor)
    rows = list(db.session.scalars(
        sa.select(Engagement).where(*_flagged_where())
        .options(joinedload(Engagement.coach))
        .order_by(Engagement.start_date, Engagement.id)
        .limit(per_page).offset(_offset(page, per_page))))
    reasons: dict[int, str] = {}
    for person_id, status in db.session.execute(
            sa.select(Certification.person_id, Certification.status)
            .where(Certification.person_id.in_([e.coach_person_id for e in rows]),
                   Certification.status.in_(OFF))
            .order_by(Certification.person_id, Certification.id)):
        reasons.setdefault(person_id, f"certification {status}")
    return [(e, reasons.get(e.coach_person_id, "")) for e in rows], total


def flagged_count(actor: Any) -> int:
    require(actor, "can_view_flagged_engagements")
    return int(db.session.scalar(sa.select(sa.func.count(Engagement.id))
                                 .where(*_flagged_where())) or 0)


def pending_decisions(actor: Any, *, page: int = 1,
                      per_page: int = 50) -> tuple[list[CertificationDecision], int]:
    """A page of decisions waiting for an approval, oldest first, and how many there are."""
    require(actor, "can_view_certification_dashboard")
    total = pending_count(actor)
    rows = list(db.session.scalars(
        sa.select(CertificationDecision).where(CertificationDecision.status == PENDING)
        .options(joinedload(CertificationDecision.person),
                 joinedload(CertificationDecision.master_approver),
                 joinedload(CertificationDecision.admin_approver))
        .order_by(CertificationDecision.created_at, CertificationDecision.id)
        .limit(per_page).offset(_offset(page, per_page))))
    return rows, total


def pending_count(actor: Any) -> int:
    require(actor, "can_view_certification_dashboard")
    return int(db.session.scalar(sa.select(sa.func.count(CertificationDecision.id)).where(
        CertificationDecision.status == PENDING)) or 0)


def awaiting_certification(actor: Any) -> list[Person]:
    """Trainees whose latest final observed review passed and who hold no certification yet,
    nor have a decision pending: the people to open a decision for."""
    require(actor, "can_view_certification_dashboard")
    latest: dict[int, GateDecision] = {}
    for row in db.session.scalars(sa.select(GateDecision).where(
            GateDecision.gate == Gate.FINAL.value).order_by(GateDecision.decided_at,
                                                            GateDecision.id)):
        latest[row.trainee_person_id] = row
    # No early return on an empty set: the same statements whatever the data (issue 20).
    passed = {pid for pid, row in latest.items() if is_passing(Gate.FINAL, row.outcome)}
    certified = set(db.session.scalars(sa.select(Certification.person_id).where(
        Certification.person_id.in_(passed))))
    pending = set(db.session.scalars(sa.select(CertificationDecision.person_id).where(
        CertificationDecision.person_id.in_(passed),
        CertificationDecision.status == PENDING)))
    waiting = passed - certified - pending
    return list(db.session.scalars(sa.select(Person).where(Person.id.in_(waiting))
                                   .order_by(Person.name, Person.id)))
