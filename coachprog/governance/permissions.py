"""Who may read the audit log (nobody may change it)."""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, permission
from coachprog.roles import Role


@permission
def can_view_audit_log(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)
