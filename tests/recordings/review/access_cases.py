"""Transcript-review routes in the access matrix. The matrix user holds only a role, never a
relation to the coach whose recording `setup` makes: nobody reads, corrects or exports the
transcript, and only master coaches reach the flags page (empty for them: they supervise no
one). The positive cases (coach, supervisor, auditor) are in test_review_views.py."""

from __future__ import annotations

from tests.access import Case, statuses
from tests.recordings.review.review_builders import matrix_transcript

NOBODY = statuses(403)

CASES = [
    Case("transcripts.view_transcript", "GET", lambda o: f"/transcripts/{o['recording_id']}",
         NOBODY, setup=matrix_transcript),
    Case("transcripts.edit_segment", "POST",
         lambda o: f"/transcripts/{o['recording_id']}/segments/{o['segment_id']}", NOBODY,
         body={"text": "changed", "speaker": "coach"}, setup=matrix_transcript),
    Case("transcripts.export_text", "GET",
         lambda o: f"/transcripts/{o['recording_id']}/export.txt", NOBODY,
         setup=matrix_transcript),
    Case("transcripts.export_docx", "GET",
         lambda o: f"/transcripts/{o['recording_id']}/export.docx", NOBODY,
         setup=matrix_transcript),
    Case("transcripts.list_flags", "GET", lambda o: "/transcripts/flags",
         statuses(403, master_coach=200)),
    Case("transcripts.review_flag", "POST", lambda o: f"/transcripts/flags/{o['flag_id']}/review",
         NOBODY, body={"note": "looked at it"}, setup=matrix_transcript),
]
