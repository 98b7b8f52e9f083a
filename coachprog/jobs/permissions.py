"""Who may watch a background job: the person who started it, and admins."""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.roles import Role


@permission
def can_view_job(user: Any, job: Any = None) -> bool:
    if not is_signed_in(user) or job is None:
        return False
    return job.created_by_id == user.id or has_any_role(user, Role.ADMIN)
