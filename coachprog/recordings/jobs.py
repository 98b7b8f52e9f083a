"""Background jobs of recorded sessions (transcription).

The job row is the source of truth (see coachprog.jobs.queue): a worker killed mid-job leaves
its row "running" with a stale heartbeat; the sweeper puts it back in the queue and the next
run replaces whatever the dead one left, so transcription is safe to repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app

from coachprog.auth.permissions import SystemActor
from coachprog.jobs.models import Job
from coachprog.jobs.queue import JobFailed, Reporter, job_handler
from coachprog.recordings import services, transcription


def make_transcriber(settings: transcription.TranscriptionSettings) -> transcription.Transcriber:
    """The configured local Whisper model. Tests replace this function with a fake transcriber
    so the workflow around the engine is tested without the model."""
    return transcription.WhisperTranscriber(settings)


def run_engine(path: Path, progress: Callable[[int], None]) -> Any:
    settings = transcription.TranscriptionSettings.from_config(current_app.config)
    return transcription.transcribe_file(path, make_transcriber(settings), settings,
                                         progress=progress)


@job_handler(services.TRANSCRIBE_JOB)
def transcribe(job: Job, reporter: Reporter) -> dict[str, Any]:
    recording_id = int(job.payload["recording_id"])
    reporter(0, "Decoding the audio")
    try:
        # Looked up at call time, so a replaced run_engine or make_transcriber is used.
        return services.transcribe_recording(
            recording_id, engine=lambda path, progress: run_engine(path, progress),
            progress=reporter, actor=SystemActor("transcription worker"))
    except services.TranscriptionFailed as failure:
        raise JobFailed(str(failure)) from failure
