"""Who supervises whom: L&D assigns lead and master coaches over coaches (the assignments the
content rules read, `coachprog.coaching.supervisors`).

Policy: a supervisor holds the lead or master coach role, is not the coach themself and is
nobody in the coach's management chain (supervisors read and verify practicum hours and hear
sessions: never a manager). Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from coachprog.auth.models import RoleGrant, User
from coachprog.authority import require
from coachprog.coaching.models import Engagement, SupervisorAssignment
from coachprog.db import get_or_404
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.people.services import chain_refusal
from coachprog.roles import Role
from coachprog.selection.models import Candidate

SUPERVISOR_ROLES = (Role.LEAD_COACH.value, Role.MASTER_COACH.value)


@dataclass(frozen=True)
class Supervision:
    assignments: list[SupervisorAssignment]  # one page of them (matching the search)
    coaches: list[Person]  # the coach choices: the first COACH_CHOICES matching the search
    supervisors: list[User]
    total: int = 0  # assignments matching the search
    coach_total: int = 0  # coaches matching the search


COACH_CHOICES = 100


def list_supervision(actor: Any, *, page: int = 1, per_page: int = 50,
                     q: str = "") -> Supervision:
    """A page of supervisor assignments and the coach choices, both narrowed by `q` (a coach's
    or supervisor's name or e-mail) in SQL: 2,000 coaches made a 1.1 MB page."""
    require(actor, "can_manage_recordings")
    needle = q.strip()
    query = (sa.select(SupervisorAssignment)
             .join(Person, Person.id == SupervisorAssignment.coach_person_id)
             .join(User, User.id == SupervisorAssignment.supervisor_user_id))
    coaches = _coach_query()
    if needle:
        # autoescape: "100%" or "a_b" mean those characters, not LIKE wildcards.
        query = query.where(sa.or_(*(column.icontains(needle, autoescape=True) for column in (
            Person.name, Person.email, User.display_name, User.email))))
        coaches = coaches.where(sa.or_(Person.name.icontains(needle, autoescape=True),
                                       Person.email.icontains(needle, autoescape=True)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    assignments = db.session.scalars(
        query.options(selectinload(SupervisorAssignment.coach),
                      selectinload(SupervisorAssignment.supervisor))
        .order_by(Person.name, SupervisorAssignment.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    coach_total = db.session.scalar(
        sa.select(sa.func.count()).select_from(coaches.subquery())) or 0
    return Supervision(
        assignments=list(assignments),
        coaches=list(db.session.scalars(coaches.order_by(Person.name, Person.id)
                                        .limit(COACH_CHOICES))),
        supervisors=_supervisors(), total=total, coach_total=coach_total)


def _coach_query() -> sa.Select[tuple[Person]]:
    appointed = sa.select(Candidate.person_id).where(Candidate.stage == "appointed")
    engaged = sa.select(Engagement.coach_person_id)
    return sa.select(Person).where(sa.or_(Person.id.in_(appointed), Person.id.in_(engaged)))


def _is_coach(person_id: int) -> bool:
    return db.session.scalar(_coach_query().where(Person.id == person_id).limit(1)) is not None


def _supervisors() -> list[User]:
    holders = sa.select(RoleGrant.user_id).where(RoleGrant.role.in_(SUPERVISOR_ROLES))
    return list(db.session.scalars(sa.select(User).where(User.id.in_(holders))
                                   .order_by(User.email)))


def assign_supervisor(actor: Any, *, coach_person_id: int | None,
                      supervisor_user_id: int | None) -> SupervisorAssignment:
    require(actor, "can_manage_recordings")
    errors: dict[str, list[str]] = {}
    coach = db.session.get(Person, coach_person_id) if coach_person_id else None
    supervisor = db.session.get(User, supervisor_user_id) if supervisor_user_id else None
    if coach is None or not _is_coach(coach.id):
        errors["coach_person_id"] = ["Choose an appointed coach."]
    if supervisor is None or supervisor not in _supervisors():
        errors["supervisor_user_id"] = ["Choose a lead coach or master coach."]
    elif coach is not None and supervisor.person_id == coach.id:
        errors["supervisor_user_id"] = ["A coach cannot supervise themselves."]
    elif coach is not None and (barred := chain_refusal(supervisor, coach, "supervisor")):
        # Supervisors read and verify practicum hours and hear sessions: never a manager.
        errors["supervisor_user_id"] = [barred]
    if not errors and db.session.scalar(sa.select(SupervisorAssignment.id).where(
            SupervisorAssignment.coach_person_id == coach_person_id,
            SupervisorAssignment.supervisor_user_id == supervisor_user_id)):
        errors["supervisor_user_id"] = ["This supervisor is already assigned to this coach."]
    if errors or coach is None or supervisor is None:
        raise DomainError("The supervisor could not be assigned.", field_errors=errors)
    row = SupervisorAssignment(coach_person_id=coach.id, supervisor_user_id=supervisor.id,
                               assigned_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record("recording.supervisor_assigned", actor=actor,
                 object_type="supervisor_assignment", object_id=row.id,
                 detail={"coach_person_id": coach.id, "supervisor_user_id": supervisor.id})
    return row


def unassign_supervisor(actor: Any, assignment_id: int) -> SupervisorAssignment:
    require(actor, "can_manage_recordings")
    row = get_or_404(SupervisorAssignment, assignment_id, what="supervisor assignment")
    audit.record("recording.supervisor_unassigned", actor=actor,
                 object_type="supervisor_assignment", object_id=row.id,
                 detail={"coach_person_id": row.coach_person_id,
                         "supervisor_user_id": row.supervisor_user_id})
    db.session.delete(row)
    db.session.flush()
    return row
