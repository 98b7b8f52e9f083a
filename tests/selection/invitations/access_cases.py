"""The invitation-link route in the access matrix: only L&D (admins) issue a nominee a new link;
the matrix admin gets the one-use link shown once (200, no SMTP in tests)."""

from __future__ import annotations

from typing import Any

from coachprog.extensions import db
from coachprog.selection.entries import services as selection
from tests.access import Case, statuses
from tests.factories import UserFactory
from tests.selection.builders import line, sprint


def matrix_nomination() -> dict[str, Any]:
    manager, nominee = line(1)
    row = sprint(name="Matrix sprint")
    entry = selection.nominate(UserFactory(person_id=manager.id), row,
                               nominee_employee_id=nominee.employee_id, why="Listens well.")
    db.session.commit()
    return {"sprint_id": row.id, "candidate_id": entry.candidate.id}


CASES = [
    Case("selection_invitations.issue_invitation_link", "POST",
         lambda o: f"/sprints/{o['sprint_id']}/candidates/{o['candidate_id']}/invitation-link",
         statuses(403, admin=200), setup=matrix_nomination),
]
