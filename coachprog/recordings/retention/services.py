"""Retention of recorded sessions: audio is deleted N days after its assessments close
(COACHPROG_RETENTION_AUDIO_DAYS, default 90), transcripts M days after
(COACHPROG_RETENTION_TRANSCRIPT_DAYS, default 365).

The clock starts at the recording's *basis*:
- the latest `closed_at` of the assessments whose evidence item is the recording, once every
  one of them is closed (an assessment still open keeps everything: the raters need it);
- the upload time for a recording no assessment uses.
Deleting audio removes the file and sets `Recording.audio_deleted_at` (the row stays, with its
transcript until that expires too). Deleting a transcript removes it with its segments, edits,
citations and sensitive-topic flags; marks keep their values and notes (the raters' own words
are part of the assessment record — withdrawal of consent, not retention, empties them).
When both are gone the recording row is a tombstone: metadata only, `storage_name` NULL.

`purge_expired` is idempotent: a second run finds nothing to delete and writes no audit entry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from coachprog.assessments.models import Assessment, EvidenceItem
from coachprog.authority import require
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.jobs.batch import ItemFailure, one_item, record_run
from coachprog.recordings import storage
from coachprog.recordings.models import Recording, Transcript
from coachprog.recordings.retention import purge
from coachprog.recordings.retention.purge import (
    RETENTION_REASON,
    cancel_transcriptions,
    delete_audio_files,
    delete_transcripts,
    expire_loaded,
    forget_audio,
)

log = logging.getLogger(__name__)

RETENTION_BATCH = "retention-purge"
DEFAULT_AUDIO_DAYS = 90
DEFAULT_TRANSCRIPT_DAYS = 365


@dataclass(frozen=True)
class RetentionPeriods:
    audio_days: int
    transcript_days: int


def retention_periods() -> RetentionPeriods:
    audio = int(current_app.config.get("COACHPROG_RETENTION_AUDIO_DAYS", DEFAULT_AUDIO_DAYS))
    transcript = int(current_app.config.get("COACHPROG_RETENTION_TRANSCRIPT_DAYS",
                                            DEFAULT_TRANSCRIPT_DAYS))
    if audio < 0 or transcript < 0:
        raise ValueError("retention periods are whole numbers of days, 0 or more")
    return RetentionPeriods(audio, transcript)


def retention_basis(open_count: int, latest_close: datetime | None,
                    uploaded_at: datetime) -> datetime | None:
    """When the retention clock started; None while an assessment on the recording is open."""
    if open_count:
        return None
    return latest_close if latest_close is not None else uploaded_at


@dataclass
class PurgeSummary:
    """What a retention run deleted (or, in a dry run, would delete)."""

    audio_deleted: list[int] = field(default_factory=list)  # recording ids
    files_deleted: int = 0
    transcripts_deleted: list[int] = field(default_factory=list)  # recording ids
    segments_deleted: int = 0
    dry_run: bool = False
    # Audio the run could not delete (e.g. a permission problem on one file): logged, kept
    # for the next run, and never a reason to stop purging the others.
    audio_failed: list[int] = field(default_factory=list)
    partial_uploads_deleted: int = 0  # temporary files of uploads that never finished
    # Recordings whose purge failed and was rolled back (the others went ahead).
    failures: list[ItemFailure] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not self.audio_deleted and not self.transcripts_deleted

    def counts(self) -> dict[str, int]:
        return {"audio_deleted": len(self.audio_deleted), "files_deleted": self.files_deleted,
                "transcripts_deleted": len(self.transcripts_deleted),
                "segments_deleted": self.segments_deleted,
                "partial_uploads_deleted": self.partial_uploads_deleted}

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        out = [f"audio of recording {rid}: {verb}" for rid in self.audio_deleted]
        out += [f"transcript of recording {rid}: {verb}" for rid in self.transcripts_deleted]
        out += [f"audio of recording {rid}: could NOT be deleted (see the log)"
                for rid in self.audio_failed]
        out += [failure.line() for failure in self.failures]
        return out


@dataclass(frozen=True)
class _Candidate:
    """A recording that still holds audio or a transcript (columns, not an ORM row: a year
    of recordings is tens of thousands)."""

    recording_id: int
    storage_name: str | None
    basis: datetime | None  # when its retention clock started; None while assessed
    transcribed: bool


def _candidates() -> list[_Candidate]:
    """Every recording that still holds audio or a transcript, with its retention basis and
    whether it has a transcript."""
    assessed = (sa.select(EvidenceItem.recording_id.label("recording_id"),
                          sa.func.sum(sa.case((Assessment.closed_at.is_(None), 1), else_=0))
                          .label("open"),
                          sa.func.max(Assessment.closed_at).label("latest_close"))
                .join(Assessment, Assessment.evidence_item_id == EvidenceItem.id)
                .where(EvidenceItem.recording_id.is_not(None))
                .group_by(EvidenceItem.recording_id).subquery())
    has_transcript = sa.exists().where(Transcript.recording_id == Recording.id)
    rows = db.session.execute(
        sa.select(Recording.id, Recording.storage_name, Recording.uploaded_at,
                  assessed.c.open, assessed.c.latest_close, has_transcript)
        .outerjoin(assessed, assessed.c.recording_id == Recording.id)
        .where(sa.or_(Recording.storage_name.is_not(None), has_transcript))
        .order_by(Recording.id)).all()
    found = []
    for recording_id, storage_name, uploaded_at, open_count, latest_close, transcribed in rows:
        if latest_close is not None and latest_close.tzinfo is None:
            # An aggregate bypasses the column type on SQLite: put UTC back.
            latest_close = latest_close.replace(tzinfo=UTC)
        basis = retention_basis(int(open_count or 0), latest_close, uploaded_at)
        found.append(_Candidate(recording_id, storage_name, basis, bool(transcribed)))
    return found


PARTIAL_UPLOAD_HOURS = 24


def sweep_partial_uploads(now: datetime) -> int:
    """Delete temporary files of uploads that never finished (a worker killed mid-upload):
    raw session audio with no recording row. Anything older than a day is abandoned."""
    # Uploads are checked in the store's staging folder (the recordings folder itself without
    # an object store): a killed process leaves its temporary file there.
    folder = storage.store().staging_dir()
    cutoff = (now - timedelta(hours=PARTIAL_UPLOAD_HOURS)).timestamp()
    deleted = 0
    for path in folder.glob(f"{storage.TEMP_PREFIX}*.part"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            continue  # finished or removed meanwhile
    if deleted:
        log.info("retention: deleted %s abandoned partial upload(s)", deleted)
    return deleted


@dataclass(frozen=True)
class _Due:
    """A recording whose audio, transcript or both are past their retention period."""

    recording_id: int
    storage_name: str | None
    audio: bool
    transcript: bool


@dataclass
class _Batch:
    """What one batch deleted: added to the run's summary once its rows went through."""

    audio: list[int] = field(default_factory=list)
    files: int = 0
    transcripts: list[int] = field(default_factory=list)
    segments: int = 0

    def add_to(self, summary: PurgeSummary) -> None:
        summary.audio_deleted += self.audio
        summary.files_deleted += self.files
        summary.transcripts_deleted += self.transcripts
        summary.segments_deleted += self.segments


