"""Helpers the selection tests share: people and accounts, signing in, reading a page,
reloading a candidate, the outbox and the audit trail of a candidate."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask.testing import FlaskClient

from coachprog.auth.models import User
from coachprog.db import set_clock
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.notifications.models import OutboxMessage
from coachprog.people.models import Person
from coachprog.roles import Role
from coachprog.selection.models import Candidate, Sprint
from tests.conftest import Auth
from tests.factories import PersonFactory, UserFactory
from tests.selection.builders import applicant

EXIT_REASON = "Directive style in the interview, XJ-7781"


def make_person(**fields: Any) -> Person:
    # factory_boy builds the model; its stubs say otherwise.
    return cast(Person, PersonFactory(**fields))


def make_user(*roles: Role, **fields: Any) -> User:
    return cast(User, UserFactory(roles=list(roles), **fields))


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)


def sign_in(client: FlaskClient, user: Any) -> None:
    with client.session_transaction() as session:
        session.clear()
    db.session.commit()
    response = Auth(client).login(user.email)
    assert response.status_code == 302


def user_of(candidate: Candidate) -> User:
    user = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    assert user is not None
    return user


def reload_candidate(candidate_id: int) -> Candidate:
    db.session.expire_all()
    candidate = db.session.get(Candidate, candidate_id)
    assert candidate is not None
    return candidate


def only_row(model: Any) -> Any:
    rows = db.session.scalars(sa.select(model)).all()
    assert len(rows) == 1, rows
    return rows[0]


def path_of(candidate: Candidate, suffix: str = "") -> str:
    return f"/sprints/{candidate.sprint_id}/candidates/{candidate.id}{suffix}"


def follow(client: FlaskClient, response: Any) -> str:
    assert response.status_code == 302, text_of(response)
    return text_of(client.get(response.headers["Location"]))


def outbox_messages(kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def audit_actions(candidate: Candidate) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "candidate", AuditEntry.object_id == str(candidate.id))
        .order_by(AuditEntry.id)))


def applicant_in_window(row: Sprint, frozen: datetime) -> Candidate:
    """Apply while the window was open (the clock is moved back for the entry)."""
    set_clock(lambda: datetime.combine(row.start_date, frozen.timetz()))
    try:
        return applicant(row)
    finally:
        set_clock(lambda: frozen)
