"""Audits routes in the access matrix. The matrix user is never the assigned auditor (that is
tested in test_views.py), so only admins manage; auditors' pages are checked there."""

from __future__ import annotations

from tests.access import ADMIN_ONLY, Case, statuses
from tests.audits.builders import matrix_action, matrix_audit, matrix_audit_recording

STAFF = statuses(403, admin=200, master_coach=200, lead_coach=200)
AUDITORS = statuses(403, admin=200, master_coach=200, rater=200)
COVERAGE = statuses(403, admin=200, master_coach=200, sponsor=200)
API_ADMIN = statuses(403, anonymous=401, admin=200)
API_AUDITORS = statuses(403, anonymous=401, admin=200, master_coach=200, rater=200)
API_COVERAGE = statuses(403, anonymous=401, admin=200, master_coach=200, sponsor=200)

CASES = [
    Case("audits.index", "GET", lambda o: "/audits/", ADMIN_ONLY),
    # An empty form: the admin gets it back with the reason (400).
    Case("audits.draw", "POST", lambda o: "/audits/draw", statuses(403, admin=400),
         body={"quarter": "not a quarter"}),
    Case("audits.view_sample", "GET", lambda o: f"/audits/samples/{o['sample_id']}",
         ADMIN_ONLY, setup=matrix_audit),
    Case("audits.verify_sample", "POST", lambda o: f"/audits/samples/{o['sample_id']}/verify",
         ADMIN_ONLY, setup=matrix_audit),
    Case("audits.assign_auditor", "GET", lambda o: f"/audits/audits/{o['audit_id']}/assign",
         ADMIN_ONLY, setup=matrix_audit),
    Case("audits.assign_auditor", "POST",
         lambda o: f"/audits/audits/{o['audit_id']}/assign", statuses(403, admin=302),
         setup=matrix_audit),
    Case("audits.mine", "GET", lambda o: "/audits/mine", AUDITORS),
    Case("audits.view_audit", "GET", lambda o: f"/audits/audits/{o['audit_id']}", ADMIN_ONLY,
         setup=matrix_audit),
    # Only the assigned auditor decides, admins included.
    Case("audits.view_audit", "POST", lambda o: f"/audits/audits/{o['audit_id']}",
         statuses(403), setup=matrix_audit),
    # Only the assigned auditor chooses the session and hears it (admins see metadata only).
    Case("audits.choose_session", "POST", lambda o: f"/audits/audits/{o['audit_id']}/session",
         statuses(403), setup=matrix_audit),
    Case("audits.audit_audio", "GET",
         lambda o: f"/audits/audits/{o['audit_id']}/recordings/{o['recording_id']}/audio",
         statuses(403), setup=matrix_audit_recording),
    Case("audits.add_action", "POST", lambda o: f"/audits/audits/{o['audit_id']}/actions",
         statuses(403, admin=400), setup=matrix_action),
    Case("audits.close_action", "POST", lambda o: f"/audits/actions/{o['action_id']}/close",
         statuses(403, admin=302), setup=matrix_action),
    Case("audits.resolve_concern", "POST",
         lambda o: f"/audits/audits/{o['audit_id']}/resolve", statuses(403, admin=400),
         setup=matrix_audit),
    Case("audits.structure", "GET", lambda o: "/audits/structure", STAFF),
    Case("audits.record_event", "POST", lambda o: "/audits/events", statuses(403, admin=400)),
    Case("audits.coverage", "GET", lambda o: "/audits/coverage", COVERAGE),
    # The JSON API: the same rules as the pages (auditors' own lists are in test_api.py).
    Case("api.list_audit_samples", "GET", lambda o: "/api/v1/audits/samples", API_ADMIN,
         api=True, setup=matrix_audit),
    Case("api.get_audit_sample", "GET", lambda o: f"/api/v1/audits/samples/{o['sample_id']}",
         API_ADMIN, api=True, setup=matrix_audit),
    Case("api.list_my_audits", "GET", lambda o: "/api/v1/audits/mine", API_AUDITORS,
         api=True, setup=matrix_audit),
    Case("api.get_audit_coverage", "GET", lambda o: "/api/v1/audits/coverage?quarter=2026Q4",
         API_COVERAGE, api=True, setup=matrix_audit),
    Case("api.list_corrective_actions", "GET", lambda o: "/api/v1/audits/actions",
         API_AUDITORS, api=True, setup=matrix_action),
    # Only admins and the audit's (other) auditor close an action.
    Case("api.close_corrective_action", "POST",
         lambda o: f"/api/v1/audits/actions/{o['action_id']}/close", API_ADMIN, api=True,
         body={"status": "done", "note": "Closed by the matrix."}, setup=matrix_action),
]
