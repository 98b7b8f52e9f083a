"""Ledger, capstone and peer-triad routes in the access matrix.
The matrix user is neither the trainee nor their
supervisor and has no directory record: admins see every ledger (and enrol); program staff
get the list of their (no) trainees; nobody else sees entries — sponsors and managers never.
Nobody but the trainee logs or corrects, nobody but their supervisor verifies: those positive
cases are in test_views.py and test_api.py.

Capstone: admins see a trainee's capstone page (versions and status) but never a brief's
content or file; only the trainee submits. Triads: only members and their supervisors see a
triad; the matrix user has no person record, so forming one is refused too. The positive
cases are in test_capstone_views.py and test_triad_views.py."""

from __future__ import annotations

from tests.access import ADMIN_ONLY, Case, statuses
from tests.practicum.builders import enrolled_trainee, matrix_ledger

STAFF = statuses(403, admin=200, master_coach=200, lead_coach=200)
API_ADMIN = statuses(403, admin=200, anonymous=401)
API_NOBODY = statuses(403, anonymous=401)
ENTRY_BODY = {"kind": "reflective_lab", "starts_at": "2020-01-06T09:00:00Z", "minutes": 60}


def matrix_capstone() -> dict:
    """A trainee with a submitted PDF brief (the matrix user is nobody of theirs)."""
    from coachprog.extensions import db
    from coachprog.practicum.capstone import services as capstone_services
    from tests.practicum.capstone.builders import capstone_trainee, draft, pdf_bytes

    person, trainee, _, engagement = capstone_trainee()
    brief = capstone_services.submit_brief(trainee, person.id, draft(
        engagement, mode="upload", upload=capstone_services.Upload("plan.pdf", pdf_bytes(2))))
    db.session.commit()
    return {"trainee_id": person.id, "brief_id": brief.id}


def matrix_triad() -> dict:
    """A triad of three enrolled trainees (the matrix user is none of them)."""
    from coachprog.extensions import db
    from coachprog.practicum.triads import services as triad_services

    members = [enrolled_trainee() for _ in range(3)]
    triad = triad_services.form_triad(members[0][1], name="Matrix triad",
                                      partner_ids=(members[1][0].id, members[2][0].id))
    db.session.commit()
    return {"trainee_id": members[0][0].id, "triad_id": triad.id}


NOBODY = statuses(403)
ROUND_BODY = {"day": "2020-01-06", "minutes": "60", "feedback": "Good."}


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
    Case("practicum.view_capstone", "GET", lambda o: _ledger(o) + "capstone", ADMIN_ONLY,
         setup=matrix_capstone),
    Case("practicum.submit_capstone_brief", "GET", lambda o: _ledger(o) + "capstone/new",
         NOBODY, setup=matrix_capstone),
    Case("practicum.submit_capstone_brief", "POST", lambda o: _ledger(o) + "capstone/new",
         NOBODY, body={"mode": "markdown", "kpi_name": "X"}, setup=matrix_capstone),
    Case("practicum.view_capstone_brief", "GET",
         lambda o: f"/practicum/capstone/{o['brief_id']}", NOBODY, setup=matrix_capstone),
    Case("practicum.download_capstone_brief", "GET",
         lambda o: f"/practicum/capstone/{o['brief_id']}/file", NOBODY, setup=matrix_capstone),
    Case("practicum.list_peer_triads", "GET", lambda o: _ledger(o) + "triads", NOBODY,
         setup=matrix_triad),
    Case("practicum.form_peer_triad", "GET", lambda o: "/practicum/triads/new", NOBODY),
    Case("practicum.form_peer_triad", "POST", lambda o: "/practicum/triads/new", NOBODY,
         body={"name": "T"}),
    Case("practicum.view_peer_triad", "GET", lambda o: f"/practicum/triads/{o['triad_id']}",
         NOBODY, setup=matrix_triad),
    Case("practicum.log_triad_round", "POST",
         lambda o: f"/practicum/triads/{o['triad_id']}/rounds", NOBODY, body=ROUND_BODY,
         setup=matrix_triad),
]
