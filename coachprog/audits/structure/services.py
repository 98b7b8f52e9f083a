"""Supervision structure services: the supervisor tree with its warnings, and supervision
events (case clinics, calibration sessions). Services flush; the caller commits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from coachprog.audits.structure import domain
from coachprog.audits.structure.models import SupervisionEvent
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import require
from coachprog.coaching.models import SupervisorAssignment
from coachprog.coaching.roster.services import active_coach_ids
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.roles import Role


def span_limits() -> tuple[int, int]:
    """How many coaches a master coach should have under them (AUDIT_MASTER_MIN/MAX_COACHES)."""
    config = current_app.config
    return (int(config.get("AUDIT_MASTER_MIN_COACHES", 8)),
            int(config.get("AUDIT_MASTER_MAX_COACHES", 15)))


def _roles_by_user() -> dict[int, set[str]]:
    roles: dict[int, set[str]] = {}
    for user_id, role in db.session.execute(sa.select(RoleGrant.user_id, RoleGrant.role)):
        roles.setdefault(user_id, set()).add(role)
    return roles


def _tier(roles: set[str]) -> str:
    if Role.MASTER_COACH.value in roles:
        return "master"
    if Role.LEAD_COACH.value in roles:
        return "lead"
    return "internal"


@dataclass
class Structure:
    roots: list[domain.TreeNode]
    warnings: list[domain.StructureWarning]
    unsupervised: list[Person]
    min_span: int
    max_span: int


def supervisors_by_coach() -> dict[int, list[User]]:
    found: dict[int, list[User]] = {}
    for row in db.session.scalars(sa.select(SupervisorAssignment).options(
            joinedload(SupervisorAssignment.supervisor)).order_by(
            SupervisorAssignment.supervisor_user_id)):
        found.setdefault(row.coach_person_id, []).append(row.supervisor)
    return found


def structure(actor: Any) -> Structure:
    require(actor, "can_view_audit_structure")
    roles = _roles_by_user()
    # Columns, not ORM rows: the whole programme (2,000 coaches) is read for every view.
    sup_people: dict[int, list[int]] = {}
    for coach_id, sup_person_id in db.session.execute(
            sa.select(SupervisorAssignment.coach_person_id, User.person_id)
            .join(User, User.id == SupervisorAssignment.supervisor_user_id)
            .order_by(SupervisorAssignment.supervisor_user_id)):
        found = sup_people.setdefault(coach_id, [])
        if sup_person_id is not None:
            found.append(sup_person_id)
    coaches = active_coach_ids()
    person_ids = set(coaches) | set(sup_people)
    tiers: dict[int, str] = {}
    for user_id, user_person_id in db.session.execute(
            sa.select(User.id, User.person_id).where(User.person_id.is_not(None))):
        tier = _tier(roles.get(user_id, set()))
        if user_person_id is None:
            continue
        if tier != "internal" or user_person_id in person_ids:
            tiers[user_person_id] = tier
            person_ids.add(user_person_id)
    for pid in person_ids:
        tiers.setdefault(pid, "internal")
    names: dict[int, str] = dict(db.session.execute(
        sa.select(Person.id, Person.name).where(Person.id.in_(person_ids))).all()
    ) if person_ids else {}
    children: dict[int, list[int]] = {}
    for coach, sups in sup_people.items():
        for sup in sups:
            children.setdefault(sup, []).append(coach)

    def node(pid: int, seen: frozenset[int]) -> domain.TreeNode:
        kids = tuple(node(c, seen | {c}) for c in sorted(children.get(pid, []),
                                                          key=lambda c: names.get(c, ""))
                     if c not in seen)
        return domain.TreeNode(pid, names.get(pid, f"#{pid}"), tiers.get(pid, "internal"),
                               kids)

    roots = [node(pid, frozenset({pid})) for pid in sorted(
        person_ids, key=lambda p: names.get(p, "")) if not sup_people.get(pid)
        and (children.get(pid) or tiers.get(pid) == "master")]
    min_span, max_span = span_limits()
    warnings = domain.structure_warnings(
        tiers=tiers, names=names, supervisors_of=sup_people, coaches=coaches,
        min_span=min_span, max_span=max_span)
    unsupervised_ids = [p for p in sorted(coaches) if p in names and not sup_people.get(p)
                        and tiers.get(p) != "master"]
    unsupervised = list(db.session.scalars(sa.select(Person).where(
        Person.id.in_(unsupervised_ids)).order_by(Person.id))) if unsupervised_ids else []
    return Structure(roots, warnings, unsupervised, min_span, max_span)


EVENT_KINDS = {"case_clinic": "Monthly case clinic",
               "calibration_session": "Quarterly cross-business calibration session"}


def list_events(actor: Any) -> list[SupervisionEvent]:
    require(actor, "can_view_audit_structure")
    return list(db.session.scalars(sa.select(SupervisionEvent).order_by(
        SupervisionEvent.held_on.desc(), SupervisionEvent.id.desc())))


def attendee_names(events: list[SupervisionEvent]) -> dict[int, str]:
    """The names of the people who attended these events (one query; former coaches too)."""
    ids = {pid for event in events for pid in event.attendee_person_ids}
    rows = db.session.execute(sa.select(Person.id, Person.name).where(
        Person.id.in_(ids))).all() if ids else []
    return dict(rows)


MAX_ATTENDEES = 500


def split_attendees(text: str) -> list[str]:
    """E-mail addresses or employee ids as typed or pasted, each once: commas, semicolons,
    spaces and new lines separate them; "Name <address>", as mail programs copy an
    invitation's attendees, gives the address."""
    found: list[str] = []
    for entry in re.split(r"[,;\n]+", text or ""):
        bracketed = re.search(r"<([^<>]+)>", entry)
        for token in [bracketed.group(1)] if bracketed else entry.split():
            token = token.strip().strip("\"'")
            if token and token not in found:
                found.append(token)
    return found


