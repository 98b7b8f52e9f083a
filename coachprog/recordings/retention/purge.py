"""Deleting recorded-session content: on withdrawal of consent (everything the consent covered)
and by retention (audio, then transcripts, after their retention periods).

What withdrawal does, for every recording made under a withdrawn consent:
- a transcription still queued or running is cancelled (it stops and writes nothing);
- the audio file is deleted from storage;
- the transcript (segments, reviewers' edits, the rubric citations of its segments) and the
  sensitive-topic flags are deleted;
- the notes of every mark on an assessment of that recording are emptied: the scores (values)
  stay, the evidence text goes;
- the recording row itself is deleted; the evidence item of an assessment keeps existing with
  `recording_id` set to NULL (the database does that), so the assessment and its scores keep
  their link to "a recorded session" without the session's content.
The signed consent form is kept: it is the record of what was consented to and when, and the
withdrawal itself is recorded on the same row.

Files are deleted before the transaction commits. If the commit then fails, the rows point at
files that are already gone; running the purge again (it is idempotent) erases them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key

from coachprog.assessments.models import Assessment, EvidenceItem, Mark, RaterAssignment
from coachprog.authority import require
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.jobs.models import Job
from coachprog.jobs.queue import CANCELLABLE, cancel_jobs
from coachprog.recordings import storage
from coachprog.recordings.models import (
    CoacheeConsent,
    MarkCitation,
    Recording,
    SegmentEdit,
    SensitiveFlag,
    Transcript,
    TranscriptSegment,
)

log = logging.getLogger(__name__)

WITHDRAWAL_VIAS = ("link", "admin", "app")  # e-mailed link, L&D, the coachee signed in


IN_FLIGHT = ("queued", "transcribing")
RETENTION_REASON = "Cancelled: the recording's audio or transcript reached its retention period."
WITHDRAWAL_REASON = "Cancelled: the coachee withdrew consent; the recording was deleted."


def cancel_transcription(recording: Recording, reason: str) -> bool:
    """Cancel the recording's transcription if it is queued or running: the worker stops
    after the chunk in hand and writes nothing (coachprog.jobs.queue). Done before anything
    is deleted, so a job about to save either sees the cancellation or holds its row until
    it has saved, and then this transaction sees (and deletes) what it wrote."""
    if recording.job_id is None or not cancel_jobs([recording.job_id], reason):
        return False
    if recording.status in IN_FLIGHT:
        recording.status, recording.progress = "stored", 0
    return True


def delete_audio(recording: Recording, *, reason: str = RETENTION_REASON) -> bool:
    """Delete the recording's audio from the store (local folder or object store) and forget
    its name; True when a file was deleted. Marks the recording with `audio_deleted_at`. A
    transcription in progress is cancelled first."""
    cancel_transcription(recording, reason)
    deleted = False
    if recording.storage_name:
        deleted = delete_audio_files(recording.id, recording.storage_name)
    recording.storage_name = None
    if recording.audio_deleted_at is None:
        recording.audio_deleted_at = utcnow()
    scrub_metadata(recording)
    return deleted


def delete_audio_files(recording_id: int, storage_name: str) -> bool:
    """Delete a recording's audio (and its tag-free copy) from the store, rows untouched;
    True when a file was deleted. An OSError (a file that cannot be deleted) is raised."""
    audio = storage.store()
    deleted = audio.delete(storage_name)
    if not deleted:
        log.warning("audio of recording %s was already gone from %s", recording_id, audio)
    # The tag-free copy served to blind listeners goes with the original.
    return audio.delete(storage.plain_copy_name(storage_name)) or deleted


def tombstone_name(recording: Recording) -> str:
    return f"recording-{recording.id} (audio deleted)"


def scrub_metadata(recording: Recording) -> None:
    """What a tombstone keeps must not identify the session: the uploaded file's own name
    ("Eli Coachee 3 May.m4a") and any failure text go; the counts and dates the audit and
    the retention clock need (size, duration, format, status, upload and deletion times)
    stay."""
    recording.original_name = tombstone_name(recording)
    recording.error = ""


def delete_transcript(recording: Recording, *, reason: str = RETENTION_REASON) -> int:
    """Delete the recording's transcript with its segments, edits, citations, and the
    sensitive-topic flags raised from it (after cancelling a transcription in progress, which
    would write a new one). Returns how many segments went."""
    cancel_transcription(recording, reason)
    flags = sa.delete(SensitiveFlag).where(SensitiveFlag.recording_id == recording.id)
    db.session.execute(flags)
    transcript = db.session.scalar(sa.select(Transcript).where(
        Transcript.recording_id == recording.id))
    if transcript is None:
        return 0
    segment_ids = sa.select(TranscriptSegment.id).where(
        TranscriptSegment.transcript_id == transcript.id)
    segments = db.session.scalar(sa.select(sa.func.count()).select_from(segment_ids.subquery()))
    # Citations hang off segments without an ORM relationship; delete them explicitly so no
    # database is trusted to cascade.
    db.session.execute(sa.delete(MarkCitation).where(MarkCitation.segment_id.in_(segment_ids)))
    # Edits and segments in two statements: the ORM cascade loaded each segment's edits one
    # query at a time (216,000 queries to purge a year of transcripts).
    db.session.execute(sa.delete(SegmentEdit).where(SegmentEdit.segment_id.in_(segment_ids)))
    db.session.execute(sa.delete(TranscriptSegment).where(
        TranscriptSegment.transcript_id == transcript.id))
    # The transcript by statement too: the ORM's cascade would try to delete segments already
    # gone (they may still sit in the session) and warn that nothing matched.
    db.session.execute(sa.delete(Transcript).where(Transcript.id == transcript.id))
    db.session.expire(recording)  # its `transcript` relationship points at nothing now
    db.session.flush()
    return int(segments or 0)


PURGE_BATCH = 500


def delete_transcripts(recording_ids: list[int]) -> int:
    """`delete_transcript` for many recordings (the retention purge), a few statements per
    batch of 500 rather than seven per transcript: a year of 25,000 transcripts took 14
    minutes one by one. Returns how many segments went."""
    deleted = 0
    for i in range(0, len(recording_ids), PURGE_BATCH):
        chunk = recording_ids[i:i + PURGE_BATCH]
        db.session.execute(sa.delete(SensitiveFlag).where(SensitiveFlag.recording_id.in_(chunk)))
        transcript_ids = sa.select(Transcript.id).where(Transcript.recording_id.in_(chunk))
        segment_ids = sa.select(TranscriptSegment.id).where(
            TranscriptSegment.transcript_id.in_(transcript_ids))
        deleted += db.session.scalar(
            sa.select(sa.func.count()).select_from(segment_ids.subquery())) or 0
        for statement in (
                sa.delete(MarkCitation).where(MarkCitation.segment_id.in_(segment_ids)),
                sa.delete(SegmentEdit).where(SegmentEdit.segment_id.in_(segment_ids)),
                sa.delete(TranscriptSegment).where(
                    TranscriptSegment.transcript_id.in_(transcript_ids)),
                sa.delete(Transcript).where(Transcript.recording_id.in_(chunk))):
            db.session.execute(statement, execution_options={"synchronize_session": "fetch"})
    db.session.flush()
    return int(deleted)


def cancel_transcriptions(recording_ids: list[int], reason: str) -> int:
    """`cancel_transcription` for many recordings, in a few statements. Returns how many
    transcriptions were cancelled."""
    if not recording_ids:
        return 0
    jobs = sa.select(Recording.job_id).where(Recording.id.in_(recording_ids),
                                             Recording.job_id.is_not(None))
    unfinished = list(db.session.scalars(sa.select(Job.id).where(
        Job.id.in_(jobs), Job.status.in_(CANCELLABLE))))
    if not unfinished or not cancel_jobs(unfinished, reason):
        return 0
    db.session.execute(
        sa.update(Recording).where(Recording.job_id.in_(unfinished),
                                   Recording.status.in_(IN_FLIGHT))
        .values(status="stored", progress=0).execution_options(synchronize_session=False))
    return len(unfinished)


def forget_audio(recording_ids: list[int]) -> None:
    """The rows' side of `delete_audio` for many recordings whose files are already deleted
    (`delete_audio_files`): no storage name, the deletion time (the first one kept), and the
    tombstone's scrubbed metadata (`scrub_metadata`), in two statements."""
    if not recording_ids:
        return
    name = (sa.literal("recording-") + sa.cast(Recording.id, sa.String)
            + sa.literal(" (audio deleted)"))
    db.session.execute(
        sa.update(Recording).where(Recording.id.in_(recording_ids))
        .values(storage_name=None, original_name=name, error="")
        .execution_options(synchronize_session=False))
    db.session.execute(
        sa.update(Recording).where(Recording.id.in_(recording_ids),
                                   Recording.audio_deleted_at.is_(None))
        .values(audio_deleted_at=utcnow()).execution_options(synchronize_session=False))


