"""Background jobs of recorded sessions: transcription, and the nightly retention purge
(scheduled with the job queue when create_app imports this module).

The job row is the source of truth (see coachprog.jobs.queue): a worker killed mid-job leaves
its row "running"; the next worker to start (or the sweeper, once its heartbeat is stale) puts it
back in the queue and the next run replaces whatever the dead one left, so transcription is safe
to repeat. Withdrawal of consent and the deletion of audio or transcript cancel the job
(recordings.purge): it stops after the chunk in hand, or at the latest before it saves.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.jobs.models import Job
from coachprog.jobs.queue import JobFailed, Reporter, job_handler
from coachprog.recordings import services
from coachprog.recordings.models import Recording
from coachprog.recordings.transcription import engine as transcription
from coachprog.recordings.transcription import services as transcription_services

log = logging.getLogger(__name__)

DEFAULT_NICE = 10
_lowered: set[int] = set()


def lower_thread_priority(config: Any) -> int:
    """Lower this worker thread's CPU priority by COACHPROG_TRANSCRIBE_NICE (default 10), once
    per thread, before the engine starts. On Linux a nice value belongs to the thread, and the
    engine's own threads (CTranslate2, the VAD's ONNX runtime), started from here, inherit it:
    the embedded worker in the web process then yields the CPU to web requests and uses what
    they leave, and a separate worker process is a better neighbour too. Returns the
    increment applied (0: none, already done, or not possible here)."""
    raw = config.get("COACHPROG_TRANSCRIBE_NICE",
                     os.environ.get("COACHPROG_TRANSCRIBE_NICE", DEFAULT_NICE))
    try:
        increment = max(0, min(19, int(raw)))
    except (TypeError, ValueError):
        increment = DEFAULT_NICE
    thread_id = threading.get_native_id()
    if not increment or thread_id in _lowered or not hasattr(os, "setpriority"):
        return 0
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread_id)
        os.setpriority(os.PRIO_PROCESS, thread_id, min(19, current + increment))
    except OSError:
        log.warning("could not lower the transcription thread's priority", exc_info=True)
        return 0
    _lowered.add(thread_id)
    return increment


def make_transcriber(settings: transcription.TranscriptionSettings) -> transcription.Transcriber:
    """The configured local Whisper model. Tests replace this function with a fake transcriber
    so the workflow around the engine is tested without the model."""
    return transcription.WhisperTranscriber(settings)


def run_engine(path: Path, progress: Callable[[int], None]) -> Any:
    lower_thread_priority(current_app.config)
    settings = transcription.TranscriptionSettings.from_config(current_app.config)
    return transcription.transcribe_file(path, make_transcriber(settings), settings,
                                         progress=progress)


def made_for(job: Job, recording: Recording | None) -> bool:
    """Whether `recording` is the one the job was queued for: same id and same unique storage
    name (jobs queued before the name was recorded carry only the id)."""
    if recording is None:
        return False
    token = job.payload.get(services.RECORDING_TOKEN, recording.storage_name)
    return bool(token) and token == recording.storage_name


@job_handler(services.TRANSCRIBE_JOB)
def transcribe(job: Job, reporter: Reporter) -> dict[str, Any]:
    recording_id = int(job.payload["recording_id"])
    if not made_for(job, db.session.get(Recording, recording_id)):
        # Never touch a recording this job was not made for (its own was purged; an id
        # handed out again must never receive its transcript).
        raise JobFailed("The recording this job was made for no longer exists (or its audio "
                        "was deleted); nothing was changed.")
    reporter(0, "Decoding the audio")
    # Between the engine's segments too (at most once a second), not only between chunks.
    token = transcription.checkpoint.set(throttled(reporter.check, CHECK_EVERY_SECONDS))
    try:
        # Looked up at call time, so a replaced run_engine or make_transcriber is used.
        return transcription_services.transcribe_recording(
            recording_id, engine=lambda path, progress: run_engine(path, progress),
            progress=reporter, actor=SystemActor("transcription worker"), hold=reporter.hold)
    except transcription_services.TranscriptionFailed as failure:
        raise JobFailed(str(failure)) from failure
    finally:
        transcription.checkpoint.reset(token)


CHECK_EVERY_SECONDS = 1.0


def throttled(check: Callable[[], None], seconds: float) -> Callable[[], None]:
    """`check`, run at most once per `seconds` (it is a database read)."""
    last = [-math.inf]

    def maybe() -> None:
        now = time.monotonic()
        if now - last[0] >= seconds:
            last[0] = now
            check()

    return maybe

