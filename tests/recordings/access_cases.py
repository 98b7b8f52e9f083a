"""Recordings-workflow routes in the access matrix. The matrix user holds only a role, never a
relation to the coach whose session `setup` makes: so admins see metadata, nobody opens the
audio or the transcript, and managers and sponsors get nowhere. The positive content cases
(coach, supervisor) are in test_workflow_views.py and test_workflow_api.py."""

from __future__ import annotations

from tests.access import ADMIN_ONLY, Case, statuses
from tests.recordings.recording_builders import (
    matrix_engagement,
    matrix_recording,
    matrix_supervision,
)

LISTERS = statuses(403, admin=200, master_coach=200, lead_coach=200, coach=200, rater=200)
NO_CONTENT = statuses(403)

CASES = [
    Case("recordings.list_recordings", "GET", lambda o: "/recordings/", LISTERS),
    Case("recordings.create_session", "GET",
         lambda o: f"/recordings/engagements/{o['engagement_id']}/sessions/new", ADMIN_ONLY,
         setup=matrix_engagement),
    Case("recordings.view_session", "GET", lambda o: f"/recordings/sessions/{o['session_id']}",
         ADMIN_ONLY, setup=matrix_recording),
    Case("recordings.view_recording", "GET", lambda o: f"/recordings/{o['recording_id']}",
         ADMIN_ONLY, setup=matrix_recording),
    Case("recordings.recording_status", "GET",
         lambda o: f"/recordings/{o['recording_id']}/status", ADMIN_ONLY,
         setup=matrix_recording),
    Case("recordings.stream_audio", "GET", lambda o: f"/recordings/{o['recording_id']}/audio",
         NO_CONTENT, setup=matrix_recording),
    # Admins may retry (metadata); the matrix recording has no audio left, so the retry is
    # refused with a message and the page comes back (302).
    Case("recordings.retry_recording", "POST",
         lambda o: f"/recordings/{o['recording_id']}/retry", statuses(403, admin=302),
         setup=matrix_recording),
    Case("recordings.supervisors", "GET", lambda o: "/recordings/supervisors", ADMIN_ONLY),
    Case("recordings.unassign_supervisor", "POST",
         lambda o: f"/recordings/supervisors/{o['assignment_id']}/remove",
         statuses(403, admin=302), setup=matrix_supervision),
    # A JSON body is no multipart upload: every signed-in caller gets the validation error
    # (sponsors' refusal with a real upload is tested in test_workflow_api.py).
    Case("api.upload_recording", "POST", lambda o: "/api/v1/recordings",
         statuses(422, anonymous=401), api=True, body={"consent_id": 1}),
    Case("api.get_recording", "GET", lambda o: f"/api/v1/recordings/{o['recording_id']}",
         statuses(403, anonymous=401, admin=200), api=True, setup=matrix_recording),
    Case("api.get_recording_transcript", "GET",
         lambda o: f"/api/v1/recordings/{o['recording_id']}/transcript",
         statuses(403, anonymous=401), api=True, setup=matrix_recording),
]
