"""Which home-page panels a user sees."""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.roles import Role


@permission
def can_view_program_overview(user: Any, obj: Any = None) -> bool:
    """Directory health, failed jobs and failed sign-ins: L&D program staff."""
    return has_any_role(user, Role.ADMIN)


@permission
def can_view_team_overview(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.MANAGER)


@permission
def can_view_org_aggregates(user: Any, obj: Any = None) -> bool:
    """Aggregates with small groups suppressed: sponsors (who see nothing else)."""
    return has_any_role(user, Role.SPONSOR)


@permission
def can_use_coach_pages(user: Any, obj: Any = None) -> bool:
    """The "My practicum", "My supervision" and "My certification" menu items: people who coach
    (trainees are appointed coaches). A manager or sponsor with a person record has no practicum
    to look at, so the menu does not offer one."""
    return getattr(user, "person_id", None) is not None and has_any_role(
        user, Role.COACH, Role.LEAD_COACH, Role.MASTER_COACH)


@permission
def can_view_sprints_menu(user: Any, obj: Any = None) -> bool:
    """Everyone signed in: staff run sprints, managers nominate, anyone may apply."""
    return is_signed_in(user)
