"""Recorded-session use cases: coaching sessions, consent-gated upload, the transcription
workflow's states (queued → transcribing → done / failed → retry; the job's work is in
`recordings.transcription.services`), opening audio and transcripts.

Content (audio, transcript) is opened only through `open_audio` and `get_transcript`, which
check the relation and write an audit entry every time. Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from coachprog.authority import can, require
from coachprog.coaching.models import Engagement
from coachprog.coaching.supervisors import supervised_person_ids
from coachprog.db import get_or_404
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.jobs.models import Job
from coachprog.jobs.queue import create_job
from coachprog.recordings import storage
from coachprog.recordings.consent import services as consent_rules
from coachprog.recordings.domain import user_safe_reason
from coachprog.recordings.models import CoacheeConsent, CoachingSession, Recording, Transcript
from coachprog.recordings.permissions import prefetch_content_checks
from coachprog.recordings.transcription.audio import InvalidAudio

TRANSCRIBE_JOB = "recordings.transcribe"
RECORDING_TOKEN = "recording_token"  # noqa: S105 - a payload key, not a secret
MAX_SESSION_MINUTES = 8 * 60
IN_FLIGHT = ("queued", "transcribing")


@dataclass(frozen=True)
class Upload:
    filename: str
    stream: IO[bytes]


def engagement_target(engagement: Engagement) -> Any:
    # The permission predicates find the engagement through `.engagement`.
    return SimpleNamespace(engagement=engagement)


# --- consent (recordings.consent.services decides what is current) ------------------------------


def consent_refusal(engagement_id: int, need: str) -> str | None:
    return consent_rules.consent_refusal(engagement_id, need=need)


def current_consent(engagement_id: int) -> CoacheeConsent | None:
    return consent_rules.current_consent(engagement_id)


# --- sessions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    session: CoachingSession
    content: bool  # the viewer may open its recordings


@dataclass(frozen=True)
class Overview:
    sessions: list[SessionRow]
    engagements: list[Engagement]  # where the viewer may add a session


def _visible_engagement_ids(actor: Any) -> set[int] | None:
    """Engagements whose sessions the actor may see; None: all of them (admins)."""
    if can(actor, "can_manage_recordings"):
        return None
    person_id = getattr(actor, "person_id", None)
    coach_ids = set(db.session.scalars(supervised_person_ids(actor)))
    if person_id is not None:
        coach_ids.add(person_id)
    if not coach_ids:
        return set()
    candidates = db.session.scalars(sa.select(Engagement).where(
        Engagement.coach_person_id.in_(coach_ids))).all()
    # The predicate has the last word (a manager of the coachee is refused).
    return {e.id for e in candidates if can(actor, "can_view_recording", engagement_target(e))}


def overview(actor: Any, *, limit: int = 200) -> Overview:
    require(actor, "can_view_recording")
    visible = _visible_engagement_ids(actor)
    parties = (joinedload(Engagement.coach), joinedload(Engagement.coachee))
    query = (sa.select(CoachingSession)
             .options(selectinload(CoachingSession.recordings),
                      selectinload(CoachingSession.engagement).options(*parties))
             .order_by(CoachingSession.session_date.desc(), CoachingSession.id.desc())
             .limit(limit))
    engagement_query = sa.select(Engagement).where(Engagement.status == "active").options(
        *parties).order_by(Engagement.start_date.desc(), Engagement.id.desc())
    if visible is not None:
        query = query.where(CoachingSession.engagement_id.in_(visible))
        engagement_query = engagement_query.where(Engagement.id.in_(visible))
    sessions = db.session.scalars(query).all()
    candidates = db.session.scalars(engagement_query.limit(limit)).all()
    # The per-row checks below then ask nothing more of the database.
    prefetch_content_checks([*sessions, *(engagement_target(e) for e in candidates)])
    engagements = [e for e in candidates
                   if can(actor, "can_upload_recording", engagement_target(e))]
    return Overview(
        sessions=[SessionRow(s, can(actor, "can_open_recording_content", s)) for s in sessions],
        engagements=engagements)


def get_engagement(actor: Any, engagement_id: int) -> Engagement:
    engagement = get_or_404(Engagement, engagement_id, what="engagement")
    require(actor, "can_view_recording", engagement_target(engagement))
    return engagement


def create_session(actor: Any, engagement_id: int, *, session_date: date | None,
                   duration_minutes: int | None) -> CoachingSession:
    engagement = get_or_404(Engagement, engagement_id, what="engagement")
    require(actor, "can_upload_recording", engagement_target(engagement))
    errors: dict[str, list[str]] = {}
    if session_date is None:
        errors["session_date"] = ["Give the date the session took place."]
    elif session_date > datetime.now(UTC).date() + timedelta(days=1):
        errors["session_date"] = ["The session has not happened yet; record it afterwards."]
    elif session_date < engagement.start_date:
        errors["session_date"] = [
            f"The engagement started on {engagement.start_date:%Y-%m-%d}; a session cannot "
            "be earlier."]
    if duration_minutes is None:
        errors["duration_minutes"] = ["Give the session's length in minutes."]
    elif not 1 <= duration_minutes <= MAX_SESSION_MINUTES:
        errors["duration_minutes"] = [
            f"Give a length between 1 and {MAX_SESSION_MINUTES} minutes."]
    if engagement.status != "active":
        errors["session_date"] = [*errors.get("session_date", []),
                                  "This engagement has ended; sessions can no longer be added."]
    if errors or session_date is None or duration_minutes is None:
        raise DomainError("The session could not be recorded.", field_errors=errors)
    row = CoachingSession(engagement_id=engagement.id, session_date=session_date,
                          duration_minutes=duration_minutes, created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record("recording.session_created", actor=actor, object_type="coaching_session",
                 object_id=row.id, detail={"engagement_id": engagement.id,
                                           "duration_minutes": duration_minutes})
    return row


def get_session(actor: Any, session_id: int) -> CoachingSession:
    return get_or_404(CoachingSession, session_id, what="session", actor=actor,
                      rule="can_view_recording")


def find_or_create_session(actor: Any, *, session_id: int | None, engagement_id: int | None,
                           session_date: date | None,
                           duration_minutes: int | None) -> CoachingSession:
    """The API's way to name a session: its id, or an engagement with the date and length
    (an existing session on that date is reused)."""
    if session_id is not None:
        return get_session(actor, session_id)
    if engagement_id is None:
        raise DomainError("Name the session: give session_id, or engagement_id with "
                          "session_date and duration_minutes.",
                          field_errors={"session_id": ["Give a session or an engagement."]})
    existing = db.session.scalar(sa.select(CoachingSession).where(
        CoachingSession.engagement_id == engagement_id,
        CoachingSession.session_date == session_date).order_by(CoachingSession.id).limit(1))
    if existing is not None and session_date is not None:
        require(actor, "can_upload_recording", existing)
        return existing
    return create_session(actor, engagement_id, session_date=session_date,
                          duration_minutes=duration_minutes)


# --- upload ---------------------------------------------------------------------------------------


def ended_refusal(session: CoachingSession) -> str | None:
    """Why nothing more is added to this session: its engagement has ended."""
    engagement = session.engagement
    if engagement.status == "active":
        return None
    ended = f" on {engagement.ended_at:%Y-%m-%d}" if engagement.ended_at else ""
    return (f"This engagement ended{ended}; recordings can no longer be added to its "
            "sessions.")


def upload_refusal(session: CoachingSession) -> str | None:
    """Why no recording can be uploaded for this session now: its engagement has ended, or
    the coachee has no current consent covering recording."""
    return ended_refusal(session) or consent_refusal(session.engagement_id, "record")


def transcription_refusal(session: CoachingSession) -> str | None:
    """Why an uploaded recording of this session would not be transcribed."""
    return consent_refusal(session.engagement_id, "transcribe")


def recording_transcription_refusal(recording: Recording) -> str | None:
    """Why this recording may not be transcribed: its own consent decides (a newer consent
    adding the scope does not reach back to a recording made under a narrower one), and the
    coachee's current consent must still allow it (narrowing it stops new transcripts)."""
    consent = recording.consent
    if consent.withdrawn_at is not None:
        return "The consent this recording was made under has been withdrawn."
    if not consent.scope_transcribe:
        return ("The consent this recording was made under does not cover transcribing; "
                "it stays audio only.")
    return transcription_refusal(recording.session)


