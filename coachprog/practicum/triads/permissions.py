"""Who may form peer triads, see them and log their rounds.

Policy:
- A triad, its rounds and the observer's feedback are seen by its three members and their
  supervisors (`coaching.SupervisorAssignment` with lead or master coach); nobody else —
  not admins, never sponsors or line managers of a member.
- A trainee (a person with an account) forms a triad with two others of their program; only
  a member logs a round (the rules then require the logger to be its observer).
Triad predicates take a `PeerTriad`; `can_list_peer_triads` takes a trainee's person id.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.practicum.capstone.permissions import manages
from coachprog.practicum.permissions import supervises
from coachprog.roles import Role


def _excluded(user: Any) -> bool:
    return not is_signed_in(user) or has_any_role(user, Role.SPONSOR)


def _is_member(user: Any, triad: Any) -> bool:
    own = getattr(user, "person_id", None)
    return own is not None and own in triad.member_ids


@permission
def can_list_peer_triads(user: Any, person_id: Any = None) -> bool:
    if _excluded(user) or not isinstance(person_id, int) or manages(user, person_id):
        return False
    return getattr(user, "person_id", None) == person_id or supervises(user, person_id)


@permission
def can_form_peer_triad(user: Any, obj: Any = None) -> bool:
    return not _excluded(user) and getattr(user, "person_id", None) is not None


@permission
def can_view_peer_triad(user: Any, triad: Any = None) -> bool:
    if triad is None or _excluded(user):
        return False
    members = triad.member_ids
    if any(manages(user, m) for m in members):
        return False
    return _is_member(user, triad) or any(supervises(user, m) for m in members)


@permission
def can_log_triad_round(user: Any, triad: Any = None) -> bool:
    return triad is not None and not _excluded(user) and _is_member(user, triad) \
        and not any(manages(user, m) for m in triad.member_ids)
