"""Which home-page panels a user sees."""

from __future__ import annotations

from typing import Any

from coachprog.auth.domain import Role
from coachprog.auth.permissions import has_any_role, permission


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
