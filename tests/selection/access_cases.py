"""Selection sprint pages in the access matrix. The matrix user has no directory record and sits
on no panel and is nobody's candidate, so what the roles alone allow shows here: program staff
see boards and candidates, admins run them, master and lead coaches supervise practice, and the
invitation answers anyone holding its link. Entering, one's own candidacy, nominations and
panel seats are tested with their owners in test_views.py."""

from __future__ import annotations

from typing import Any

from coachprog.extensions import db
from coachprog.selection.domain import CandidateStage
from coachprog.selection.entries import services as entry_services
from coachprog.selection.practice import services as practice_services
from tests.access import ADMIN_ONLY, DIRECTORY, Case, statuses
from tests.factories import UserFactory
from tests.selection.builders import SYSTEM, applicant, candidate_at, line, sprint

SUPERVISORS = statuses(403, master_coach=302, lead_coach=302)
STAFF_REDIRECTED = statuses(403, admin=302, master_coach=302, lead_coach=302)
NOBODY = statuses(403)


def matrix_sprint() -> dict[str, Any]:
    row = sprint(name="Matrix sprint")
    db.session.commit()
    return {"sprint_id": row.id}


def matrix_candidate() -> dict[str, Any]:
    row = sprint(name="Matrix sprint")
    candidate = applicant(row)
    db.session.commit()
    return {"sprint_id": row.id, "candidate_id": candidate.id}


def matrix_practice() -> dict[str, Any]:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    entry = practice_services.log_practice_hours(SYSTEM, candidate,
                                         session_date=candidate.sprint.start_date, minutes=60)
    db.session.commit()
    return {"sprint_id": candidate.sprint_id, "candidate_id": candidate.id, "entry_id": entry.id}


def matrix_invitation() -> dict[str, Any]:
    manager, nominee = line(1)
    entry = entry_services.nominate(UserFactory(person_id=manager.id), sprint(name="Matrix sprint"),
                               nominee_employee_id=nominee.employee_id, why="Listens well.")
    db.session.commit()
    return {"token": entry.invitation_token}


def _candidate_url(suffix: str = "") -> Any:
    return lambda o: f"/sprints/{o['sprint_id']}/candidates/{o['candidate_id']}{suffix}"


CASES = [
    Case("selection.list_sprints", "GET", lambda o: "/sprints/", statuses(200)),
    Case("selection.create_sprint", "GET", lambda o: "/sprints/new", ADMIN_ONLY),
    # Empty forms: an admin gets the form back with the problems (400).
    Case("selection.create_sprint", "POST", lambda o: "/sprints/new", statuses(403, admin=400)),
    Case("selection.edit_sprint", "GET", lambda o: f"/sprints/{o['sprint_id']}/edit",
         ADMIN_ONLY, setup=matrix_sprint),
    Case("selection.edit_sprint", "POST", lambda o: f"/sprints/{o['sprint_id']}/edit",
         statuses(403, admin=400), setup=matrix_sprint),
    # Refused while a candidate waits: back to the board with the reason.
    Case("selection.close_sprint", "POST", lambda o: f"/sprints/{o['sprint_id']}/close",
         statuses(403, admin=302), setup=matrix_candidate),
    Case("selection.view_sprint", "GET", lambda o: f"/sprints/{o['sprint_id']}", DIRECTORY,
         setup=matrix_sprint),
    Case("selection.list_candidates", "GET",
         lambda o: f"/sprints/{o['sprint_id']}/candidates?stage=applied&q=a&page=1", DIRECTORY,
         setup=matrix_candidate),
    Case("selection.list_conflicts", "GET",
         lambda o: f"/sprints/{o['sprint_id']}/conflicts?q=a&page=1", DIRECTORY,
         setup=matrix_candidate),
    Case("selection.seat_panel_member", "POST",
         lambda o: f"/sprints/{o['sprint_id']}/panel/business_sponsor",
         statuses(403, admin=302), setup=matrix_sprint),
    Case("selection.export_board", "GET", lambda o: f"/sprints/{o['sprint_id']}/export.csv",
         ADMIN_ONLY, setup=matrix_candidate),
    Case("selection.advance_candidate", "POST", _candidate_url("/advance"),
         statuses(403, admin=302), setup=matrix_candidate),
    Case("selection.reject_candidate", "POST", _candidate_url("/reject"),
         statuses(403, admin=400), setup=matrix_candidate),
    Case("selection.withdraw_candidate", "POST", _candidate_url("/withdraw"),
         statuses(403, admin=400), setup=matrix_candidate),
    Case("selection.view_candidate", "GET", _candidate_url(), DIRECTORY,
         setup=matrix_candidate),
    Case("selection.create_stage_assessment", "POST", _candidate_url("/assessments"),
         statuses(403, admin=400), setup=matrix_candidate),
    # The applicant is not in supervised practice: staff are told so, others refused.
    Case("selection.log_hours", "POST", _candidate_url("/hours"), STAFF_REDIRECTED,
         setup=matrix_candidate),
    Case("selection.verify_hours", "POST",
         lambda o: f"/sprints/{o['sprint_id']}/candidates/{o['candidate_id']}/hours/"
                   f"{o['entry_id']}/verify", SUPERVISORS, setup=matrix_practice),
    Case("selection.record_review", "POST", _candidate_url("/reviews"), SUPERVISORS,
         setup=matrix_candidate),
    Case("selection.record_panel_decision", "POST", _candidate_url("/decision"), NOBODY,
         setup=matrix_candidate),
    Case("selection.my_candidacy", "GET", _candidate_url("/mine"), NOBODY,
         setup=matrix_candidate),
    Case("selection.apply", "GET", lambda o: f"/sprints/{o['sprint_id']}/apply", NOBODY,
         setup=matrix_sprint),
    Case("selection.apply", "POST", lambda o: f"/sprints/{o['sprint_id']}/apply", NOBODY,
         setup=matrix_sprint),
    Case("selection.nominate", "GET", lambda o: f"/sprints/{o['sprint_id']}/nominate", NOBODY,
         setup=matrix_sprint),
    Case("selection.nominate", "POST", lambda o: f"/sprints/{o['sprint_id']}/nominate",
         NOBODY, setup=matrix_sprint),
    Case("selection.my_nominations", "GET", lambda o: "/sprints/nominations", NOBODY),
    # The token is the credential: everyone, signed in or not, may open and answer it.
    Case("selection.invitation", "GET", lambda o: f"/sprints/invitations/{o['token']}",
         statuses(200, anonymous=200), setup=matrix_invitation),
    Case("selection.invitation", "POST", lambda o: f"/sprints/invitations/{o['token']}",
         statuses(400, anonymous=400), setup=matrix_invitation),
]

