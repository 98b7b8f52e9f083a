"""Who supervises a coach: the supervisor assignments (a lead or master coach over a coach)
as the permission rules of every package above coaching read them.

Policy: an assignment counts while its supervisor holds a supervising role (a revoked role
ends it) and is not in the coach's management chain (the chain bar: an assignment made before
a reorganisation put them above the coach grants nothing). Recordings, practicum, audits and
the engagement goals all ask `supervisor_user_ids`; list pages ask `supervised_person_ids`
and prefetch with `prefetch_supervisors`, so their per-row checks ask no query per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import Session

from coachprog.auth.models import RoleGrant, User
from coachprog.authority import has_any_role
from coachprog.coaching.models import SupervisorAssignment
from coachprog.extensions import db
from coachprog.people.domain import manager_chain
from coachprog.people.services import manager_links_for, not_managed_by, prefetch_manager_links
from coachprog.roles import Role

SUPERVISING_ROLES = (Role.LEAD_COACH.value, Role.MASTER_COACH.value)


def _supervisors_query(coach_person_ids: Iterable[int]) -> sa.Select[int, int, int | None]:
    """(coach, supervisor user, supervisor's person) for assigned supervisors who still hold a
    supervising role (a revoked role ends access)."""
    return sa.select(SupervisorAssignment.coach_person_id,
                     SupervisorAssignment.supervisor_user_id, User.person_id).join(
        User, User.id == SupervisorAssignment.supervisor_user_id).where(
        SupervisorAssignment.coach_person_id.in_(list(coach_person_ids)),
        SupervisorAssignment.supervisor_user_id.in_(sa.select(RoleGrant.user_id).where(
            RoleGrant.role.in_(SUPERVISING_ROLES))))


_PREFETCHED = "coachprog_supervisors"


def _prefetched() -> dict[int, set[tuple[int, int | None]]] | None:
    return g.get(_PREFETCHED) if has_app_context() else None


def prefetch_supervisors(coach_person_ids: Iterable[int]) -> None:
    """Load the supervisors of many coaches in one query, and the reporting lines above those
    coaches in another, so the per-row permission checks of a list page
    (`supervisor_user_ids`) answer from memory instead of one query per row. Kept for this app
    context until the session next flushes (a change of assignments, a new role grant), so a
    check never answers from before a write."""
    if not has_app_context():
        return
    known = g.setdefault(_PREFETCHED, {})
    missing = {i for i in coach_person_ids if i not in known}
    if not missing:
        return
    found: dict[int, set[tuple[int, int | None]]] = {i: set() for i in missing}
    for coach, supervisor, person in db.session.execute(_supervisors_query(missing)):
        found[coach].add((supervisor, person))
    known.update(found)
    prefetch_manager_links(missing)


@sa.event.listens_for(Session, "after_flush")
def _forget_prefetched(*_: Any) -> None:
    if has_app_context():
        g.pop(_PREFETCHED, None)


def chain_above(person_id: int) -> set[int]:
    """Everyone above the person in the reporting line (from the prefetched links if any)."""
    return set(manager_chain(person_id, manager_links_for(person_id)))


def supervisor_user_ids(coach_person_id: int) -> set[int]:
    """Assigned supervisors who still hold a supervising role (a revoked role ends access)
    and are not in the coach's management chain (the chain bar: an assignment made before a
    reorganisation put them above the coach grants nothing)."""
    known = _prefetched()
    if known is not None and coach_person_id in known:
        pairs = known[coach_person_id]
    else:
        pairs = {(supervisor, person) for _, supervisor, person in db.session.execute(
            _supervisors_query([coach_person_id]))}
    if not pairs:
        return set()
    above = chain_above(coach_person_id)
    return {supervisor for supervisor, person in pairs if person is None or person not in above}


def supervised_person_ids(user: Any) -> sa.Select[Any]:
    """The coaches this user supervises, as a subquery for list filters: their assignments,
    while they hold a supervising role, bar anyone in their own reporting line (the set-based
    twin of `supervisor_user_ids`)."""
    user_id = getattr(user, "id", None)
    if user_id is None or not has_any_role(user, Role.LEAD_COACH, Role.MASTER_COACH):
        return sa.select(SupervisorAssignment.coach_person_id).where(sa.false())
    return sa.select(SupervisorAssignment.coach_person_id).where(
        SupervisorAssignment.supervisor_user_id == user_id,
        not_managed_by(SupervisorAssignment.coach_person_id, getattr(user, "person_id", None)))
