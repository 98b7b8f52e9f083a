"""Who may see and change the people directory.

The directory is HR data, not coaching content: program staff see it whole, a manager sees
their own reporting line (to nominate candidates), everyone sees their own record.
"""

from __future__ import annotations

from typing import Any

from coachprog.auth.domain import Role
from coachprog.auth.permissions import has_any_role, is_signed_in, permission
from coachprog.people.domain import reports_to

DIRECTORY_ROLES = (Role.ADMIN, Role.MASTER_COACH, Role.LEAD_COACH)


@permission
def can_view_people(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, *DIRECTORY_ROLES, Role.MANAGER)


@permission
def can_view_person(user: Any, person: Any = None) -> bool:
    if not is_signed_in(user) or person is None:
        return False
    if has_any_role(user, *DIRECTORY_ROLES) or person.id == user.person_id:
        return True
    if has_any_role(user, Role.MANAGER) and user.person_id is not None:
        return reports_to(person, user.person_id)
    return False


@permission
def can_import_people(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)