def _delete_rows(audio_ids: list[int], transcript_ids: list[int]) -> int:
    """The rows' side of purging these recordings, set-based: transcriptions in progress
    cancelled, audio forgotten (files already deleted), transcripts deleted with their
    segments, edits, citations and flags. Returns how many segments went."""
    cancel_transcriptions(sorted(set(audio_ids) | set(transcript_ids)), RETENTION_REASON)
    forget_audio(audio_ids)
    segments = delete_transcripts(transcript_ids)
    db.session.flush()
    return segments


def _delete_files(due: list[_Due], summary: PurgeSummary) -> dict[int, int]:
    """Delete the expired audio files of a batch (files first, as one by one: files are not
    transactional, and a row left pointing at a deleted file is finished by the next run).
    Returns files deleted per recording whose audio went; one that cannot be deleted is
    logged and listed, and keeps its audio until the next run."""
    deleted: dict[int, int] = {}
    for item in due:
        if not (item.audio and item.storage_name):
            continue
        try:
            deleted[item.recording_id] = int(delete_audio_files(item.recording_id,
                                                                item.storage_name))
        except OSError:
            log.exception("retention: the audio of recording %s could not be deleted",
                          item.recording_id)
            summary.audio_failed.append(item.recording_id)
    return deleted


def _purge_batch(due: list[_Due], summary: PurgeSummary, actor: Any) -> None:
    """Purge a batch of recordings in a few statements; if that fails, one recording at a
    time (coachprog.jobs.batch), so only the one that fails is rolled back and listed."""
    files = _delete_files(due, summary)
    audio_ids = [item.recording_id for item in due if item.recording_id in files]
    transcript_ids = [item.recording_id for item in due if item.transcript]
    try:
        with db.session.begin_nested():
            segments = _delete_rows(audio_ids, transcript_ids)
        _Batch(audio_ids, sum(files.values()), transcript_ids, segments).add_to(summary)
        return
    except Exception:
        log.exception("retention: a batch of %s recording(s) failed; going one by one",
                      len(due))
    finally:
        expire_loaded([item.recording_id for item in due])
    for item in due:
        audio = item.recording_id in files
        if not (audio or item.transcript):
            continue
        with one_item(summary.failures, batch="retention", object_type="recording",
                      object_id=item.recording_id, actor=actor) as outcome:
            segments = _delete_rows([item.recording_id] if audio else [],
                                    [item.recording_id] if item.transcript else [])
        expire_loaded([item.recording_id])
        if not outcome.failed:
            _Batch([item.recording_id] if audio else [], files.get(item.recording_id, 0),
                   [item.recording_id] if item.transcript else [], segments).add_to(summary)