def expire_loaded(recording_ids: list[int]) -> None:
    """Statements bypassed the session: recordings already loaded are read again when next
    used (without looking at every object the session holds)."""
    for recording_id in recording_ids:
        loaded = db.session.identity_map.get(identity_key(Recording, recording_id))
        if loaded is not None:
            db.session.expire(loaded)


def clear_evidence_text(recording_ids: list[int]) -> int:
    """Empty the notes of every mark on assessments of these recordings; the values (scores)
    stay. Returns how many notes were emptied."""
    if not recording_ids:
        return 0
    marks = db.session.scalars(
        sa.select(Mark).join(RaterAssignment, Mark.assignment_id == RaterAssignment.id)
        .join(Assessment, RaterAssignment.assessment_id == Assessment.id)
        .join(EvidenceItem, Assessment.evidence_item_id == EvidenceItem.id)
        .where(EvidenceItem.recording_id.in_(recording_ids), Mark.note != "")).all()
    for mark in marks:
        mark.note = ""
    return len(marks)


@dataclass
class ConsentPurge:
    """What a withdrawal deleted (counts only: never content)."""

    consent_ids: list[int] = field(default_factory=list)
    recordings: int = 0
    files_deleted: int = 0
    transcripts: int = 0
    segments: int = 0
    notes_cleared: int = 0


