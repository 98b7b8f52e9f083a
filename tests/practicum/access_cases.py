"""Ledger routes in the access matrix. The matrix user is neither the trainee nor their
supervisor and has no directory record: admins see every ledger (and enrol); program staff
get the list of their (no) trainees; nobody else sees entries — sponsors and managers never.
Nobody but the trainee logs or corrects, nobody but their supervisor verifies: those positive
cases are in test_views.py and test_api.py."""

from __future__ import annotations

from tests.access import ADMIN_ONLY, Case, statuses
from tests.practicum.builders import matrix_ledger

STAFF = statuses(403, admin=200, master_coach=200, lead_coach=200)
API_ADMIN = statuses(403, admin=200, anonymous=401)
API_NOBODY = statuses(403, anonymous=401)
ENTRY_BODY = {"kind": "reflective_lab", "starts_at": "2020-01-06T09:00:00Z", "minutes": 60}


def _ledger(o: dict) -> str:
    return f"/practicum/{o['trainee_id']}/"


def _entry(o: dict) -> str:
    return f"/practicum/entries/{o['entry_id']}"


def _api(o: dict) -> str:
    return f"/api/v1/practicum/{o['trainee_id']}"


CASES = [
    Case("practicum.list_trainees", "GET", lambda o: "/practicum/", STAFF),
    Case("practicum.enrol_trainee", "GET", lambda o: "/practicum/enrol", ADMIN_ONLY),
    # An empty form: the admin gets it back with "Choose the appointed coach." (400).
    Case("practicum.enrol_trainee", "POST", lambda o: "/practicum/enrol",
         statuses(403, admin=400)),
    Case("practicum.view_ledger", "GET", _ledger, ADMIN_ONLY, setup=matrix_ledger),
    Case("practicum.log_week", "GET", lambda o: _ledger(o) + "log", statuses(403),
         setup=matrix_ledger),
    Case("practicum.log_week", "POST", lambda o: _ledger(o) + "log", statuses(403),
         setup=matrix_ledger),
    Case("practicum.export_ledger", "GET", lambda o: _ledger(o) + "export.csv", ADMIN_ONLY,
         setup=matrix_ledger),
    Case("practicum.view_entry", "GET", _entry, ADMIN_ONLY, setup=matrix_ledger),
    Case("practicum.review_entry", "POST", lambda o: _entry(o) + "/review", statuses(403),
         body={"decision": "verify"}, setup=matrix_ledger),
    Case("practicum.correct_entry", "POST", lambda o: _entry(o) + "/correct", statuses(403),
         setup=matrix_ledger),
    Case("api.list_practicum_entries", "GET", lambda o: _api(o) + "/entries", API_ADMIN,
         api=True, setup=matrix_ledger),
    Case("api.create_practicum_entry", "POST", lambda o: _api(o) + "/entries",
         statuses(403, anonymous=401), api=True, body=ENTRY_BODY, setup=matrix_ledger),
    Case("api.verify_practicum_entry", "POST",
         lambda o: f"{_api(o)}/entries/{o['entry_id']}/verify", API_NOBODY, api=True,
         body={}, setup=matrix_ledger),
    Case("api.query_practicum_entry", "POST",
         lambda o: f"{_api(o)}/entries/{o['entry_id']}/query", API_NOBODY, api=True,
         body={"comment": "Why?"}, setup=matrix_ledger),
    Case("api.get_practicum_progress", "GET", lambda o: _api(o) + "/progress", API_ADMIN,
         api=True, setup=matrix_ledger),
]
