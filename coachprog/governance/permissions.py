"""Who may read the audit log (nobody may change it)."""

from __future__ import annotations

from typing import Any

from coachprog.auth.domain import Role
from coachprog.auth.permissions import has_any_role, permission


@permission
def can_view_audit_log(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)
