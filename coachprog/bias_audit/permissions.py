"""Who sees the quarterly bias audit and works its review items.

Policy: the audit is aggregates only (groups under 5 withheld), so L&D and sponsors see it —
unlike the per-sprint adverse-impact report, which stays L&D's. Review items (owners, notes)
are L&D's: a sponsor sees how many are open and closed.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, permission
from coachprog.roles import Role


@permission
def can_view_bias_audit(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN, Role.SPONSOR)


@permission
def can_manage_bias_reviews(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)
