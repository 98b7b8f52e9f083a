"""The calibration routes in the access matrix (tests/test_access.py).

Supervisors (admin, master and lead coaches) see every exercise, its results and rater drift;
only admins create and close exercises. Raters reach the calibration page (their own results)
but not an exercise they do not take part in. Coaches, sponsors and managers get nothing.
"""

from __future__ import annotations

from typing import Any

from coachprog.extensions import db
from coachprog.roles import Role
from tests.access import ADMIN_ONLY, Case, statuses

SUPERVISORS = statuses(403, admin=200, master_coach=200, lead_coach=200)


def _exercise() -> dict[str, Any]:
    # Imported late: the matrix module is collected before the app exists.
    from tests.calibration.builders import exercise, user

    created = exercise(raters=[user(Role.RATER)], items=1)
    db.session.commit()
    return {"exercise_id": created.id}


CASES = [
    Case("calibration.list_exercises", "GET", lambda o: "/calibration/",
         {**SUPERVISORS, "rater": 200}),
    Case("calibration.create_exercise", "GET", lambda o: "/calibration/new", ADMIN_ONLY),
    Case("calibration.view_exercise", "GET", lambda o: f"/calibration/{o['exercise_id']}",
         SUPERVISORS, setup=_exercise),
    Case("calibration.close_exercise", "POST",
         lambda o: f"/calibration/{o['exercise_id']}/close", statuses(403, admin=302),
         setup=_exercise),
    Case("calibration.view_results", "GET",
         lambda o: f"/calibration/{o['exercise_id']}/results", SUPERVISORS, setup=_exercise),
    Case("calibration.view_drift", "GET", lambda o: "/calibration/drift", SUPERVISORS),
]
