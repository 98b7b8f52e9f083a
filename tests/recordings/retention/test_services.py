"""Retention: audio goes N days after the recording's assessments close, transcripts M days
after; a recording nobody assesses counts from its upload; an open assessment keeps it all.
Files and rows are gone only after the periods, and a second run deletes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.db import set_clock
from coachprog.errors import NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.recordings.models import MarkCitation, Recording, SensitiveFlag, Transcript
from coachprog.recordings.retention.jobs import scheduled_purge
from coachprog.recordings.retention.services import purge_expired, retention_basis
from coachprog.roles import Role
from tests.factories import UserFactory
from tests.recordings.consent.builders import (
    consent,
    engagement,
    file_of,
    recording,
    scored_assessment,
    transcript,
)

SYSTEM = SystemActor("test")
UPLOADED = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
CLOSED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _at(moment: datetime) -> None:
    set_clock(lambda: moment)


def _recording_with_transcript(*, closed_at: datetime | None = None, assessed: bool = True):
    given = consent(engagement()).consent
    row = recording(given, uploaded_at=UPLOADED)
    made = transcript(row)
    if assessed:
        scored_assessment(row, closed_at=closed_at, cite=made)
    db.session.commit()
    return row, file_of(row)


def _run(now: datetime):
    _at(now)
    summary = purge_expired(SYSTEM)
    db.session.commit()
    db.session.expire_all()
    return summary


def test_basis_is_the_latest_close_or_the_upload() -> None:
    assert retention_basis(1, CLOSED, UPLOADED) is None
    assert retention_basis(0, CLOSED, UPLOADED) == CLOSED
    assert retention_basis(0, None, UPLOADED) == UPLOADED


def test_audio_goes_after_n_days_and_transcript_after_m_days() -> None:
    row, path = _recording_with_transcript(closed_at=CLOSED)
    assert _run(CLOSED + timedelta(days=89, hours=23)).nothing
    assert path.exists()

    summary = _run(CLOSED + timedelta(days=90))
    assert summary.audio_deleted == [row.id] and summary.files_deleted == 1
    assert summary.transcripts_deleted == []
    assert not path.exists()
    kept = db.session.get(Recording, row.id)
    assert kept is not None and kept.storage_name is None
    assert kept.audio_deleted_at == CLOSED + timedelta(days=90)
    assert db.session.scalar(sa.select(sa.func.count(Transcript.id))) == 1

    assert _run(CLOSED + timedelta(days=364)).nothing  # idempotent: nothing more yet
    summary = _run(CLOSED + timedelta(days=365))
    assert summary.transcripts_deleted == [row.id] and summary.segments_deleted == 3
    assert db.session.scalar(sa.select(sa.func.count(Transcript.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(MarkCitation.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(SensitiveFlag.id))) == 0
    assert _run(CLOSED + timedelta(days=900)).nothing
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "retention.purged").order_by(AuditEntry.id)).all()
    assert [e.detail["audio_deleted"] for e in entries] == [[row.id], []]
    assert [e.detail["transcripts_deleted"] for e in entries] == [[], [row.id]]


def test_an_open_assessment_keeps_everything() -> None:
    row, path = _recording_with_transcript(closed_at=CLOSED)
    scored_assessment(row)  # a second assessment, still open
    db.session.commit()
    assert _run(CLOSED + timedelta(days=2000)).nothing
    assert path.exists()


def test_unassessed_recordings_count_from_their_upload(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_RETENTION_AUDIO_DAYS", 10)
    monkeypatch.setitem(app.config, "COACHPROG_RETENTION_TRANSCRIPT_DAYS", 20)
    row, path = _recording_with_transcript(assessed=False)
    assert _run(UPLOADED + timedelta(days=9)).nothing
    assert _run(UPLOADED + timedelta(days=10)).audio_deleted == [row.id]
    assert not path.exists()
    assert _run(UPLOADED + timedelta(days=20)).transcripts_deleted == [row.id]


def test_dry_run_deletes_nothing() -> None:
    row, path = _recording_with_transcript(closed_at=CLOSED)
    _at(CLOSED + timedelta(days=400))
    summary = purge_expired(SYSTEM, dry_run=True)
    db.session.commit()
    assert summary.audio_deleted == [row.id] and summary.transcripts_deleted == [row.id]
    assert summary.lines()[0] == f"audio of recording {row.id}: would delete"
    assert path.exists()
    assert db.session.scalar(sa.select(sa.func.count(Transcript.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "retention.purged")) == 0


def test_only_admins_and_the_system_purge() -> None:
    with pytest.raises(NotPermitted):
        purge_expired(UserFactory(roles=[Role.MASTER_COACH]))
    assert purge_expired(UserFactory(roles=[Role.ADMIN])).nothing


def test_the_scheduled_run_commits_what_it_deleted() -> None:
    row, path = _recording_with_transcript(closed_at=CLOSED)
    _at(CLOSED + timedelta(days=100))
    summary = scheduled_purge()
    db.session.rollback()  # nothing left uncommitted to lose
    assert summary.audio_deleted == [row.id]
    kept = db.session.get(Recording, row.id)
    assert kept is not None and kept.storage_name is None
    assert not path.exists()


def test_cli_prints_what_it_deleted_and_is_idempotent(runner) -> None:
    row, path = _recording_with_transcript(closed_at=CLOSED)
    _at(CLOSED + timedelta(days=400))
    dry = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"audio of recording {row.id}: would delete" in dry.output
    assert path.exists()
    first = runner.invoke(args=["retention", "purge"])
    assert first.exit_code == 0, first.output
    assert f"audio of recording {row.id}: deleted" in first.output
    assert f"transcript of recording {row.id}: deleted" in first.output
    assert "Deleted audio of 1 recording(s) (kept 90 days" in first.output
    assert not path.exists()
    second = runner.invoke(args=["retention", "purge"])
    assert second.exit_code == 0
    assert "Deleted audio of 0 recording(s)" in second.output
    assert "0 transcript(s)" in second.output


def test_one_undeletable_file_does_not_stop_the_others(app, monkeypatch) -> None:
    from pathlib import Path

    monkeypatch.setitem(app.config, "COACHPROG_RETENTION_AUDIO_DAYS", 10)
    stuck, stuck_path = _recording_with_transcript(assessed=False)
    other, other_path = _recording_with_transcript(assessed=False)
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self == stuck_path:
            raise PermissionError(13, "Permission denied", str(self))
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    summary = _run(UPLOADED + timedelta(days=10))
    assert summary.audio_deleted == [other.id] and summary.audio_failed == [stuck.id]
    assert not other_path.exists() and stuck_path.exists()
    assert db.session.get(Recording, stuck.id).storage_name is not None  # tried again next run
    assert "could NOT be deleted" in " ".join(summary.lines())


def test_abandoned_partial_uploads_are_swept_after_a_day(app) -> None:
    import os

    from coachprog.recordings import storage
    from coachprog.recordings.retention.services import sweep_partial_uploads

    folder = storage.store().staging_dir()
    folder.mkdir(parents=True, exist_ok=True)
    old = folder / f"{storage.TEMP_PREFIX}old.part"
    fresh = folder / f"{storage.TEMP_PREFIX}fresh.part"
    for path in (old, fresh):
        path.write_bytes(b"raw session audio")
    now = datetime.now(UTC)
    two_days_ago = (now - timedelta(days=2)).timestamp()
    os.utime(old, (two_days_ago, two_days_ago))
    assert sweep_partial_uploads(now) == 1
    assert not old.exists() and fresh.exists()


def test_the_tombstone_keeps_no_identifying_file_name_or_failure_text(client, auth) -> None:
    row, path = _recording_with_transcript(closed_at=CLOSED)
    row.original_name = "Eli Coachee - 3 May session.m4a"
    row.error = "The transcription engine stopped on /srv/coachprog/instance/recordings/x"
    db.session.commit()
    _run(CLOSED + timedelta(days=90))
    kept = db.session.get(Recording, row.id)
    assert kept is not None and kept.storage_name is None and not path.exists()
    assert kept.original_name == f"recording-{row.id} (audio deleted)"
    assert kept.error == ""
    # What the tombstone is for stays: the dates and the size of what was deleted.
    assert (kept.uploaded_at, kept.duration_seconds, kept.size_bytes > 0) == (
        UPLOADED, 12.5, True)
    # Nowhere to be seen again: not in the list, the recording page or the API.
    from coachprog.auth.services import create_api_token

    admin = auth.login_as(Role.ADMIN)
    _, secret = create_api_token(SYSTEM, admin, name="test")
    db.session.commit()
    for url in ("/recordings/", f"/recordings/{row.id}", f"/api/v1/recordings/{row.id}"):
        response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200, url
        assert "Eli Coachee - 3 May" not in response.get_data(as_text=True)
    # A second run leaves the tombstone as it is.
    assert _run(CLOSED + timedelta(days=100)).nothing


def test_many_transcripts_go_in_batches_with_their_edits(monkeypatch) -> None:
    from coachprog.recordings.models import SegmentEdit, TranscriptSegment
    from coachprog.recordings.retention import purge

    monkeypatch.setattr(purge, "PURGE_BATCH", 2)  # three recordings: two batches
    rows = [_recording_with_transcript(closed_at=CLOSED)[0] for _ in range(3)]
    kept, _ = _recording_with_transcript(closed_at=None)  # open assessment: kept
    segment = db.session.scalars(sa.select(TranscriptSegment).join(Transcript).where(
        Transcript.recording_id == rows[0].id)).first()
    assert segment is not None
    segment_id = segment.id
    db.session.add(SegmentEdit(segment_id=segment.id, old_text=segment.text, new_text="fixed",
                               old_speaker=segment.speaker, new_speaker=segment.speaker,
                               edited_at=UPLOADED))
    db.session.commit()
    summary = _run(CLOSED + timedelta(days=365))
    assert sorted(summary.transcripts_deleted) == sorted(r.id for r in rows)
    assert summary.segments_deleted == 9
    # Only the kept transcript's edits remain (every edit points at an existing segment).
    left = set(db.session.scalars(sa.select(SegmentEdit.segment_id)))
    kept_segments = set(db.session.scalars(sa.select(TranscriptSegment.id)))
    assert segment_id not in left and left <= kept_segments
    assert list(db.session.scalars(sa.select(Transcript.recording_id))) == [kept.id]
    assert db.session.scalar(sa.select(sa.func.count(TranscriptSegment.id))) == 3
    assert _run(CLOSED + timedelta(days=366)).transcripts_deleted == []


def test_a_batch_takes_the_same_statements_for_two_recordings_or_six(app) -> None:
    """Set-based per batch (issue 20): purging six expired recordings runs no more statements
    than purging two, and every row and file of each goes."""
    from tests.conftest import counting_statements

    def statements_to_purge(count: int, now: datetime) -> int:
        made = [_recording_with_transcript(assessed=False) for _ in range(count)]
        _at(now)
        with counting_statements() as statements:
            summary = purge_expired(SYSTEM)
        db.session.commit()
        assert sorted(summary.audio_deleted) == sorted(row.id for row, _ in made)
        assert sorted(summary.transcripts_deleted) == sorted(row.id for row, _ in made)
        assert summary.files_deleted == count and summary.segments_deleted == 3 * count
        assert not any(path.exists() for _, path in made)
        for row, _ in made:
            kept = db.session.get(Recording, row.id)
            assert kept.storage_name is None and kept.audio_deleted_at == now
            assert kept.original_name == f"recording-{row.id} (audio deleted)"
        return len(statements)

    later = UPLOADED + timedelta(days=400)
    assert statements_to_purge(2, later) == statements_to_purge(6, later + timedelta(days=1))
    assert db.session.scalar(sa.select(sa.func.count(Transcript.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(SensitiveFlag.id))) == 0
