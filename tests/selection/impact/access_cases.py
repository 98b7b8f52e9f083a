"""Adverse-impact routes in the access matrix. Reports are for L&D admins only; the
self-report belongs to the candidate alone, so for a candidacy that is not theirs every role,
admins included, is refused (the candidate's own access is in test_views.py)."""

from __future__ import annotations

from tests.access import ADMIN_ONLY, Case, statuses
from tests.selection.impact.builders import matrix_sprint

NOBODY_ELSE = statuses(403)

CASES = [
    Case("selection_impact.all_report", "GET", lambda o: "/sprints/impact", ADMIN_ONLY),
    Case("selection_impact.sprint_report", "GET",
         lambda o: f"/sprints/{o['sprint_id']}/impact", ADMIN_ONLY, setup=matrix_sprint),
    Case("selection_impact.self_report", "GET",
         lambda o: f"/sprints/{o['sprint_id']}/candidates/{o['candidate_id']}/demographics",
         NOBODY_ELSE, setup=matrix_sprint),
    Case("selection_impact.self_report", "POST",
         lambda o: f"/sprints/{o['sprint_id']}/candidates/{o['candidate_id']}/demographics",
         NOBODY_ELSE, setup=matrix_sprint,
         body={"gender": "man", "consent": "y"}),
    Case("selection_impact.withdraw_self_report", "POST",
         lambda o: (f"/sprints/{o['sprint_id']}/candidates/{o['candidate_id']}"
                    "/demographics/withdraw"),
         NOBODY_ELSE, setup=matrix_sprint),
]
