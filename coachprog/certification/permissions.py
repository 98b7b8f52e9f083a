"""Who may see and decide certifications.

Policy (issue 8): coaches see their own; master coaches and admins decide; admins revoke and
run the tick; sponsors see aggregates only (never a person's certification page).
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.people.services import user_in_chain_of
from coachprog.roles import PROGRAM_STAFF, Role


@permission
def can_view_certification(user: Any, person_id: Any = None) -> bool:
    """A coach's certification page: program staff, and the coach themselves — never anyone
    in the coach's management chain (its evidence is practicum hours and assessments)."""
    if not is_signed_in(user):
        return False
    if getattr(user, "person_id", None) == person_id and person_id is not None:
        return True
    if isinstance(person_id, int) and user_in_chain_of(user, person_id):
        return False
    return has_any_role(user, *PROGRAM_STAFF)


@permission
def can_decide_certification(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.MASTER_COACH, Role.ADMIN)


@permission
def can_override_certification(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_revoke_certification(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_run_certification_tick(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_view_certification_dashboard(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN, Role.MASTER_COACH)


@permission
def can_view_certification_register(user: Any, obj: Any = None) -> bool:
    """The register of every certification: credentials, not coaching content, so the people
    who decide certifications and the lead coaches who supervise coaches read it."""
    return has_any_role(user, Role.ADMIN, Role.MASTER_COACH, Role.LEAD_COACH)


@permission
def can_view_own_certification(user: Any, obj: Any = None) -> bool:
    """The "My certification" link: a coach with a person record (their own page)."""
    return (is_signed_in(user) and getattr(user, "person_id", None) is not None
            and has_any_role(user, Role.COACH, Role.LEAD_COACH))


@permission
def can_view_flagged_engagements(user: Any, obj: Any = None) -> bool:
    """Engagements whose coach lapsed or was revoked are flagged for the admin to decide."""
    return has_any_role(user, Role.ADMIN)

