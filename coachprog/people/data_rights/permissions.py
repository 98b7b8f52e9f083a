"""Who may download and erase a person's data.

Everyone signed in may download what is held about themselves. Admins (L&D) may export anyone's
data for an access request and ask for or approve an erasure; the two-person rule (the one who
asked may not approve) is a business rule in `domain.approval_problem`, refused in words.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.roles import Role


@permission
def can_download_own_data(user: Any, obj: Any = None) -> bool:
    return is_signed_in(user)


@permission
def can_export_person_data(user: Any, person: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_view_erasure_requests(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_request_erasure(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_approve_erasure(user: Any, request: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)
