"""/api/v1/recordings: upload a session's audio, follow its transcription, read the transcript.

The same services and rules as the pages: upload needs the coachee's current consent covering
recording (and, here, its id as the caller's reference), metadata is for admins and those with
a relation to the coach, the transcript only for the relation holders — and every read of it is
audited.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import (
    Boolean,
    Date,
    DateTime,
    Dict,
    File,
    Float,
    Integer,
    List,
    Nested,
    String,
)
from flask import request

from coachprog.api import bp, current_api_user, operation
from coachprog.extensions import db
from coachprog.policy.guards import guard
from coachprog.recordings import services
from coachprog.validation import DbId, DbInt


class RecordingUploadIn(Schema):
    file = File(required=True, metadata={"description": "The audio: WAV, FLAC, MP3, M4A/AAC, "
                                         "Ogg/Opus or WebM. Validated by decoding it."})
    consent_id = DbId(required=True, metadata={
        "description": "The coachee's current consent for the engagement; it must cover "
        "recording."})
    session_id = DbId(load_default=None, allow_none=True)
    engagement_id = DbId(load_default=None, allow_none=True, metadata={
        "description": "Instead of session_id: the engagement, with session_date and "
        "duration_minutes (a session on that date is reused or created)."})
    session_date = Date(load_default=None, allow_none=True)
    duration_minutes = DbInt(load_default=None, allow_none=True, minimum=1,
                             maximum=services.MAX_SESSION_MINUTES)


class RecordingOut(Schema):
    id = Integer()
    session_id = Integer()
    engagement_id = Integer()
    session_date = Date()
    consent_id = Integer()
    original_name = String()
    size_bytes = Integer()
    duration_seconds = Float()
    container = String()
    codec = String()
    channels = Integer()
    sample_rate = Integer()
    status = String(metadata={"description": "stored (not to be transcribed), queued, "
                              "transcribing, done or failed"})
    progress = Integer(metadata={"description": "Percent of the audio transcribed."})
    error = String(allow_none=True, metadata={"description": "Why the transcription failed."})
    has_transcript = Boolean()
    audio_available = Boolean()
    uploaded_at = DateTime()
    can_open_content = Boolean()


class SegmentOut(Schema):
    position = Integer()
    start = Float()
    end = Float()
    text = String()
    speaker = String()
    confidence = Float(allow_none=True)


class TranscriptOut(Schema):
    recording_id = Integer()
    model_name = String()
    model_version = String()
    parameters = Dict()
    language = String()
    created_at = DateTime()
    segments = List(Nested(SegmentOut))


# Room for the multipart envelope around the largest allowed recording.
_ENVELOPE = 1024 * 1024


@bp.url_value_preprocessor
def _recording_upload_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # The app's MAX_CONTENT_LENGTH is sized for imports; a recording has its own limit, set
    # before anything reads the body.
    if endpoint == "api.upload_recording":
        request.max_content_length = services.max_upload_bytes() + _ENVELOPE


@operation("POST", "/recordings", body=RecordingUploadIn, body_location="form_and_files",
           out=RecordingOut, status=201, summary="Upload a session's recording",
           tags=["recordings"],
           description="Refused (422, with the reason) without the coachee's current consent "
           "covering recording, when consent_id is not that consent, and for files that are not "
           "audio, are empty or truncated, or exceed the size or length limits. Transcription is "
           "queued when the consent covers it.", responses=[403, 404, 413, 422])
def upload_recording(body: dict[str, Any]) -> Any:
    actor = current_api_user()
    upload = body["file"]
    session = services.find_or_create_session(
        actor, session_id=body["session_id"], engagement_id=body["engagement_id"],
        session_date=body["session_date"], duration_minutes=body["duration_minutes"])
    recording = services.upload_recording(
        actor, session, services.Upload(upload.filename or "", upload.stream),
        consent_id=body["consent_id"])
    db.session.commit()
    return services.describe_recording(actor, recording), 201


@operation("GET", "/recordings/<int:recording_id>", out=RecordingOut,
           summary="A recording's metadata and transcription state", tags=["recordings"],
           responses=[403, 404])
def get_recording(recording_id: int) -> Any:
    actor = current_api_user()
    return services.describe_recording(actor, services.get_recording(actor, recording_id))


@operation("GET", "/recordings/<int:recording_id>/transcript", out=TranscriptOut,
           summary="A recording's transcript (segments)", tags=["recordings"],
           description="Only for the coach, their supervisors and assigned auditors; every read "
           "is audited.", responses=[403, 404])
@guard("api.content_fields")
def get_recording_transcript(recording_id: int) -> Any:
    actor = current_api_user()
    transcript = services.get_transcript(actor, recording_id)
    db.session.commit()  # the read is audited
    return services.describe_transcript(transcript)