def resolve_attendees(tokens: list[str]) -> tuple[list[int], list[str]]:
    """(person ids, tokens matching nobody): a token is an e-mail address (any case) or an
    employee id of the directory."""
    if not tokens:
        return [], []
    lowered = [t.lower() for t in tokens]
    rows = db.session.execute(sa.select(Person.id, Person.email, Person.employee_id).where(
        sa.or_(sa.func.lower(Person.email).in_(lowered), Person.employee_id.in_(tokens)))).all()
    by_email = {email.lower(): pid for pid, email, _ in rows if email}
    by_employee_id = {employee_id: pid for pid, _, employee_id in rows if employee_id}
    ids: list[int] = []
    unknown: list[str] = []
    for token in tokens:
        pid = by_email.get(token.lower()) or by_employee_id.get(token)
        if pid is None:
            unknown.append(token)
        elif pid not in ids:
            ids.append(pid)
    return ids, unknown


def record_event(actor: Any, *, kind: str, title: str, held_on: date | None,
                 attendees: str = "") -> SupervisionEvent:
    """Record a case clinic or calibration session; `attendees` as typed on the form (e-mail
    addresses or employee ids, `split_attendees`)."""
    require(actor, "can_manage_audits")
    errors: dict[str, list[str]] = {}
    if kind not in EVENT_KINDS:
        errors["kind"] = ["Choose the kind of event."]
    if not title.strip():
        errors["title"] = ["Give the event a title."]
    elif len(title) > 200:
        errors["title"] = ["At most 200 characters."]
    if held_on is None:
        errors["held_on"] = ["Give the date it was held."]
    tokens = split_attendees(attendees)
    person_ids: list[int] = []
    if len(tokens) > MAX_ATTENDEES:
        errors["attendees"] = [f"At most {MAX_ATTENDEES} attendees per event."]
    else:
        person_ids, unknown = resolve_attendees(tokens)
        if unknown:
            shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more"
                                               if len(unknown) > 10 else "")
            errors["attendees"] = [f"Not in the directory (check the address or employee "
                                   f"id): {shown}."]
    if errors or held_on is None:
        raise DomainError("The event was not recorded.", field_errors=errors)
    event = SupervisionEvent(kind=kind, title=title.strip(), held_on=held_on,
                             attendee_person_ids=sorted(person_ids),
                             recorded_by_id=getattr(actor, "id", None))
    db.session.add(event)
    db.session.flush()
    return event


