"""Assessment routes in the access matrix. The matrix user never holds an assignment on the
objects `setup` makes, so only program staff get in; a rater's own access is tested in
test_views.py. Managers and sponsors never reach an assessment."""

from __future__ import annotations

from tests.access import ADMIN_ONLY, Case, statuses
from tests.assessments.builders import matrix_assessment, matrix_attachment, matrix_moderation

RUNNERS = statuses(403, admin=200, master_coach=200)
LISTERS = statuses(403, admin=200, master_coach=200, lead_coach=200, rater=200)

CASES = [
    Case("assessments.list_assessments", "GET", lambda o: "/assessments/", LISTERS),
    Case("assessments.create_evidence", "GET", lambda o: "/assessments/evidence/new", RUNNERS),
    Case("assessments.create_assessment", "GET", lambda o: "/assessments/new", RUNNERS),
    Case("assessments.view_assessment", "GET",
         lambda o: f"/assessments/{o['assessment_id']}", RUNNERS, setup=matrix_assessment),
    # An empty form: staff get the form back with "Choose a rater." (400).
    Case("assessments.assign_rater", "POST",
         lambda o: f"/assessments/{o['assessment_id']}/raters",
         statuses(403, admin=400, master_coach=400), setup=matrix_assessment),
    Case("assessments.download_attachment", "GET",
         lambda o: f"/assessments/{o['assessment_id']}/attachment", RUNNERS,
         setup=matrix_attachment),
    # Someone else's assignment: nobody but its rater may open it, admins included.
    Case("assessments.score_assignment", "GET",
         lambda o: f"/assessments/assignments/{o['assignment_id']}", statuses(403),
         setup=matrix_assessment),
    Case("assessments.moderate_assessment", "GET",
         lambda o: f"/assessments/{o['assessment_id']}/moderation",
         statuses(403, master_coach=200), setup=matrix_moderation),
    Case("assessments.add_moderation_rater", "POST",
         lambda o: f"/assessments/{o['assessment_id']}/moderation/raters",
         statuses(403, master_coach=400), setup=matrix_moderation),
    Case("assessments.export_assessments", "GET", lambda o: "/assessments/export.csv",
         ADMIN_ONLY),
    Case("api.list_assessments", "GET", lambda o: "/api/v1/assessments",
         {**LISTERS, "anonymous": 401}, api=True),
    Case("api.create_assessment", "POST", lambda o: "/api/v1/assessments",
         statuses(403, anonymous=401, admin=422, master_coach=422), api=True,
         body={"title": "Matrix", "rubric_version_id": 999_999, "evidence_item_id": 999_999}),
    Case("api.get_assessment", "GET", lambda o: f"/api/v1/assessments/{o['assessment_id']}",
         {**RUNNERS, "anonymous": 401}, api=True, setup=matrix_assessment),
    Case("api.assign_assessment_rater", "POST",
         lambda o: f"/api/v1/assessments/{o['assessment_id']}/raters",
         statuses(403, anonymous=401, admin=422, master_coach=422), api=True,
         body={"rater_id": 999_999}, setup=matrix_assessment),
]
