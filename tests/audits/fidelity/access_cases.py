"""Fidelity routes in the access matrix. The matrix user holds only a role, never a relation to
the coach whose sessions `setup` makes: nobody sees that coach's signals or resolves the flag
(admins, managers and sponsors included). The positive cases (the coach, their supervisor) are in
test_pages.py."""

from __future__ import annotations

from tests.access import Case, statuses
from tests.audits.fidelity.builders import matrix_coach

INDEX = statuses(403, coach=200, lead_coach=200, master_coach=200)
NOBODY = statuses(403)

CASES = [
    Case("fidelity.index", "GET", lambda o: "/fidelity/", INDEX),
    Case("fidelity.coach", "GET", lambda o: f"/fidelity/coaches/{o['coach_person_id']}", NOBODY,
         setup=matrix_coach),
    Case("fidelity.resolve_flag", "POST", lambda o: f"/fidelity/flags/{o['flag_id']}/resolve",
         NOBODY, setup=matrix_coach),
]
