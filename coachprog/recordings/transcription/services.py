"""The transcription job's work: decode and transcribe a recording's audio, write its
transcript, flag sensitive-topic language for review, and tell the people waiting why when it
fails (one line, no paths: the detail goes to the operators' log).

The recording's state (transcribing, progress, failed) is written on its own connection so
the page that polls it sees it at once; the transcript is written in the job's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.jobs.queue import JobCancelled
from coachprog.recordings import storage
from coachprog.recordings.domain import user_safe_reason
from coachprog.recordings.models import Recording, Transcript, TranscriptSegment
from coachprog.recordings.review import services as review
from coachprog.recordings.services import recording_transcription_refusal
from coachprog.recordings.transcription.audio import InvalidAudio
from coachprog.recordings.transcription.engine import ModelUnavailable

log = logging.getLogger(__name__)

Progress = Callable[[int, str], None]
"""Percent of the audio processed (0–99) and a short note for the page."""
Engine = Callable[[Path, Callable[[int], None]], Any]
"""Runs speech-to-text on a file, calling back with the percent of audio done (0–100);
returns the engine's TranscriptResult (coachprog.recordings.transcription.engine)."""


def _update_now(recording_id: int, **values: Any) -> None:
    """Write the recording's state on its own connection, visible at once to the page that
    polls it, while the job's transaction stays open until it finishes."""
    with db.engine.begin() as connection:
        connection.execute(sa.update(Recording).where(Recording.id == recording_id)
                           .values(**values))


class TranscriptionFailed(Exception):  # noqa: N818
    """The transcription did not finish; the message says why, for the recording's page."""


def engine_failure_reason(error: BaseException) -> str:
    """What the people waiting for a transcript are told when the engine stops; the
    operators read the full error in the log."""
    if isinstance(error, ModelUnavailable):
        return ("The speech model is not installed on this server. An administrator has to "
                "set it up (see the server log); then retry.")
    if isinstance(error, InvalidAudio):
        return user_safe_reason(f"The audio could not be decoded: {error}")
    if isinstance(error, MemoryError):
        return ("The server ran out of memory while transcribing. Retry later; if it "
                "happens again, an administrator can lower the chunk length.")
    if isinstance(error, OSError):
        return ("The audio could not be read from storage. Retry; if it happens again, an "
                "administrator can find the details in the server log.")
    return user_safe_reason(f"The transcription engine stopped: {error}")


def transcribe_recording(recording_id: int, *, engine: Engine, progress: Progress,
                         actor: Any, hold: Callable[[], None] | None = None) -> dict[str, Any]:
    """The job's work: decode and transcribe the recording's audio, replacing any earlier
    transcript (a re-run is idempotent). Raises TranscriptionFailed with the reason, after
    marking the recording failed. `progress` runs after every chunk and `hold` right before
    the transcript is written; either may raise JobCancelled (consent withdrawn, audio
    deleted), which stops the work with nothing written and the recording untouched."""
    recording = db.session.get(Recording, recording_id)
    if recording is None:
        raise TranscriptionFailed(f"Recording {recording_id} no longer exists.")
    try:
        if recording.storage_name is None:
            raise TranscriptionFailed("The audio of this recording has been deleted.")
        refusal = recording_transcription_refusal(recording)
        if refusal is not None:
            raise TranscriptionFailed(refusal)
        audio = storage.store()
        if not audio.exists(recording.storage_name):
            raise TranscriptionFailed("The audio file is missing from storage.")
        _update_now(recording_id, status="transcribing", progress=0, error="")
        last = [-1]

        def report(done: int) -> None:
            percent = max(0, min(99, int(done)))
            # The job's report first: it raises JobCancelled once the job was cancelled, and
            # then the recording (perhaps already deleted) is left alone.
            progress(percent, f"Transcribing: {percent} % of the audio")
            if percent != last[0]:
                last[0] = percent
                _update_now(recording_id, progress=percent)

        try:
            # A real file for the decoder: the stored one, or a copy from the object store.
            with audio.local_path(recording.storage_name) as path:
                result = engine(path, report)
        except (TranscriptionFailed, JobCancelled):
            raise
        except Exception as error:
            # The full detail (paths, traceback) goes to the log for the operators; the
            # recording keeps a reason fit for its page and the API.
            log.exception("transcription of recording %s failed", recording_id)
            raise TranscriptionFailed(engine_failure_reason(error)) from error
    except TranscriptionFailed as failure:
        _update_now(recording_id, status="failed", error=user_safe_reason(str(failure)))
        raise TranscriptionFailed(user_safe_reason(str(failure))) from failure
    if hold is not None:
        hold()
    segments = _write_transcript(recording, result)
    # An explicit UPDATE: the row was changed on another connection meanwhile, so the ORM's
    # copy (perhaps "done" from an earlier run) cannot tell what differs.
    db.session.execute(sa.update(Recording).where(Recording.id == recording_id)
                       .values(status="done", progress=100, error=""))
    db.session.expire(recording, ["status", "progress", "error"])
    # Sensitive-topic language goes to the supervising master coach as a flag for a human.
    review.flag_sensitive_topics(recording, actor=actor)
    audit.record("recording.transcribed", actor=actor, object_type="recording",
                 object_id=recording.id,
                 detail={"segments": segments, "model_name": result.model_name,
                         "model_version": result.model_version})
    return {"recording_id": recording.id, "segments": segments}


def _write_transcript(recording: Recording, result: Any) -> int:
    if recording.transcript is not None:
        db.session.delete(recording.transcript)
        db.session.flush()
        db.session.expire(recording, ["transcript"])
    transcript = Transcript(recording_id=recording.id, model_name=str(result.model_name)[:200],
                            model_version=str(result.model_version)[:64],
                            parameters=dict(result.parameters or {}),
                            language=str(getattr(result, "language", "en") or "en")[:16],
                            created_at=utcnow())
    db.session.add(transcript)
    db.session.flush()
    for position, segment in enumerate(result.segments):
        db.session.add(TranscriptSegment(
            transcript_id=transcript.id, position=position,
            start_seconds=float(segment.start), end_seconds=float(segment.end),
            text=str(segment.text).strip(), speaker=str(segment.speaker or "unknown")[:32],
            confidence=None if segment.confidence is None else float(segment.confidence)))
    db.session.flush()
    return len(result.segments)
