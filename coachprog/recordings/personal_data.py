"""Recorded sessions in a person's data (issue 24).

Export: consents they gave (or recorded), and the sessions and recordings of their engagements
as metadata only (dates, durations, status, whether a transcript exists). Never the audio or
transcript text: a session's content holds the other party's words too; it stays reachable on
the recording pages under the usual rules.

Erasure purges every recording of a session in an engagement where they are coach or coachee,
through the consent-withdrawal path (`purge.erase_recording`: transcription cancelled, audio
and its tag-free copy deleted, transcript, edits, citations and flags deleted, mark notes
emptied, scores kept); their signed consent forms are deleted from the file store; their
review notes on sensitive-topic flags are cleared. Sessions stay (counts of sessions and
hours), as do consent rows (the record that consent existed), without the form.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coachprog import storage
from coachprog.extensions import db
from coachprog.personal_data import (
    ErasureContext,
    Subject,
    clear_columns,
    export_rows,
    export_tables,
    register_section,
    table,
)
from coachprog.recordings.models import Recording
from coachprog.recordings.retention import purge


def _their_sessions(subject: Subject) -> sa.Select[Any]:
    engagements, sessions = table("engagements"), table("coaching_sessions")
    people = subject.ids_for("people")
    mine = sa.select(engagements.c.id).where(sa.or_(
        engagements.c.coach_person_id.in_(people), engagements.c.coachee_person_id.in_(people)))
    return sa.select(sessions.c.id).where(sessions.c.engagement_id.in_(mine))


def export(subject: Subject) -> dict[str, Any]:
    sessions, recordings = table("coaching_sessions"), table("recordings")
    return {
        **export_tables(subject, "consent_texts", "coachee_consents", "sensitive_flags"),
        "coaching_sessions": export_rows("coaching_sessions", sa.or_(
            sessions.c.id.in_(_their_sessions(subject)),
            sessions.c.created_by_id.in_(subject.user_ids))),
        "recordings": export_rows("recordings", sa.or_(
            recordings.c.session_id.in_(_their_sessions(subject)),
            recordings.c.uploaded_by_id.in_(subject.user_ids)), omit=("storage_name",)),
        # Which corrections they made, not the transcript text they corrected.
        "segment_edits": export_rows("segment_edits", table("segment_edits").c.editor_id.in_(
            subject.user_ids), omit=("old_text", "new_text")),
    }


def erase(ctx: ErasureContext) -> None:
    recordings = db.session.scalars(sa.select(Recording).where(
        Recording.session_id.in_(_their_sessions(ctx.subject))).order_by(Recording.id)).all()
    summary = purge.ConsentPurge()
    ctx.count("mark notes cleared", purge.clear_evidence_text([r.id for r in recordings]))
    for recording in recordings:
        purge.erase_recording(recording, summary)
    ctx.count("recordings deleted", summary.recordings)
    ctx.count("audio files deleted", summary.files_deleted)
    ctx.count("transcripts deleted", summary.transcripts)
    consents = table("coachee_consents")
    store = storage.store_for("consents")
    forms = db.session.execute(sa.select(consents.c.signed_form_path).where(
        consents.c.coachee_person_id.in_(ctx.subject.ids_for("people")),
        consents.c.signed_form_path.is_not(None))).scalars().all()
    for path in forms:
        ctx.count("signed consent forms deleted", int(store.delete(storage.safe_name(path))))
    clear_columns(ctx, "coachee_consents", {"signed_form_path": None, "signed_form_name": None},
                  columns=["coachee_person_id"])
    clear_columns(ctx, "sensitive_flags", {"review_note": ""}, columns=["reviewed_by_id"])


register_section("recordings", export, erase, title="Recorded sessions and consent", order=50,
                 tables=["consent_texts", "coachee_consents", "coaching_sessions", "recordings",
                         "segment_edits", "sensitive_flags"])
