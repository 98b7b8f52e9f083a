"""The server killed with SIGKILL mid-transcription and started again: the job its dead worker
left "running" is re-queued as the new worker starts (not when the sweeper's clock runs out),
finishes within 60 s of the restart, and nothing is done twice (issue 19).

Both servers are real child processes running what `flask serve` runs for jobs: the app with the
SQLite queue in its instance folder and the in-process worker (`start_in_process_consumer`),
against the test database. The first one's transcriber parks on its second chunk and is killed
there; the second one's finishes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.jobs.models import Job
from coachprog.recordings.models import Recording
from tests.recordings.recording_builders import (
    JFK,
    sample,
    session,
    stored_recording,
    world,
)

REPO = Path(__file__).resolve().parents[2]
RECOVERY_LIMIT_SECONDS = 60.0

SERVER = textwrap.dedent("""
    import pathlib, sys, time

    from coachprog import create_app
    from coachprog.recordings.transcription import jobs
    from coachprog.recordings.transcription.engine import RawSegment

    database_url, instance, recordings, job_id, role, marker = sys.argv[1:7]
    app = create_app({
        "INSTANCE_PATH": instance, "SECRET_KEY": "child", "SQLALCHEMY_DATABASE_URI": database_url,
        "COACHPROG_QUEUE": "sqlite", "RATELIMIT_STORAGE_URI": "memory://",
        "COACHPROG_SMTP_HOST": None, "COACHPROG_RECORDINGS_DIR": recordings,
        "COACHPROG_TRANSCRIBE_CHUNK_SECONDS": 4, "COACHPROG_TRANSCRIBE_SEAM_SECONDS": 0.5,
    })

    class Transcriber:
        model_name, model_version, parameters = "fake", "1", {}
        calls = 0

        def transcribe(self, samples, *, offset_seconds):
            self.calls += 1
            if role == "doomed" and self.calls == 2:
                pathlib.Path(marker).write_text("parked")
                time.sleep(600)  # until SIGKILL
            return [RawSegment(start=offset_seconds, end=offset_seconds + 1,
                               text=f"{role} chunk {self.calls}")]

    jobs.make_transcriber = lambda settings: Transcriber()
    queue = app.extensions["coachprog.queue"]
    queue.start_in_process_consumer()  # what `flask serve` does, recovery included
    if role == "doomed":
        queue.enqueue_job(int(job_id))  # as the upload's commit would
    else:
        pathlib.Path(marker).write_text("started")
    time.sleep(600)  # serving; the test ends this process
""")


def _server(app: Flask, instance: Path, recordings: Path, job_id: int, role: str,
            marker: Path) -> subprocess.Popen[str]:
    """A server process; its output goes to `<marker>.log`."""
    with marker.with_suffix(".log").open("w") as log:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", SERVER, app.config["SQLALCHEMY_DATABASE_URI"],
             str(instance), str(recordings), str(job_id), role, str(marker)],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, text=True,
            stdout=log, stderr=subprocess.STDOUT)


def _wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _job_status(job_id: int) -> str:
    with db.engine.connect() as connection:
        return str(connection.execute(sa.select(Job.status).where(Job.id == job_id)).scalar())


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_after_kill_9_the_restarted_server_recovers_the_job_within_a_minute(
        app: Flask, recordings_dir: Path, tmp_path: Path) -> None:
    w = world()
    recording = stored_recording(session(w.engagement), w.consent, recordings_dir,
                                 source=sample(JFK), status="queued", transcript=False)
    job = Job(kind="recordings.transcribe", status="queued",
              payload={"recording_id": recording.id, "recording_token": recording.storage_name})
    db.session.add(job)
    db.session.flush()
    recording.job_id = job.id
    db.session.commit()
    recording_id, job_id = recording.id, job.id
    instance = tmp_path / "server-instance"

    doomed = _server(app, instance, recordings_dir, job_id, "doomed", tmp_path / "parked")
    try:
        assert _wait_for((tmp_path / "parked").exists, 120), "the first server never got going"
        os.kill(doomed.pid, signal.SIGKILL)
        assert doomed.wait(30) == -signal.SIGKILL
    finally:
        if doomed.poll() is None:
            doomed.kill()
            doomed.wait()
    db.session.expire_all()
    left = db.session.get(Job, job_id)
    assert left.status == "running" and left.attempts == 1  # what the dead worker left
    dead_worker = left.worker_id
    assert dead_worker and dead_worker.split(":")[1] == str(doomed.pid)

    restarted_at, restarted_wall = time.monotonic(), time.time()
    server = _server(app, instance, recordings_dir, job_id, "restarted", tmp_path / "started")
    try:
        recovered = _wait_for(lambda: _job_status(job_id) in {"succeeded", "failed"},
                              RECOVERY_LIMIT_SECONDS)
        recovery = time.monotonic() - restarted_at
        assert recovered, f"not recovered within {RECOVERY_LIMIT_SECONDS} s of the restart"
    finally:
        server.kill()
        server.wait(30)
    output = (tmp_path / "started.log").read_text()

    db.session.expire_all()
    job = db.session.get(Job, job_id)
    claimed = job.started_at.timestamp() - restarted_wall  # the second claim
    print(f"\nrecovered {recovery:.1f} s after the restart (process start included); the "
          f"restarted worker claimed the job {claimed:.1f} s after the restart")
    assert job.status == "succeeded", (job.error, output[-2000:])
    assert job.attempts == 2 and job.worker_id not in (None, dead_worker)
    recording = db.session.get(Recording, recording_id)
    assert recording.status == "done"
    texts = [segment.text for segment in recording.transcript.segments]
    # Only the second run's work, once: the dead run's chunk never committed.
    assert texts and all(text.startswith("restarted chunk") for text in texts)
    assert len(texts) == len(set(texts))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "recording.transcribed",
        AuditEntry.object_id == str(recording_id))) == 1
