"""The calibration panel: seating its three members (never someone conflicted with a
candidate) and their decisions on the candidates who reached it.

Policy: `selection/panel/domain.py`; conflicts: `selection/panel/conflicts.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from coachprog.auth.models import RoleGrant, User
from coachprog.authority import require
from coachprog.db import utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.people.services import chain_refusal, reporting_line_cte
from coachprog.selection.candidates import domain as candidate_domain
from coachprog.selection.entries.services import entered_person_ids, insert_or_refuse
from coachprog.selection.models import (
    Candidate,
    PanelDecisionRecord,
    Sprint,
    SprintPanelMember,
)
from coachprog.selection.panel import conflicts
from coachprog.selection.panel import domain as panel_domain
from coachprog.selection.panel.domain import PanelRole
from coachprog.selection.permissions import (
    PANEL_SEAT_ROLES,
    panel_seat_of,
)
from coachprog.selection.sprints.services import refuse


def seat_panel_member(actor: Any, sprint: Sprint, panel_role: str, user_id: int | None,
                      reason: str = "") -> SprintPanelMember:
    """Seat (or replace) one of the three panel members. Each seat needs its role (HR/L&D:
    admin; external master coach: master coach; business sponsor: sponsor), three different
    people sit on the panel, and nobody conflicted with a candidate of the sprint takes a seat.
    Replacing a member needs a reason, kept in the audit log. Decisions already recorded stay
    with the member who made them."""
    require(actor, "can_manage_sprints")
    if sprint.status != "open":
        raise refuse("The sprint is closed; its panel no longer changes.")
    try:
        role = PanelRole(panel_role)
    except ValueError:
        raise refuse("Choose a panel seat.", "panel_role") from None
    user = db.session.get(User, user_id) if user_id else None
    label = panel_domain.PANEL_ROLE_LABELS[role]
    if user is None or not user.is_active:
        raise refuse(f"Choose the {label}.", "user_id")
    needed = PANEL_SEAT_ROLES[role.value]
    if needed.value not in user.roles:
        raise refuse(f"{user.display_name} cannot sit as {label}: the seat needs the "
                     f"{needed.value.replace('_', ' ')} role.", "user_id")
    for member in sprint.panel:
        if member.user_id == user.id and member.panel_role != role.value:
            other = panel_domain.PANEL_ROLE_LABELS[PanelRole(member.panel_role)]
            raise refuse(f"{user.display_name} already sits on this panel as {other}; the panel "
                         f"is three different people.", "user_id")
    if user.person_id is not None and user.person_id in entered_person_ids(sprint):
        raise refuse(f"{user.display_name} has an entry in this sprint and cannot sit on its "
                     f"panel.", "user_id")
    managed = _managed_candidate(sprint, user)
    if managed is not None:
        raise refuse(chain_refusal(user, managed, "panel member") or "", "user_id")
    related = seat_refusals(sprint, [user]).get(user.id)
    if related:
        raise refuse(f"{related} They cannot sit on this sprint's panel.", "user_id")
    seat = next((m for m in sprint.panel if m.panel_role == role.value), None)
    replaced = seat.user_id if seat is not None and seat.user_id != user.id else None
    if replaced is not None and not reason.strip():
        raise refuse(f"Say why the {label} seat changes hands; the reason is kept in the "
                     f"audit log.", "reason")
    if len(reason) > candidate_domain.MAX_REASON_LENGTH:
        raise refuse(f"Keep the reason under {candidate_domain.MAX_REASON_LENGTH} characters.",
                     "reason")
    if seat is not None and replaced is not None:
        # Decisions already recorded stay with the member who made them; the new member
        # decides on the candidates still waiting (e.g. where the former one had a conflict).
        seat.user_id = user.id
        seat.user = user
    elif seat is None:
        seat = SprintPanelMember(sprint_id=sprint.id, panel_role=role.value, user_id=user.id)
        db.session.add(seat)
        sprint.panel.append(seat)
    db.session.flush()
    detail: dict[str, Any] = {"panel_role": role.value, "user_id": user.id}
    if replaced is not None:
        detail.update(replaced_user_id=replaced, reason=reason.strip())
    audit.record("sprint.panel_replaced" if replaced is not None else "sprint.panel_seated",
                 actor=actor, object_type="sprint", object_id=sprint.id, detail=detail)
    return seat


def seat_refusals(sprint: Sprint, users: Sequence[User]) -> dict[int, str]:
    """{user id: why} for the users conflicted with any entry of the sprint (management chain
    either way, coaching, own candidacy): one sentence per user, naming the first candidate."""
    people = db.session.execute(
        sa.select(Person.id, Person.name).join(Candidate, Candidate.person_id == Person.id)
        .where(Candidate.sprint_id == sprint.id).order_by(Person.name, Person.id)).all()
    found: dict[int, str] = {}
    pairs = conflicts.conflicts_between(users, [(row.id, row.name) for row in people])
    for user in users:
        for row in people:
            if user.id not in found and (user.id, row.id) in pairs:
                found[user.id] = " ".join(pairs[(user.id, row.id)])
    return found


def _managed_candidate(sprint: Sprint, user: User) -> Person | None:
    """A candidate of this sprint in whose management chain the user is (one query: the
    user's reporting line against the sprint's entries), or None."""
    if user.person_id is None:
        return None
    below = sa.select(reporting_line_cte(user.person_id).c.id)
    return db.session.scalar(
        sa.select(Person).join(Candidate, Candidate.person_id == Person.id)
        .where(Candidate.sprint_id == sprint.id, Person.id.in_(below))
        .order_by(Person.name, Person.id).limit(1))


def panel_candidates(sprint: Sprint) -> list[tuple[str, User]]:
    """(role label, user) for every seat, in the blueprint's order."""
    by_role = {m.panel_role: m.user for m in sprint.panel}
    return [(panel_domain.PANEL_ROLE_LABELS[r], by_role[r.value]) for r in PanelRole
            if r.value in by_role]


