"""Who records and reads privacy incidents and adverse effects.

Policy: anyone who coaches or supervises may record one (they are often first to know); only
L&D (the program's data owner) reads, follows up and closes them, since a record may describe
a person's harm. Sponsors see counts only, with the scorecard and the safeguarding summary.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, permission
from coachprog.roles import Role


@permission
def can_record_incident(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN, Role.MASTER_COACH, Role.LEAD_COACH, Role.COACH)


@permission
def can_manage_incidents(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)