def _due(now: datetime, periods: RetentionPeriods) -> list[_Due]:
    due = []
    for candidate in _candidates():
        if candidate.basis is None:
            continue
        audio = bool(candidate.storage_name) and now >= candidate.basis + timedelta(
            days=periods.audio_days)
        transcript = candidate.transcribed and now >= candidate.basis + timedelta(
            days=periods.transcript_days)
        if audio or transcript:
            due.append(_Due(candidate.recording_id, candidate.storage_name, audio, transcript))
    return due


def purge_expired(actor: Any, *, now: datetime | None = None,
                  dry_run: bool = False) -> PurgeSummary:
    """Delete audio and transcripts past their retention periods (see the module docstring).
    `now` defaults to the app clock. Flushes; the caller commits. Logs and audits what it
    deleted; a run that deletes nothing writes no audit entry.

    Batches of `purge.PURGE_BATCH` recordings, each a few set-based statements in a
    savepoint (a year of 25,000 transcripts one savepoint each took minutes); a batch that
    fails is done again one recording at a time, and a recording that fails then is rolled
    back, audited (`retention.item_failed`) and listed while the others go ahead."""
    require(actor, "can_manage_recordings")
    now = now or utcnow()
    periods = retention_periods()
    summary = PurgeSummary(dry_run=dry_run)
    due = _due(now, periods)
    if dry_run:
        summary.audio_deleted = [item.recording_id for item in due if item.audio]
        summary.transcripts_deleted = [item.recording_id for item in due if item.transcript]
        return summary
    for start in range(0, len(due), purge.PURGE_BATCH):
        _purge_batch(due[start:start + purge.PURGE_BATCH], summary, actor)
    summary.partial_uploads_deleted = sweep_partial_uploads(now)
    # Every real run is recorded, deletions or not (the retention register reads it).
    record_run(RETENTION_BATCH, summary.counts(), failures=len(summary.failures))
    if summary.nothing:
        for failure in summary.failures:
            log.info("retention: %s", failure.line())
        return summary
    db.session.flush()
    audit.record("retention.purged", actor=actor, object_type="recording", detail={
        "audio_deleted": summary.audio_deleted, "files_deleted": summary.files_deleted,
        "transcripts_deleted": summary.transcripts_deleted,
        "segments_deleted": summary.segments_deleted,
        "audio_days": periods.audio_days, "transcript_days": periods.transcript_days})
    for line in summary.lines():
        log.info("retention: %s", line)
    return summary