@dataclass(frozen=True)
class PurgePreview:
    """What withdrawing would delete, for the coachee to read before confirming."""

    consents: list[CoacheeConsent]
    recordings: int
    transcripts: int
    scored: int  # recordings with assessments, whose scores stay without evidence text


def _standing_consents(consent: CoacheeConsent) -> list[CoacheeConsent]:
    """Withdrawal is per engagement: this consent and every other standing consent of the
    same engagement."""
    others = db.session.scalars(sa.select(CoacheeConsent).where(
        CoacheeConsent.engagement_id == consent.engagement_id,
        CoacheeConsent.withdrawn_at.is_(None)).order_by(CoacheeConsent.id)).all()
    return [consent, *[c for c in others if c.id != consent.id]]


def _covered(consent_ids: list[int]) -> list[Recording]:
    return list(db.session.scalars(sa.select(Recording).where(
        Recording.consent_id.in_(consent_ids)).order_by(Recording.id)))


def preview_purge(consent: CoacheeConsent) -> PurgePreview:
    consents = _standing_consents(consent)
    recordings = _covered([c.id for c in consents])
    ids = [r.id for r in recordings]
    transcripts = db.session.scalar(sa.select(sa.func.count(Transcript.id)).where(
        Transcript.recording_id.in_(ids))) if ids else 0
    scored = db.session.scalar(sa.select(sa.func.count(sa.distinct(EvidenceItem.recording_id)))
                               .join(Assessment, Assessment.evidence_item_id == EvidenceItem.id)
                               .where(EvidenceItem.recording_id.in_(ids))) if ids else 0
    return PurgePreview(consents, len(recordings), int(transcripts or 0), int(scored or 0))


def erase_recording(recording: Recording, summary: ConsentPurge) -> None:
    summary.recordings += 1
    summary.files_deleted += int(delete_audio(recording, reason=WITHDRAWAL_REASON))
    if db.session.scalar(sa.select(Transcript.id).where(
            Transcript.recording_id == recording.id)) is not None:
        summary.transcripts += 1
    summary.segments += delete_transcript(recording, reason=WITHDRAWAL_REASON)
    # The evidence item stays (with its scores); only its pointer to the recording goes.
    db.session.execute(sa.update(EvidenceItem).where(EvidenceItem.recording_id == recording.id)
                       .values(recording_id=None))
    db.session.delete(recording)


def purge_consent(actor: Any, consent: CoacheeConsent, *, via: str,
                  reason: str = "") -> ConsentPurge:
    """Withdraw the consent (and every other standing consent of its engagement) and purge
    what they covered. `via` is "link" (the coachee's tokenised link: the caller has checked
    the token, the actor is whoever holds it) or "admin" (an admin on the coachee's behalf).
    Idempotent: a second call finds nothing left and withdraws nothing again. One audit entry
    per consent withdrawn, with counts, never content."""
    if via not in WITHDRAWAL_VIAS:
        raise ValueError(f"unknown withdrawal route {via!r}")
    if via == "admin":
        require(actor, "can_manage_recordings", consent)
    summary = ConsentPurge()
    now = utcnow()
    for standing in _standing_consents(consent):
        # Lock the consent first (PostgreSQL): an upload under it waits for this withdrawal
        # and then sees it, instead of adding a recording this purge cannot see.
        db.session.execute(sa.select(CoacheeConsent.id).where(CoacheeConsent.id == standing.id)
                           .with_for_update())
        recordings = _covered([standing.id])
        before = (summary.recordings, summary.files_deleted, summary.transcripts,
                  summary.segments)
        notes = clear_evidence_text([r.id for r in recordings])
        summary.notes_cleared += notes
        for recording in recordings:
            erase_recording(recording, summary)
        newly_withdrawn = standing.withdrawn_at is None
        if newly_withdrawn:
            standing.withdrawn_at = now
            standing.withdrawn_by_id = getattr(actor, "id", None)
            standing.withdrawal_via = via
        db.session.flush()
        if not newly_withdrawn and not recordings:
            continue
        summary.consent_ids.append(standing.id)
        detail: dict[str, Any] = {
            "engagement_id": standing.engagement_id, "withdrawal_via": via,
            "recordings_deleted": summary.recordings - before[0],
            "files_deleted": summary.files_deleted - before[1],
            "transcripts_deleted": summary.transcripts - before[2],
            "segments_deleted": summary.segments - before[3],
            "notes_cleared": notes}
        if reason:
            detail["reason"] = reason
        audit.record("consent.withdrawn", actor=actor, object_type="coachee_consent",
                     object_id=standing.id, detail=detail)
        log.info("consent %s withdrawn via %s: %s recording(s), %s file(s), %s transcript(s) "
                 "deleted", standing.id, via, detail["recordings_deleted"],
                 detail["files_deleted"], detail["transcripts_deleted"])
    return summary
