"""Recorded sessions with their audio in S3 (moto's server), as on several hosts: a web
process stores the upload, a worker process with its own instance folder (none of the web
process's local folders) transcribes it from the object store, the player seeks with HTTP
Range, and a consent withdrawal or the retention purge deletes the objects."""

# Fixtures come from recording_builders by import, which test parameters then name.
# ruff: noqa: F811
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from coachprog.authority import SystemActor
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.jobs.models import Job
from coachprog.recordings import services, storage
from coachprog.recordings.consent import services as consent_services
from coachprog.recordings.models import Recording
from coachprog.recordings.retention.services import purge_expired
from coachprog.recordings.transcription import services as transcription_services
from tests.recordings.recording_builders import (  # noqa: F401 - fixtures
    JFK,
    recordings_dir,
    sample,
    session,
    stored_recording,
    world,
)

REPO = Path(__file__).resolve().parents[2]
SYSTEM = SystemActor("test")

# The worker host: its own instance folder and recordings folder, the shared database and
# object store, a fake transcriber that reports how much audio it was handed.
WORKER = textwrap.dedent("""
    import json, sys

    from coachprog import create_app
    from coachprog.recordings.transcription import jobs
    from coachprog.recordings.transcription.engine import RawSegment

    database_url, instance, storage_url, endpoint, job_id = sys.argv[1:6]
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": instance, "SECRET_KEY": "worker",
        "SQLALCHEMY_DATABASE_URI": database_url, "COACHPROG_QUEUE": "immediate",
        "RATELIMIT_STORAGE_URI": "memory://", "COACHPROG_SMTP_HOST": None,
        "COACHPROG_RECORDINGS_DIR": instance + "/recordings",
        "COACHPROG_STORAGE_URL": storage_url, "COACHPROG_S3_ENDPOINT_URL": endpoint,
    })
    heard = []

    class Counting:
        model_name, model_version, parameters = "fake-whisper", "worker-host", {}

        def transcribe(self, samples, *, offset_seconds):
            heard.append(len(samples) / 16000)
            return [RawSegment(start=offset_seconds, end=offset_seconds + heard[-1],
                               text="and so my fellow americans")]

    jobs.make_transcriber = lambda settings: Counting()
    with app.app_context():
        from coachprog.jobs.queue import run_job

        run_job(int(job_id))
    print(json.dumps({"seconds_heard": sum(heard)}))
""")


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _run_worker(app: Flask, s3_site: Any, instance: Path, job_id: int) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", WORKER, app.config["SQLALCHEMY_DATABASE_URI"], str(instance),
         s3_site.url, s3_site.endpoint, str(job_id)],
        cwd=REPO, capture_output=True, text=True, timeout=180,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_worker_on_another_host_transcribes_audio_from_the_object_store(
        app: Flask, client: Any, auth: Any, s3_site: Any, recordings_dir: Path,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The web process hands jobs to the queue (Redis in production) instead of running them.
    handed: list[int] = []
    monkeypatch.setattr(app.extensions["coachprog.queue"], "enqueue_job", handed.append)
    audio = sample(JFK).read_bytes()
    w = world()
    with sample(JFK).open("rb") as stream:
        recording = services.upload_recording(w.coach_user, session(w.engagement),
                                              services.Upload("Monday.flac", stream))
    db.session.commit()
    recording_id, job_id, name = recording.id, recording.job_id, recording.storage_name
    assert handed == [job_id]
    # The audio is in the object store only: nothing in the web process's folders.
    assert s3_site.keys() == [f"site/recordings/{name}"]
    assert _files(recordings_dir) == []
    assert _files(Path(app.instance_path) / "staging" / "recordings") == []

    worker_instance = tmp_path / "worker-host"
    heard = _run_worker(app, s3_site, worker_instance, job_id)

    # The worker decoded the whole 11-second sample, and kept no copy once done.
    assert 10.5 < heard["seconds_heard"] < 11.5
    assert _files(worker_instance / "recordings") == []
    assert _files(worker_instance / "staging") == []
    db.session.expire_all()
    assert db.session.get(Job, job_id).status == "succeeded"
    done = db.session.get(Recording, recording_id)
    assert done.status == "done" and done.transcript.model_version == "worker-host"
    assert [s.text for s in done.transcript.segments] == ["and so my fellow americans"]

    # The player seeks: ranged reads of the object.
    db.session.commit()
    auth.login(w.coach_user.email)
    url = f"/recordings/{recording_id}/audio"
    with client.get(url, headers={"Range": "bytes=1000-1999"}) as part:
        assert part.status_code == 206 and part.get_data() == audio[1000:2000]
        assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(audio)}"
    with client.get(url) as whole:
        assert whole.status_code == 200 and whole.get_data() == audio
    with client.get(url, headers={"Range": f"bytes={len(audio)}-"}) as beyond:
        assert beyond.status_code == 416
        assert beyond.headers["Content-Range"] == f"bytes */{len(audio)}"

    # Withdrawal deletes the object (the privacy promise), and the player finds nothing.
    summary = consent_services.withdraw_on_behalf(SYSTEM, w.consent.id,
                                                  reason="coachee asked by phone")
    db.session.commit()
    assert summary.files_deleted == 1 and summary.recordings == 1
    assert s3_site.keys() == []
    with client.get(url) as gone:
        assert gone.status_code == 404


def test_a_job_whose_object_is_gone_fails_in_words(app: Flask, s3_site: Any,
                                                   recordings_dir: Path) -> None:
    w = world()
    row = stored_recording(session(w.engagement), w.consent, recordings_dir,
                           status="queued", transcript=False)
    db.session.commit()
    with pytest.raises(transcription_services.TranscriptionFailed, match="missing from storage"):
        transcription_services.transcribe_recording(row.id, engine=lambda path, report: None,
                                      progress=lambda *_: None, actor=SYSTEM)


def test_retention_deletes_expired_audio_from_the_object_store(s3_site: Any,
                                                               recordings_dir: Path) -> None:
    w = world()
    old = stored_recording(session(w.engagement), w.consent, recordings_dir, transcript=False)
    fresh = stored_recording(session(w.engagement), w.consent, recordings_dir,
                             transcript=False)
    for row in (old, fresh):
        storage.store().put(row.storage_name, io.BytesIO(b"fLaC audio"))
    old.uploaded_at = utcnow() - timedelta(days=400)
    db.session.commit()
    old_name, fresh_name = old.storage_name, fresh.storage_name

    summary = purge_expired(SYSTEM)
    db.session.commit()
    assert summary.audio_deleted == [old.id] and summary.files_deleted == 1
    assert s3_site.keys() == [f"site/recordings/{fresh_name}"]
    assert not storage.store().exists(old_name)
    assert _files(recordings_dir) == []
