"""The recordings workflow through its services: consent-gated upload validated by decoding,
nothing half-stored, the job queued in the same transaction, the transcription job (with a
fake transcriber behind the real pipeline), failure and retry, idempotent re-runs."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.jobs.models import Job
from coachprog.jobs.queue import run_job
from coachprog.recordings import services
from coachprog.recordings import supervision as recording_supervision
from coachprog.recordings.models import CoachingSession, Recording, Transcript, TranscriptSegment
from coachprog.roles import Role
from tests.conftest import wait_for_job
from tests.factories import PersonFactory, UserFactory
from tests.recordings.recording_builders import (
    JFK,
    WAV,
    consent,
    sample,
    session,
    stored_recording,
    supervisor_of,
    world,
)

RANDOM_NAME = re.compile(r"^[0-9a-f]{32}$")


def _upload(actor, session_row, path: Path, name: str | None = None, **kwargs):
    with path.open("rb") as stream:
        return services.upload_recording(
            actor, session_row, services.Upload(name or path.name, stream), **kwargs)


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _actions(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


# --- upload -------------------------------------------------------------------------------------


def test_upload_stores_a_decoded_file_under_a_random_name_and_queues_in_the_same_transaction(
        recordings_dir: Path, fake_transcriber) -> None:
    w = world()
    row = session(w.engagement)
    recording = _upload(w.coach_user, row, sample(JFK), "Monday session.flac")
    # Before the commit: the job row is part of the same transaction as the recording.
    job = db.session.get(Job, recording.job_id)
    assert job is not None and job.kind == "recordings.transcribe"
    # The recording's unique storage name travels with its id (a reused id is refused).
    assert job.payload == {"recording_id": recording.id,
                           "recording_token": recording.storage_name}
    assert job.status == "queued"
    assert recording.status == "queued"
    assert recording.container == "flac" and recording.channels == 2
    assert recording.sample_rate == 44100 and 10.5 < recording.duration_seconds < 11.5
    assert recording.original_name == "Monday session.flac"
    assert RANDOM_NAME.match(recording.storage_name)
    assert _files(recordings_dir) == [recording.storage_name]
    assert (recordings_dir / recording.storage_name).read_bytes() == sample(JFK).read_bytes()
    assert _actions("recording.uploaded")[0].detail["transcription_queued"] is True


def test_a_rolled_back_upload_leaves_neither_rows_nor_file(recordings_dir: Path) -> None:
    w = world()
    row = session(w.engagement)
    db.session.commit()
    _upload(w.coach_user, row, sample(JFK))
    assert len(_files(recordings_dir)) == 1
    db.session.rollback()
    assert _files(recordings_dir) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recording)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_commit_runs_the_transcription_and_writes_segments_and_model(
        recordings_dir: Path, fake_transcriber) -> None:
    w = world()
    row = session(w.engagement)
    recording = _upload(w.coach_user, row, sample(JFK))
    db.session.commit()
    job = wait_for_job(recording.job_id)
    assert job.status == "succeeded", job.error
    db.session.expire_all()
    recording = db.session.get(Recording, recording.id)
    assert recording.status == "done" and recording.progress == 100 and recording.error == ""
    transcript = recording.transcript
    assert transcript.model_name == "fake-whisper" and transcript.model_version == "test-1"
    assert transcript.parameters == {"beam_size": 1, "vad_filter": True}
    assert [s.text for s in transcript.segments] == ["chunk 1 words"]
    segment = transcript.segments[0]
    assert segment.start_seconds == 0.0 and segment.end_seconds > 10
    assert segment.confidence == pytest.approx(0.905, abs=0.001)
    assert len(fake_transcriber) == 1
    assert _actions("recording.transcribed")[0].detail["segments"] == 1


def test_a_wav_sample_is_accepted(recordings_dir: Path) -> None:
    w = world(transcribe=False)
    recording = _upload(w.coach_user, session(w.engagement), sample(WAV))
    assert recording.container == "wav" and recording.status == "stored"
    assert recording.job_id is None


def test_consent_without_transcribe_scope_stores_without_queueing(recordings_dir: Path) -> None:
    w = world(transcribe=False)
    row = session(w.engagement)
    recording = _upload(w.coach_user, row, sample(JFK))
    db.session.commit()
    assert recording.status == "stored" and recording.job_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    assert "does not cover transcribing" in services.transcription_refusal(row)


@pytest.mark.parametrize(("setup", "words"), [
    ({"with_consent": False}, "has not given consent"),
    ({"record": False, "transcribe": False}, "does not cover recording"),
    ({"withdrawn": True}, "withdrawn their consent"),
], ids=["no-consent", "no-record-scope", "withdrawn"])
def test_upload_is_refused_without_consent_covering_recording(
        recordings_dir: Path, setup: dict, words: str) -> None:
    w = world(**setup)
    row = session(w.engagement)
    with pytest.raises(DomainError) as refused:
        _upload(w.coach_user, row, sample(JFK))
    assert words in refused.value.message
    assert refused.value.field_errors["consent_id"]
    assert _files(recordings_dir) == []


def test_upload_refuses_a_consent_id_that_is_not_the_current_one(recordings_dir: Path) -> None:
    w = world()
    older = w.consent
    newer = consent(w.engagement)
    row = session(w.engagement)
    with pytest.raises(DomainError) as refused:
        _upload(w.coach_user, row, sample(JFK), consent_id=older.id)
    assert "not the coachee's current consent" in refused.value.message
    recording = _upload(w.coach_user, row, sample(JFK), consent_id=newer.id)
    assert recording.consent_id == newer.id


def _truncated(tmp_path: Path) -> Path:
    data = sample(JFK).read_bytes()
    path = tmp_path / "cut.flac"
    path.write_bytes(data[: len(data) // 3])
    return path


def _text(tmp_path: Path) -> Path:
    path = tmp_path / "notes.mp3"
    path.write_text("These are my session notes, not audio.\n" * 50)
    return path


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize(("make", "words"), [
    (_text, ""), (_truncated, "truncated"), (_empty, "empty"),
], ids=["renamed-text", "truncated", "zero-length"])
def test_invalid_audio_is_refused_with_a_clear_error_and_nothing_stored(
        recordings_dir: Path, tmp_path: Path, make, words: str) -> None:
    w = world()
    bad = make(tmp_path)
    with pytest.raises(DomainError) as refused:
        _upload(w.coach_user, session(w.engagement), bad)
    message = refused.value.field_errors["file"][0]
    assert words in message.lower()
    assert bad.name in refused.value.message
    assert _files(recordings_dir) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recording)) == 0


def test_files_over_the_size_limit_are_refused(app, recordings_dir: Path, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_MAX_RECORDING_MB", 0.1)
    w = world()
    with pytest.raises(DomainError) as refused:
        _upload(w.coach_user, session(w.engagement), sample(JFK))
    assert refused.value.field_errors["file"] == [
        "The file is larger than the 0.1 MB a recording may be."]
    assert _files(recordings_dir) == []


def test_recordings_over_the_duration_limit_are_refused(app, recordings_dir: Path,
                                                        monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_MAX_RECORDING_HOURS", 5 / 3600)
    w = world()
    with pytest.raises(DomainError) as refused:
        _upload(w.coach_user, session(w.engagement), sample(JFK))
    assert "long; at most 5 seconds" in refused.value.field_errors["file"][0]
    assert _files(recordings_dir) == []


def test_upload_needs_a_file_name(recordings_dir: Path) -> None:
    w = world()
    with pytest.raises(DomainError) as refused:
        services.upload_recording(w.coach_user, session(w.engagement),
                                  services.Upload("", io.BytesIO(b"")))
    assert refused.value.field_errors["file"] == ["Choose a file."]


def test_only_the_coach_their_supervisors_and_admins_upload(recordings_dir: Path) -> None:
    w = world()
    row = session(w.engagement)
    supervisor = supervisor_of(w.coach)
    admin = UserFactory(roles=[Role.ADMIN])
    for refused in (UserFactory(roles=[Role.COACH]), UserFactory(roles=[Role.SPONSOR]),
                    UserFactory(roles=[Role.MANAGER], person_id=w.coach.manager_id)):
        with pytest.raises(NotPermitted):
            _upload(refused, row, sample(JFK))
    assert _upload(supervisor, row, sample(JFK)).uploaded_by_id == supervisor.id
    assert _upload(admin, row, sample(JFK)).uploaded_by_id == admin.id


# --- transcription job ------------------------------------------------------------------------


def test_a_failed_transcription_shows_the_reason_and_a_retry_completes_it(
        recordings_dir: Path, failing_transcriber, monkeypatch) -> None:
    w = world()
    recording = _upload(w.coach_user, session(w.engagement), sample(JFK))
    db.session.commit()
    job = wait_for_job(recording.job_id)
    assert job.status == "failed"
    assert "the model ran out of memory" in job.error
    db.session.expire_all()
    recording = db.session.get(Recording, recording.id)
    state = services.recording_status(recording)
    assert state.status == "failed" and state.finished
    assert "the model ran out of memory" in state.error
    assert recording.transcript is None

    from coachprog.recordings.transcription import jobs as recording_jobs
    from tests.recordings.recording_builders import FakeTranscriber

    monkeypatch.setattr(recording_jobs, "make_transcriber", lambda s: FakeTranscriber())
    services.retry_transcription(w.coach_user, recording.id)
    assert recording.status == "queued" and recording.error == ""
    db.session.commit()
    assert wait_for_job(recording.job_id).status == "succeeded"
    db.session.expire_all()
    recording = db.session.get(Recording, recording.id)
    assert recording.status == "done" and len(recording.transcript.segments) == 1
    assert _actions("recording.transcription_retried")


def test_retry_is_refused_while_in_flight_and_without_transcribe_consent(
        recordings_dir: Path) -> None:
    w = world(transcribe=False)
    row = session(w.engagement)
    recording = stored_recording(row, w.consent, recordings_dir, source=sample(JFK),
                                 status="stored", transcript=False)
    with pytest.raises(DomainError, match="does not cover transcribing"):
        services.retry_transcription(w.coach_user, recording.id)
    recording.status = "queued"
    with pytest.raises(DomainError, match="already being transcribed"):
        services.retry_transcription(w.coach_user, recording.id)
    with pytest.raises(NotPermitted):
        services.retry_transcription(UserFactory(roles=[Role.COACH]), recording.id)
    with pytest.raises(NotFound):
        services.retry_transcription(w.coach_user, 999_999)


def test_rerunning_the_job_replaces_the_transcript(recordings_dir: Path, fake_transcriber) -> None:
    w = world()
    recording = _upload(w.coach_user, session(w.engagement), sample(JFK))
    db.session.commit()
    job_id = recording.job_id
    wait_for_job(job_id)
    first = db.session.scalar(sa.select(Transcript.created_at))
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(status="queued"))
    db.session.commit()
    run_job(job_id)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transcript)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TranscriptSegment)) == 1
    assert db.session.scalar(sa.select(Transcript.created_at)) > first
    assert db.session.get(Recording, recording.id).status == "done"
    assert len(fake_transcriber) == 2


def test_progress_reports_update_the_recording_and_the_job(
        app, recordings_dir: Path, monkeypatch) -> None:
    from coachprog.recordings.transcription import jobs as recording_jobs
    from tests.recordings.recording_builders import FakeTranscriber

    seen: list[tuple[str, int, int]] = []
    w = world()
    recording = _upload(w.coach_user, session(w.engagement), sample(JFK))
    recording_id, job_id = recording.id, recording.job_id

    def look(call: int) -> None:
        with db.engine.connect() as connection:
            status, progress = connection.execute(sa.select(
                Recording.status, Recording.progress).where(Recording.id == recording_id)).one()
            job_progress = connection.execute(sa.select(Job.progress).where(
                Job.id == job_id)).scalar_one()
        seen.append((status, progress, job_progress))

    monkeypatch.setitem(app.config, "COACHPROG_TRANSCRIBE_CHUNK_SECONDS", 3)
    monkeypatch.setitem(app.config, "COACHPROG_TRANSCRIBE_SEAM_SECONDS", 0.5)
    monkeypatch.setattr(recording_jobs, "make_transcriber",
                        lambda s: FakeTranscriber(on_call=look))
    db.session.commit()
    assert wait_for_job(recording.job_id).status == "succeeded"
    assert len(seen) >= 3
    assert all(status == "transcribing" for status, _, _ in seen)
    assert seen[0][1] == 0 and 0 < seen[-1][1] < 100
    assert seen[-1][2] == seen[-1][1]  # the job row's progress follows the recording's


def test_a_job_the_sweeper_gave_up_on_fails_the_recording(recordings_dir: Path) -> None:
    w = world()
    row = session(w.engagement)
    recording = stored_recording(row, w.consent, recordings_dir, source=sample(JFK),
                                 status="transcribing", transcript=False)
    job = Job(kind="recordings.transcribe", status="failed", payload={},
              error="The worker stopped 3 times; giving up.")
    db.session.add(job)
    db.session.flush()
    recording.job_id = job.id
    state = services.recording_status(recording)
    assert state.status == "failed" and state.error == "The worker stopped 3 times; giving up."
    assert services.retry_transcription(w.coach_user, recording.id).status == "queued"


def test_the_job_fails_when_consent_was_withdrawn_meanwhile(recordings_dir: Path,
                                                          fake_transcriber) -> None:
    w = world()
    row = session(w.engagement)
    recording = _upload(w.coach_user, row, sample(JFK))
    w.consent.withdrawn_at = w.consent.consented_at + timedelta(minutes=1)
    db.session.commit()
    job = wait_for_job(recording.job_id)
    assert job.status == "failed" and "withdrawn" in job.error
    assert fake_transcriber == []


# --- content ----------------------------------------------------------------------------------


def test_get_transcript_needs_a_content_relation_and_is_audited(recordings_dir: Path) -> None:
    w = world()
    row = session(w.engagement)
    recording = stored_recording(row, w.consent, recordings_dir)
    supervisor = supervisor_of(w.coach, Role.MASTER_COACH)
    assert services.get_transcript(w.coach_user, recording.id).segments[0].speaker == "coach"
    assert services.get_transcript(supervisor, recording.id).recording_id == recording.id
    entries = _actions("recording.transcript_opened")
    assert [e.actor_id for e in entries] == [w.coach_user.id, supervisor.id]
    for refused in (UserFactory(roles=[Role.ADMIN]), UserFactory(roles=[Role.SPONSOR]),
                    UserFactory(roles=[Role.MANAGER], person_id=w.coach.manager_id)):
        with pytest.raises(NotPermitted):
            services.get_transcript(refused, recording.id)
    assert len(_actions("recording.transcript_opened")) == 2
    with pytest.raises(NotFound):
        services.get_transcript(w.coach_user, 999_999)


def test_open_audio_is_audited_and_missing_audio_is_not_found(recordings_dir: Path) -> None:
    w = world()
    recording = stored_recording(session(w.engagement), w.consent, recordings_dir,
                                 source=sample(JFK))
    audio = services.open_audio(w.coach_user, recording.id)
    assert audio.mimetype == "audio/flac"
    assert (recordings_dir / audio.storage_name).is_file()
    assert len(_actions("recording.audio_opened")) == 1
    recording.storage_name = None
    with pytest.raises(NotFound):
        services.open_audio(w.coach_user, recording.id)


# --- sessions ---------------------------------------------------------------------------------


def test_create_session_validates_date_and_length() -> None:
    w = world()
    with pytest.raises(DomainError) as refused:
        services.create_session(w.coach_user, w.engagement.id, session_date=None,
                                duration_minutes=0)
    assert set(refused.value.field_errors) == {"session_date", "duration_minutes"}
    with pytest.raises(DomainError, match="could not"):
        services.create_session(w.coach_user, w.engagement.id,
                                session_date=date(2099, 1, 1),
                                duration_minutes=45)
    with pytest.raises(DomainError):
        services.create_session(w.coach_user, w.engagement.id, session_date=date(2020, 1, 1),
                                duration_minutes=45)
    row = services.create_session(w.coach_user, w.engagement.id,
                                  session_date=date(2025, 5, 2), duration_minutes=50)
    assert row.duration_minutes == 50 and row.created_by_id == w.coach_user.id
    with pytest.raises(NotPermitted):
        services.create_session(UserFactory(roles=[Role.COACH]), w.engagement.id,
                                session_date=date(2025, 5, 2), duration_minutes=50)
    with pytest.raises(NotFound):
        services.create_session(w.coach_user, 999_999, session_date=date(2025, 5, 2),
                                duration_minutes=50)


def test_find_or_create_session_reuses_the_session_on_that_date() -> None:
    w = world()
    first = services.find_or_create_session(
        w.coach_user, session_id=None, engagement_id=w.engagement.id,
        session_date=date(2025, 5, 2), duration_minutes=40)
    again = services.find_or_create_session(
        w.coach_user, session_id=None, engagement_id=w.engagement.id,
        session_date=date(2025, 5, 2), duration_minutes=40)
    assert first.id == again.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoachingSession)) == 1
    with pytest.raises(DomainError, match="Name the session"):
        services.find_or_create_session(w.coach_user, session_id=None, engagement_id=None,
                                        session_date=None, duration_minutes=None)


def test_overview_shows_own_and_supervised_sessions_and_all_to_admins() -> None:
    mine = world()
    other = world()
    own_session = session(mine.engagement)
    other_session = session(other.engagement)
    supervisor = supervisor_of(other.coach)
    admin = UserFactory(roles=[Role.ADMIN])
    coach_view = services.overview(mine.coach_user)
    assert [r.session.id for r in coach_view.sessions] == [own_session.id]
    assert coach_view.sessions[0].content and coach_view.engagements == [mine.engagement]
    supervisor_view = services.overview(supervisor)
    assert [r.session.id for r in supervisor_view.sessions] == [other_session.id]
    admin_view = services.overview(admin)
    assert {r.session.id for r in admin_view.sessions} == {own_session.id, other_session.id}
    assert not any(r.content for r in admin_view.sessions)
    with pytest.raises(NotPermitted):
        services.overview(UserFactory(roles=[Role.SPONSOR]))


# --- supervisors ------------------------------------------------------------------------------


def test_assign_and_unassign_supervisors() -> None:
    w = world()
    lead = UserFactory(roles=[Role.LEAD_COACH])
    admin = UserFactory(roles=[Role.ADMIN])
    plain = UserFactory(roles=[Role.RATER])
    with pytest.raises(DomainError) as refused:
        recording_supervision.assign_supervisor(admin, coach_person_id=PersonFactory().id,
                                   supervisor_user_id=plain.id)
    assert set(refused.value.field_errors) == {"coach_person_id", "supervisor_user_id"}
    row = recording_supervision.assign_supervisor(admin, coach_person_id=w.coach.id,
                                     supervisor_user_id=lead.id)
    assert recording_supervision.list_supervision(admin).assignments == [row]
    with pytest.raises(DomainError, match="could not"):
        recording_supervision.assign_supervisor(admin, coach_person_id=w.coach.id,
                                   supervisor_user_id=lead.id)
    with pytest.raises(NotPermitted):
        recording_supervision.assign_supervisor(lead, coach_person_id=w.coach.id,
                                                supervisor_user_id=lead.id)
    recording_supervision.unassign_supervisor(admin, row.id)
    assert recording_supervision.list_supervision(SystemActor()).assignments == []
    assert _actions("recording.supervisor_unassigned")
    with pytest.raises(NotFound):
        recording_supervision.unassign_supervisor(admin, row.id)


def test_audio_path_never_leaves_the_recordings_folder(recordings_dir: Path) -> None:
    from coachprog.recordings import storage

    audio = storage.store()
    for name in ("../../etc/passwd", "/etc/passwd", "a/../../b"):
        audio.put(name, io.BytesIO(b"not audio"))
        assert (recordings_dir / Path(name).name).read_bytes() == b"not audio"
        assert audio.delete(name)
