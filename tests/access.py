"""Building blocks of the access matrix (tests/test_access.py).

Each domain adds its routes in `tests/<domain>/access_cases.py` (a sub-domain in its own folder
below it) as a list named `CASES`; the matrix collects them all and fails on any route that no
list names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coachprog.roles import Role

ROLES = ["anonymous", *[role.value for role in Role]]


def statuses(default: int, anonymous: int = 302, **by_role: int) -> dict[str, int]:
    table = dict.fromkeys(ROLES, default)
    table["anonymous"] = anonymous
    table.update(by_role)
    return table


ADMIN_ONLY = statuses(403, admin=200)
DIRECTORY = statuses(403, admin=200, master_coach=200, lead_coach=200)


@dataclass(frozen=True)
class Case:
    """One route: how to call it and the status each role must get.

    `url` gets the objects made by the matrix (owned by someone else: user_id, person_id,
    employee_id, token_id, job_id) merged with what `setup` returns, if given. `setup` runs
    inside the test's app context before the request (create the domain objects it needs).
    """

    endpoint: str
    method: str
    url: Callable[[dict[str, Any]], str]
    expected: dict[str, int]
    api: bool = False
    body: dict[str, Any] | None = None
    setup: Callable[[], dict[str, Any]] | None = None




# --- the chain actor ------------------------------------------------------------------------
# Someone in the coach's management chain who also holds lead_coach and was assigned as the
# coach's supervisor before a reorganisation put them above the coach (the assignment service
# refuses it now; old rows stay): every route about that coach must refuse them.

CHAIN_PREFIXES = ("practicum.", "supervision.", "recordings.", "transcripts.",
                  "api.list_practicum", "api.create_practicum", "api.verify_practicum",
                  "api.query_practicum", "api.get_practicum", "api.get_recording")


def coach_person_of(objects: dict[str, Any]) -> int | None:
    """The coach or trainee a case's `setup` made, from whatever ids it returned."""
    from coachprog.coaching.models import Engagement
    from coachprog.extensions import db
    from coachprog.recordings.models import CoachingSession, Recording

    if "trainee_id" in objects:
        return int(objects["trainee_id"])
    if "recording_id" in objects:
        recording = db.session.get(Recording, objects["recording_id"])
        return recording.session.engagement.coach_person_id if recording else None
    if "session_id" in objects:
        row = db.session.get(CoachingSession, objects["session_id"])
        return row.engagement.coach_person_id if row else None
    if "engagement_id" in objects:
        engagement = db.session.get(Engagement, objects["engagement_id"])
        return engagement.coach_person_id if engagement else None
    return None


def make_chain_supervisor(coach_person_id: int, *roles: Role) -> tuple[Any, Any]:
    """A lead coach (plus `roles`) assigned over the coach, then made the coach's manager's
    manager (indirect: the bar covers the whole chain). Returns (user, direct manager)."""
    from coachprog.coaching.models import SupervisorAssignment
    from coachprog.extensions import db
    from coachprog.people.models import Person
    from tests.factories import PersonFactory, UserFactory

    top = PersonFactory()
    middle = PersonFactory(manager=top)
    coach = db.session.get(Person, coach_person_id)
    assert coach is not None
    coach.manager = middle
    user = UserFactory(roles=[Role.LEAD_COACH, *roles], person_id=top.id)
    db.session.add(SupervisorAssignment(coach_person_id=coach_person_id,
                                        supervisor_user_id=user.id))
    db.session.commit()
    return user, middle
