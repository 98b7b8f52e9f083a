"""Who may read the published policy, acknowledge it, opt out, and read the retention register.

Policy: the use-case matrix and the data-use policy are for everyone signed in (coaching is
not surveillance, and people must be able to see what is held about them). A person opts out
for themself; L&D admins may record an opt-out on someone's behalf, with a reason. The
retention register (what is kept how long, and what the purge deleted) is for L&D admins.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.roles import Role


@permission
def can_read_policy(user: Any, obj: Any = None) -> bool:
    return is_signed_in(user)


@permission
def can_manage_own_opt_outs(user: Any, obj: Any = None) -> bool:
    """Opt out (and back in) for oneself: anyone signed in with a directory record."""
    return is_signed_in(user) and getattr(user, "person_id", None) is not None


@permission
def can_manage_opt_outs(user: Any, obj: Any = None) -> bool:
    """List opt-outs and record one on a person's behalf (with a reason): L&D admins."""
    return has_any_role(user, Role.ADMIN)


@permission
def can_view_retention_register(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)