def panel_seat_choices(sprint: Sprint | None = None,
                       ) -> tuple[dict[str, Sequence[User]], dict[str, list[tuple[User, str]]]]:
    """Active users who may take each seat, and those who hold the seat's role but are not
    offered because they are conflicted with a candidate of the sprint (with why)."""
    choices: dict[str, Sequence[User]] = {}
    held: dict[str, Sequence[User]] = {}
    for seat, role in PANEL_SEAT_ROLES.items():
        held[seat] = db.session.scalars(
            sa.select(User).where(User.is_active.is_(True), User.id.in_(
                sa.select(RoleGrant.user_id).where(RoleGrant.role == role.value)))
            .order_by(User.display_name)).all()
    everyone = list({u.id: u for users in held.values() for u in users}.values())
    refused = seat_refusals(sprint, everyone) if sprint is not None else {}
    not_offered: dict[str, list[tuple[User, str]]] = {}
    for seat, users in held.items():
        choices[seat] = [u for u in users if u.id not in refused]
        not_offered[seat] = [(u, refused[u.id]) for u in users if u.id in refused]
    return choices, not_offered


def record_panel_decision(actor: Any, candidate: Candidate, *, verdict: str,
                          reasons: str) -> PanelDecisionRecord:
    conflict = panel_conflict(actor, candidate)
    if conflict:
        raise refuse(conflict)
    require(actor, "can_record_panel_decision", candidate)
    seat = panel_seat_of(actor, candidate.sprint)
    errors: dict[str, list[str]] = {}
    try:
        decision = panel_domain.PanelVerdict(verdict)
    except ValueError:
        errors["verdict"] = ["Choose appoint or do not appoint."]
    if not reasons.strip():
        errors["reasons"] = ["Give the reasons for your decision; the panel decides on "
                             "evidence."]
    elif len(reasons) > candidate_domain.MAX_REASON_LENGTH:
        errors["reasons"] = [
            f"Keep the reasons under {candidate_domain.MAX_REASON_LENGTH} characters."]
    if errors or seat is None:
        raise DomainError("The decision cannot be recorded.", field_errors=errors)
    record = next((d for d in candidate.panel_decisions if d.panel_role == seat), None)
    previous = None
    if record is None:
        record = PanelDecisionRecord(candidate_id=candidate.id, panel_role=seat,
                                     member_id=actor.id, verdict=decision.value,
                                     reasons=reasons.strip())
        record.member = actor
        insert_or_refuse(
            record, "A decision for your seat was recorded a moment ago; reload the page "
            "to see it, then replace it if you need to.")
        candidate.panel_decisions.append(record)
    else:
        previous = record.verdict
        record.member_id, record.verdict = actor.id, decision.value
        record.reasons, record.decided_at = reasons.strip(), utcnow()
    db.session.flush()
    audit.record("candidate.panel_decision", actor=actor, object_type="candidate",
                 object_id=candidate.id,
                 detail={"panel_role": seat, "verdict": decision.value,
                         **({"previous": previous} if previous else {})})
    return record


def panel_conflict(member: Any, candidate: Candidate) -> str | None:
    """Why a seated member may not decide on this candidate (management chain either way,
    coaching, own candidacy), in words; None when they may."""
    return conflicts.member_refusal(member, candidate)


