"""Safeguarding routes in the access matrix. The matrix user is never a case's owner nor named
by the demo escalation paths, so every case page refuses every role: a case is seen only by its
owner and those its path names (tested with them in the view tests). Coaches and supervisors
raise concerns and record incidents; L&D reads incidents; L&D and sponsors see counts."""

from __future__ import annotations

from datetime import date
from typing import Any

from coachprog.extensions import db
from coachprog.safeguarding.incidents import domain as incident_domain
from coachprog.safeguarding.incidents import services as incidents
from tests.access import ADMIN_ONLY, Case, statuses
from tests.safeguarding.builders import SYSTEM, matrix_case

RAISERS = statuses(403, admin=200, master_coach=200, lead_coach=200, coach=200)
RAISERS_REFUSED = statuses(403, admin=400, master_coach=400, lead_coach=400, coach=400)
NOBODY = statuses(403)


def matrix_incident() -> dict[str, Any]:
    row = incidents.record_incident(SYSTEM, incident_domain.IncidentInput(
        kind="privacy_incident", severity="low", title="Export left on a shared drive",
        description="Found and deleted the same day.", occurred_on=date(2026, 11, 2),
        follow_up="", follow_up_due=None))
    db.session.commit()
    return {"incident_id": row.id}


def _case(suffix: str = "") -> Any:
    return lambda o: f"/safeguarding/escalations/{o['case_id']}{suffix}"


CASES = [
    Case("escalations.list_cases", "GET", lambda o: "/safeguarding/escalations/",
         statuses(403, admin=200, master_coach=200, lead_coach=200)),
    Case("escalations.raise_case", "GET", lambda o: "/safeguarding/escalations/raise", RAISERS),
    Case("escalations.raise_case", "POST", lambda o: "/safeguarding/escalations/raise",
         RAISERS_REFUSED),
    Case("escalations.view_case", "GET", _case(), NOBODY, setup=matrix_case),
    Case("escalations.take_case", "POST", _case("/take"), NOBODY, setup=matrix_case),
    Case("escalations.record_step", "POST",
         lambda o: f"/safeguarding/escalations/{o['case_id']}/steps/{o['step_id']}", NOBODY,
         setup=matrix_case),
    Case("escalations.close_case", "POST", _case("/close"), NOBODY, setup=matrix_case),
    Case("escalations.reopen_case", "POST", _case("/reopen"), NOBODY, setup=matrix_case),
    Case("escalations.counts", "GET", lambda o: "/safeguarding/escalations/counts",
         statuses(403, admin=200, sponsor=200)),
    Case("incidents.list_incidents", "GET", lambda o: "/safeguarding/incidents/", ADMIN_ONLY),
    Case("incidents.record_incident", "GET", lambda o: "/safeguarding/incidents/record",
         RAISERS),
    Case("incidents.record_incident", "POST", lambda o: "/safeguarding/incidents/record",
         RAISERS_REFUSED),
    Case("incidents.view_incident", "GET",
         lambda o: f"/safeguarding/incidents/{o['incident_id']}", ADMIN_ONLY,
         setup=matrix_incident),
    Case("incidents.view_incident", "POST",
         lambda o: f"/safeguarding/incidents/{o['incident_id']}", statuses(403, admin=400),
         setup=matrix_incident),
]
