"""Who may see and change the people directory.

The directory is HR data, not coaching content: program staff see it whole, a manager sees
their own reporting line (to nominate candidates), everyone sees their own record.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.people.domain import reports_to
from coachprog.roles import PROGRAM_STAFF, Role


@permission
def can_view_people(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, *PROGRAM_STAFF, Role.MANAGER)


@permission
def can_view_all_people(user: Any, obj: Any = None) -> bool:
    """The whole directory (program staff); others see a scope of it at most."""
    return has_any_role(user, *PROGRAM_STAFF)


@permission
def can_view_reporting_line(user: Any, obj: Any = None) -> bool:
    """A manager sees the people below them, directly or indirectly (to nominate)."""
    return has_any_role(user, Role.MANAGER) and user.person_id is not None


@permission
def can_view_person(user: Any, person: Any = None) -> bool:
    if not is_signed_in(user) or person is None:
        return False
    if can_view_all_people(user) or person.id == user.person_id:
        return True
    if can_view_reporting_line(user):
        return reports_to(person, user.person_id)
    return False


@permission
def can_import_people(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)
