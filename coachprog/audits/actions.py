"""Corrective actions after a "needs development" outcome: retraining, extra supervision or
other, each with an owner (the coach or programme staff) and a due date; open -> done |
cancelled with a note. Services flush; the caller commits."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from coachprog.audits import domain
from coachprog.audits.models import Audit, CorrectiveAction
from coachprog.audits.services import coach_label
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import require
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.roles import PROGRAM_STAFF

# Corrective actions are owned by the people who carry them out: the coach, or programme staff
# (L&D, master and lead coaches). Listing every account would hand a blind auditor the coach's
# name among the options, so the coach appears under the label the actor sees.
ACTION_OWNER_ROLES = tuple(role.value for role in PROGRAM_STAFF)


def action_owner_choices(actor: Any, audit: Audit) -> list[tuple[int, str]]:
    coach_user = db.session.scalar(sa.select(User).where(User.person_id == audit.coach_person_id))
    staff = db.session.scalars(
        sa.select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role.in_(ACTION_OWNER_ROLES), User.is_active.is_(True))
        .distinct().order_by(User.display_name))
    options: list[tuple[int, str]] = []
    if coach_user is not None:
        options.append((coach_user.id, f"The coach ({coach_label(actor, audit)})"))
    options.extend((u.id, u.display_name) for u in staff
                   if coach_user is None or u.id != coach_user.id)
    return options


def action_owner_label(actor: Any, audit: Audit, action: CorrectiveAction) -> str:
    """The owner as this actor may see them: the coach under the actor's label for the coach."""
    if action.owner is None:
        return ""
    if action.owner.person_id == audit.coach_person_id:
        return f"The coach ({coach_label(actor, audit)})"
    return str(action.owner.display_name)


def add_action(actor: Any, audit_id: int, *, kind: str, description: str,
               owner_user_id: int | None, due_on: date | None) -> CorrectiveAction:
    audit = get_or_404(Audit, audit_id, what="audit")
    require(actor, "can_manage_corrective_actions", audit)
    errors: dict[str, list[str]] = {}
    if audit.outcome != "needs_development":
        raise DomainError("Corrective actions follow a 'needs development' outcome.")
    if kind not in domain.ACTION_KINDS:
        errors["kind"] = ["Choose the kind of action."]
    if owner_user_id not in {uid for uid, _ in action_owner_choices(actor, audit)}:
        errors["owner_user_id"] = ["Choose who owns the action: the coach or a member of "
                                   "the programme staff."]
    if due_on is None:
        errors["due_on"] = ["Give a due date."]
    elif due_on < utcnow().date():
        errors["due_on"] = ["The due date is in the past."]
    if len(description) > 1000:
        errors["description"] = ["At most 1,000 characters."]
    if errors or due_on is None:
        raise DomainError("The action was not added.", field_errors=errors)
    action = CorrectiveAction(audit_id=audit.id, kind=kind, description=description.strip(),
                              owner_user_id=owner_user_id, due_on=due_on)
    db.session.add(action)
    db.session.flush()
    return action


def close_action(actor: Any, action_id: int, *, status: str, note: str) -> CorrectiveAction:
    action = get_or_404(CorrectiveAction, action_id, what="corrective action")
    require(actor, "can_manage_corrective_actions", action.audit)
    if action.status != "open":
        raise DomainError("This action is already closed.")
    if status not in ("done", "cancelled"):
        raise DomainError("Choose done or cancelled.", field_errors={"status": ["Choose done "
                                                                               "or cancelled."]})
    if not note.strip():
        raise DomainError("Add a note on how it closed.",
                          field_errors={"note": ["Add a note on how it closed."]})
    action.status, action.closing_note = status, note.strip()[:1000]
    action.closed_at = utcnow()
    db.session.flush()
    return action
