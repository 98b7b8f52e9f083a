"""Who may read the e-mail outbox and send a failed message again.

Policy: admins only. The outbox holds every e-mail the program sent — invitations naming
candidates, interview and simulation times, selection decisions — so it is L&D staff's
tool for checking what went out, not something coaches, managers or sponsors browse.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, permission
from coachprog.roles import Role


@permission
def can_view_outbox(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_resend_outbox_message(user: Any, message: Any = None) -> bool:
    """Queue a failed message once more (the service refuses messages that did not fail)."""
    return has_any_role(user, Role.ADMIN)
