"""The access matrix's API routes of selection sprints (/api/v1/sprints, /api/v1/candidates)."""

from __future__ import annotations

from typing import Any

from coachprog.extensions import db
from coachprog.selection.domain import CandidateStage
from tests.access import Case, statuses
from tests.selection.builders import candidate_at, sprint

STAFF = statuses(403, anonymous=401, admin=200, master_coach=200, lead_coach=200)


def _sprint() -> dict[str, Any]:
    row = sprint()
    db.session.commit()
    return {"sprint_id": row.id}


def _candidate() -> dict[str, Any]:
    candidate = candidate_at(CandidateStage.APPLIED)
    db.session.commit()
    return {"sprint_id": candidate.sprint_id, "candidate_id": candidate.id}


CASES = [
    # Everyone signed in gets a list (empty unless staff or on a panel).
    Case("api.list_sprints", "GET", lambda o: "/api/v1/sprints",
         statuses(200, anonymous=401), api=True),
    Case("api.create_sprint", "POST", lambda o: "/api/v1/sprints",
         statuses(403, anonymous=401, admin=422), api=True,
         body={"name": "Matrix", "capacity": 0, "start_date": "2026-12-01"}),
    Case("api.get_sprint", "GET", lambda o: f"/api/v1/sprints/{o['sprint_id']}", STAFF,
         api=True, setup=_sprint),
    Case("api.list_candidates", "GET", lambda o: "/api/v1/candidates", STAFF, api=True),
    # Any employee may enter; the matrix's accounts have no directory record: 403.
    Case("api.create_candidate", "POST", lambda o: "/api/v1/candidates",
         statuses(403, anonymous=401), api=True,
         body={"sprint_id": 0, "route": "application"}),
    Case("api.get_candidate", "GET", lambda o: f"/api/v1/candidates/{o['candidate_id']}",
         STAFF, api=True, setup=_candidate),
    Case("api.advance_candidate", "POST",
         lambda o: f"/api/v1/candidates/{o['candidate_id']}/advance",
         statuses(403, anonymous=401, admin=200), api=True, setup=_candidate,
         body={"target": "interview"}),
    Case("api.reject_candidate", "POST",
         lambda o: f"/api/v1/candidates/{o['candidate_id']}/reject",
         statuses(403, anonymous=401, admin=200), api=True, setup=_candidate,
         body={"reason": "Matrix"}),
    Case("api.withdraw_candidate", "POST",
         lambda o: f"/api/v1/candidates/{o['candidate_id']}/withdraw",
         statuses(403, anonymous=401, admin=200), api=True, setup=_candidate,
         body={"reason": "Matrix"}),
]
