"""Who may see fidelity signals: the coach and their supervisors only.

The signals are derived from transcripts and describe how a coach works, so they follow the
recordings content rule minus auditors: the coach themselves and their assigned supervisors
(lead or master coaches holding the role). Sponsors never; managers of the coach never, even
with another relation (coaching is not surveillance); admins only through one of the
relations above. Resolving a drift flag is for the supervisors: the coach sees the flag, a
supervisor closes it with a note after talking it through.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.coaching.supervisors import supervisor_user_ids
from coachprog.people.services import user_in_chain_of
from coachprog.policy.guards import guard
from coachprog.roles import Role


def _coach_id(obj: Any) -> int | None:
    if obj is None:
        return None
    if isinstance(obj, int):
        return obj
    return getattr(obj, "coach_person_id", None) or getattr(obj, "id", None)


@guard("fidelity.viewers")
def fidelity_relation(user: Any, obj: Any) -> str | None:
    """"coach", "supervisor" or None for the coach (a Person, a person id, or a flag)."""
    coach_id = _coach_id(obj)
    if coach_id is None or not is_signed_in(user) or has_any_role(user, Role.SPONSOR):
        return None
    if getattr(user, "person_id", None) == coach_id:
        return "coach"
    if user_in_chain_of(user, coach_id):
        return None
    if user.id in supervisor_user_ids(coach_id):
        return "supervisor"
    return None


@permission
def can_view_fidelity_signals(user: Any, coach: Any = None) -> bool:
    """A coach's fidelity signals and drift flags. Without a coach: whether the user could see
    any (coaches and supervisors), for the nav link and the index page."""
    if coach is None:
        return is_signed_in(user) and has_any_role(
            user, Role.COACH, Role.LEAD_COACH, Role.MASTER_COACH) and not has_any_role(
            user, Role.SPONSOR)
    return fidelity_relation(user, coach) is not None


@permission
def can_resolve_fidelity_flag(user: Any, flag: Any = None) -> bool:
    """Close a drift flag with a note: the coach's supervisors."""
    if flag is None:
        return False
    return fidelity_relation(user, flag) == "supervisor"