def _printable_name(filename: str) -> str:
    """The uploaded file's own name, for people to recognise it: no folders, no control
    characters (NUL cannot be stored on PostgreSQL; CR/LF would break a download header)."""
    name = "".join(ch for ch in Path(filename).name if ch.isprintable()).strip()
    return name[:200] or "recording"


def upload_recording(actor: Any, session: CoachingSession, upload: Upload, *,
                     consent_id: int | None = None) -> Recording:
    """Store a validated audio file for the session and, when the consent covers it, queue
    its transcription in the same transaction. Refused without a current consent covering
    recording (and, when `consent_id` is given, unless it is that consent)."""
    require(actor, "can_upload_recording", session)
    ended = ended_refusal(session)
    if ended is not None:
        raise DomainError(ended, field_errors={"session_id": [ended]})
    refusal = upload_refusal(session)
    if refusal is not None:
        raise DomainError(refusal, field_errors={"consent_id": [refusal]})
    consent = current_consent(session.engagement_id)
    if consent is None:  # pragma: no cover - consent_refusal said there is one
        raise DomainError("The coachee has no current consent.")
    if consent_id is not None and consent_id != consent.id:
        message = (f"Consent {consent_id} is not the coachee's current consent for this "
                   "engagement; refer to the current one.")
        raise DomainError(message, field_errors={"consent_id": [message]})
    if not upload.filename:
        raise DomainError("Choose an audio file.", field_errors={"file": ["Choose a file."]})
    try:
        stored = storage.store_upload(upload.stream)
    except storage.InvalidUpload as error:
        raise DomainError(f"{upload.filename}: {error}",
                          field_errors={"file": [str(error)]}) from error
    # Storing took a while: the coachee may have withdrawn meanwhile. Re-read the consent
    # under a row lock (PostgreSQL; withdrawal takes the same lock) before the row exists.
    withdrawn = db.session.execute(
        sa.select(CoacheeConsent.withdrawn_at).where(CoacheeConsent.id == consent.id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one()
    if withdrawn is not None:
        storage.delete_file(stored.storage_name)
        raise DomainError("The coachee withdrew their consent while the file was uploading; "
                          "nothing was kept.", field_errors={"consent_id": ["Withdrawn."]})
    recording = Recording(
        session_id=session.id, consent_id=consent.id, storage_name=stored.storage_name,
        original_name=_printable_name(upload.filename), size_bytes=stored.size_bytes,
        duration_seconds=stored.duration_seconds, container=stored.container[:64],
        codec=stored.codec[:64], channels=stored.channels, sample_rate=stored.sample_rate,
        status="stored", progress=0, error="", uploaded_by_id=actor.id)
    db.session.add(recording)
    db.session.flush()
    transcribe = transcription_refusal(session) is None
    if transcribe:
        _queue(actor, recording)
    audit.record("recording.uploaded", actor=actor, object_type="recording",
                 object_id=recording.id,
                 detail={"session_id": session.id, "consent_id": consent.id,
                         "size_bytes": stored.size_bytes,
                         "duration_seconds": round(stored.duration_seconds, 1),
                         "transcription_queued": transcribe})
    return recording


def _queue(actor: Any, recording: Recording) -> None:
    # The recording's unique storage name travels with its id: a job refuses to work on a
    # recording that is not the one it was made for (recordings.jobs.transcribe).
    job = create_job(TRANSCRIBE_JOB, payload={"recording_id": recording.id,
                                              RECORDING_TOKEN: recording.storage_name},
                     created_by_id=getattr(actor, "id", None))
    recording.job_id = job.id
    recording.status = "queued"
    recording.progress = 0
    recording.error = ""
    db.session.flush()


# --- reading a recording ----------------------------------------------------------------------


def get_recording(actor: Any, recording_id: int) -> Recording:
    return get_or_404(Recording, recording_id, what="recording", actor=actor,
                      rule="can_view_recording")


@dataclass(frozen=True)
class RecordingStatus:
    status: str
    progress: int
    error: str
    has_transcript: bool
    finished: bool
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def recording_status(recording: Recording) -> RecordingStatus:
    """The state to show. A job the sweeper gave up on (its worker died too often) fails the
    recording even though no handler got to say so."""
    status, error, note = recording.status, recording.error, ""
    job = db.session.get(Job, recording.job_id) if recording.job_id else None
    if status in IN_FLIGHT and job is not None:
        if job.status == "failed":
            status, error = "failed", job.error or "The transcription job failed."
        elif job.status == "cancelled":  # retention deleted what it was transcribing
            status, note = "stored", job.error or ""
        else:
            note = job.progress_note or ("Waiting for a worker…" if status == "queued" else "")
    # Reasons stored before they were made safe must not show a server path either.
    error = user_safe_reason(error) if error else ""
    return RecordingStatus(status=status, progress=100 if status == "done" else recording.progress,
                           error=error, has_transcript=recording.transcript is not None,
                           finished=status not in IN_FLIGHT, note=note)


def describe_recording(actor: Any, recording: Recording) -> dict[str, Any]:
    """Metadata for the API (no content)."""
    state = recording_status(recording)
    return {
        "id": recording.id, "session_id": recording.session_id,
        "engagement_id": recording.session.engagement_id,
        "session_date": recording.session.session_date,
        "consent_id": recording.consent_id, "original_name": recording.original_name,
        "size_bytes": recording.size_bytes, "duration_seconds": recording.duration_seconds,
        "container": recording.container, "codec": recording.codec,
        "channels": recording.channels, "sample_rate": recording.sample_rate,
        "status": state.status, "progress": state.progress, "error": state.error or None,
        "has_transcript": state.has_transcript,
        "audio_available": recording.storage_name is not None,
        "uploaded_at": recording.uploaded_at,
        "can_open_content": can(actor, "can_open_recording_content", recording),
    }


@dataclass(frozen=True)
class AudioFile:
    storage_name: str  # in the recordings store (storage.store())
    mimetype: str
    download_name: str


def open_audio(actor: Any, recording_id: int) -> AudioFile:
    """The audio for the permission-checked stream; every open is audited."""
    recording = get_or_404(Recording, recording_id, what="recording")
    # A rater of a blind assessment of it hears it too (from the scoring page), under a
    # neutral file name: the uploaded name may name the coachee.
    blind = (not can(actor, "can_open_recording_content", recording)
             and can(actor, "can_score_blind_recording", recording))
    if not blind:
        require(actor, "can_open_recording_content", recording)
    if recording.storage_name is None:
        raise NotFound("recording audio")
    if not storage.store().exists(recording.storage_name):
        raise NotFound("recording audio")
    neutral = f"recording-{recording.id}"
    name = recording.storage_name
    if blind:
        # The original's tags may name the coach or coachee (a WAV's LIST/INFO, an ID3
        # artist): a blind rater gets a re-encoded copy that carries none.
        name = blind_audio_name(recording.storage_name)
    audit.record("recording.audio_opened", actor=actor, object_type="recording",
                 object_id=recording.id, detail={"blind": True} if blind else None)
    if blind:
        return AudioFile(storage_name=name, mimetype="audio/wav", download_name=f"{neutral}.wav")
    return AudioFile(storage_name=name, mimetype=storage.mimetype_for(recording.container),
                     download_name=recording.original_name or neutral)


def blind_audio_name(storage_name: str) -> str:
    """The store name of the tag-free copy for blind listeners (see `storage.plain_copy`);
    NotFound when the audio went meanwhile or no longer decodes."""
    try:
        return storage.plain_copy(storage_name)
    except (FileNotFoundError, InvalidAudio):
        raise NotFound("recording audio") from None


def get_transcript(actor: Any, recording_id: int) -> Transcript:
    """A recording's transcript with its segments, for those who may open content; audited."""
    recording = get_or_404(Recording, recording_id, what="recording", actor=actor,
                           rule="can_open_recording_content")
    transcript = recording.transcript
    if transcript is None:
        raise NotFound("transcript")
    audit.record("recording.transcript_opened", actor=actor, object_type="recording",
                 object_id=recording.id, detail={"transcript_id": transcript.id})
    return transcript


def describe_transcript(transcript: Transcript) -> dict[str, Any]:
    return {
        "recording_id": transcript.recording_id, "model_name": transcript.model_name,
        "model_version": transcript.model_version, "parameters": transcript.parameters,
        "language": transcript.language, "created_at": transcript.created_at,
        "segments": [{"position": s.position, "start": s.start_seconds, "end": s.end_seconds,
                      "text": s.text, "speaker": s.speaker, "confidence": s.confidence}
                     for s in transcript.segments],
    }


# --- transcription ---------------------------------------------------------------------------


def retry_transcription(actor: Any, recording_id: int) -> Recording:
    recording = get_or_404(Recording, recording_id, what="recording")
    require(actor, "can_upload_recording", recording.session)
    state = recording_status(recording)
    if state.status in IN_FLIGHT:
        raise DomainError("This recording is already being transcribed.")
    if recording.storage_name is None:
        raise DomainError("The audio of this recording has been deleted; it cannot be "
                          "transcribed again.")
    refusal = recording_transcription_refusal(recording)
    if refusal is not None:
        raise DomainError(refusal)
    _queue(actor, recording)
    audit.record("recording.transcription_retried", actor=actor, object_type="recording",
                 object_id=recording.id, detail={"previous_status": state.status})
    return recording


def max_upload_bytes() -> int:
    return storage.max_bytes()


def transcript_page_available() -> bool:
    return "transcripts.view_transcript" in current_app.view_functions
