"""A worker killed mid-transcription (SIGKILL: no cleanup, no except, no finally) must not
lose the job: its row stays "running" with a heartbeat that goes stale, the sweeper puts it
back in the queue, and the next run completes it.

The killed worker is a real child process running the real job handler on the same database
(a SQLite file in the default test run); its fake transcriber kills the process on its second
chunk, after a progress report.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.jobs.models import Job
from coachprog.jobs.queue import requeue_stale_jobs, run_job
from coachprog.recordings.models import Recording
from tests.recordings.recording_builders import (
    JFK,
    sample,
    session,
    stored_recording,
    world,
)

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import os, signal, sys

    from coachprog import create_app
    from coachprog.recordings.transcription import jobs
    from coachprog.recordings.transcription.engine import RawSegment

    database_url, instance, recordings, job_id = sys.argv[1:5]
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": instance, "SECRET_KEY": "child",
        "SQLALCHEMY_DATABASE_URI": database_url, "COACHPROG_QUEUE": "immediate",
        "RATELIMIT_STORAGE_URI": "memory://", "COACHPROG_SMTP_HOST": None,
        "COACHPROG_RECORDINGS_DIR": recordings,
        "COACHPROG_TRANSCRIBE_CHUNK_SECONDS": 4, "COACHPROG_TRANSCRIBE_SEAM_SECONDS": 0.5,
    })

    class Killer:
        model_name, model_version, parameters = "fake", "1", {}
        calls = 0

        def transcribe(self, samples, *, offset_seconds):
            self.calls += 1
            if self.calls == 2:
                os.kill(os.getpid(), signal.SIGKILL)
            return [RawSegment(start=offset_seconds, end=offset_seconds + 1, text="partial")]

    jobs.make_transcriber = lambda settings: Killer()
    with app.app_context():
        from coachprog.jobs.queue import run_job

        run_job(int(job_id))
    sys.exit("the worker was supposed to die")
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_worker_killed_mid_transcription_is_retried_after_restart(
        app: Flask, recordings_dir: Path, tmp_path: Path, fake_transcriber) -> None:
    w = world()
    row = session(w.engagement)
    recording = stored_recording(row, w.consent, recordings_dir, source=sample(JFK),
                                 status="queued", transcript=False)
    # The row as the upload leaves it; inserted directly so this process's queue does not
    # run it on commit (the child is the worker).
    job = Job(kind="recordings.transcribe", status="queued",
              payload={"recording_id": recording.id})
    db.session.add(job)
    db.session.flush()
    recording.job_id = job.id
    db.session.commit()
    recording_id, job_id = recording.id, job.id

    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, app.config["SQLALCHEMY_DATABASE_URI"],
         str(tmp_path / "child-instance"), str(recordings_dir), str(job_id)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]

    db.session.expire_all()
    job = db.session.get(Job, job_id)
    recording = db.session.get(Recording, recording_id)
    # Killed between chunks: the row says running, the first chunk's progress was reported.
    assert job.status == "running" and job.attempts == 1
    assert recording.status == "transcribing" and 0 < recording.progress < 100
    assert recording.transcript is None  # the dead worker's transaction never committed

    # Restart: the sweeper sees a heartbeat older than STALE_AFTER and re-queues the job.
    assert requeue_stale_jobs() == []  # not stale yet: a live worker is never doubled
    db.session.execute(sa.update(Job).where(Job.id == job_id)
                       .values(heartbeat_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    assert requeue_stale_jobs() == [job_id]
    run_job(job_id)

    db.session.expire_all()
    job = db.session.get(Job, job_id)
    recording = db.session.get(Recording, recording_id)
    assert job.status == "succeeded" and job.attempts == 2
    assert recording.status == "done" and recording.progress == 100
    assert [s.text for s in recording.transcript.segments] == ["chunk 1 words"]
    assert len(fake_transcriber) == 1
