"""Coaching routes in the access matrix. The matrix user is never the coach, the coachee or
the manager named on an agreement (those are tested in test_views.py and test_permissions.py),
so only program staff get in; nobody — admins included — signs for someone else."""

from __future__ import annotations

from tests.access import ADMIN_ONLY, Case, statuses
from tests.coaching.builders import matrix_coach, matrix_engagement, matrix_evaluation

STAFF = statuses(403, admin=200, master_coach=200, lead_coach=200)


def _paperwork(o: dict) -> str:
    return f"/coaching/coaches/{o['coach_person_id']}/paperwork"


def _evaluations(o: dict) -> str:
    return f"/coaching/people/{o['evaluated_person_id']}/evaluations"


CASES = [
    Case("coaching.list_coaches", "GET", lambda o: "/coaching/coaches", STAFF),
    Case("coaching.view_paperwork", "GET", _paperwork, STAFF, setup=matrix_coach),
    Case("coaching.edit_paperwork", "GET", lambda o: _paperwork(o) + "/edit", ADMIN_ONLY,
         setup=matrix_coach),
    # Out of range: the admin gets the form back with the reason (400).
    Case("coaching.edit_paperwork", "POST", lambda o: _paperwork(o) + "/edit",
         statuses(403, admin=400), body={"protected_percent": "25", "weekly_hours": "40"},
         setup=matrix_coach),
    Case("coaching.sign_agreement_as_coach", "POST", lambda o: _paperwork(o) + "/sign/coach",
         statuses(403), body={"accept_clause": "y"}, setup=matrix_coach),
    Case("coaching.sign_agreement_as_manager", "POST",
         lambda o: _paperwork(o) + "/sign/manager", statuses(403), setup=matrix_coach),
    Case("coaching.list_engagements", "GET", lambda o: "/coaching/engagements",
         statuses(403, admin=200, master_coach=200, lead_coach=200, coach=200)),
    Case("coaching.create_engagement", "GET", lambda o: "/coaching/engagements/new",
         ADMIN_ONLY),
    # An empty form: the admin gets it back with "Choose the coach." and more (400).
    Case("coaching.create_engagement", "POST", lambda o: "/coaching/engagements/new",
         statuses(403, admin=400)),
    Case("coaching.view_engagement", "GET",
         lambda o: f"/coaching/engagements/{o['engagement_id']}", STAFF,
         setup=matrix_engagement),
    Case("coaching.end_engagement", "POST",
         lambda o: f"/coaching/engagements/{o['engagement_id']}/end",
         statuses(403, admin=302), setup=matrix_engagement),
    Case("coaching.person_evaluations", "GET", _evaluations, ADMIN_ONLY,
         setup=matrix_evaluation),
    Case("coaching.person_evaluations", "POST", _evaluations, statuses(403, admin=400),
         setup=matrix_evaluation),
    Case("coaching.remove_evaluation", "POST",
         lambda o: f"{_evaluations(o)}/{o['relationship_id']}/remove",
         statuses(403, admin=302), setup=matrix_evaluation),
]
