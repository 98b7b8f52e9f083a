"""Supervision routes in the access matrix. The matrix user supervises nobody and is nobody's
trainee: supervisors get their (empty) queue, master coaches and admins see gate checklists,
program staff (admins, master coaches) see the program overview, nobody verifies another
supervisor's trainee's entries from their queue, only master coaches may post a decision
(refused here: no outcome chosen → 400), and nobody reads feedback or 1:1 notes of a pair
they are not part of. The pair's own access is
tested in test_views.py."""

from __future__ import annotations

from tests.access import Case, statuses
from tests.practicum.supervision.builders import matrix_entry, matrix_review

CASES = [
    Case("supervision.queue", "GET", lambda o: "/supervision/",
         statuses(403, lead_coach=200, master_coach=200)),
    # The matrix user has no person record: there is no "own" supervision to show.
    Case("supervision.mine", "GET", lambda o: "/supervision/mine", statuses(403)),
    Case("supervision.review", "GET", lambda o: f"/supervision/reviews/{o['assessment_id']}",
         statuses(403), setup=matrix_review),
    Case("supervision.review", "POST", lambda o: f"/supervision/reviews/{o['assessment_id']}",
         statuses(403), setup=matrix_review),
    Case("supervision.one_on_ones", "GET",
         lambda o: f"/supervision/trainees/{o['trainee_id']}/one-on-ones", statuses(403),
         setup=matrix_review),
    Case("supervision.one_on_ones", "POST",
         lambda o: f"/supervision/trainees/{o['trainee_id']}/one-on-ones", statuses(403),
         setup=matrix_review),
    # Verify from the queue: only the entry's own supervisor (tested in test_views.py).
    Case("supervision.review_entry", "POST",
         lambda o: f"/supervision/entries/{o['entry_id']}/review", statuses(403),
         body={"decision": "verify"}, setup=matrix_entry),
    Case("supervision.program", "GET", lambda o: "/supervision/program",
         statuses(403, admin=200, master_coach=200)),
    Case("supervision.gate", "GET",
         lambda o: f"/supervision/trainees/{o['trainee_id']}/gates/midpoint",
         statuses(403, admin=200, master_coach=200), setup=matrix_review),
    Case("supervision.gate", "POST",
         lambda o: f"/supervision/trainees/{o['trainee_id']}/gates/final",
         statuses(403, master_coach=400), setup=matrix_review),
]
