"""The two facts every practicum permission module asks about a trainee: is the user that
person, and does the user supervise them (`coaching.SupervisorAssignment`, lead or master
coach; `supervisor_user_ids` already leaves out the trainee's management chain)."""

from __future__ import annotations

from typing import Any

from coachprog.authority import is_signed_in
from coachprog.coaching.supervisors import supervisor_user_ids


def is_person(user: Any, person_id: Any) -> bool:
    own = getattr(user, "person_id", None)
    return is_signed_in(user) and own is not None and own == person_id


def supervises(user: Any, person_id: Any) -> bool:
    if not is_signed_in(user) or not isinstance(person_id, int):
        return False
    return bool(user.id in supervisor_user_ids(person_id))
