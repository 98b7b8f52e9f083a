"""Two refusals and one reason: uploads into a session of an ENDED engagement are refused by
the service, the page and the API; a failing engine's error never shows a server path or a
traceback on the recording page or the API (the full detail goes to the log)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.recordings import services
from coachprog.recordings.domain import user_safe_reason
from coachprog.recordings.models import Recording
from coachprog.recordings.transcription import jobs as recording_jobs
from coachprog.recordings.transcription.audio import InvalidAudio
from coachprog.recordings.transcription.engine import ModelUnavailable
from tests.conftest import csrf_token, wait_for_job
from tests.recordings.recording_builders import (
    JFK,
    FakeTranscriber,
    sample,
    session,
    world,
)

SERVER_PATH = "/srv/coachprog/instance/models/tiny.en/model.bin"


def _end(engagement) -> None:
    engagement.status = "ended"
    engagement.ended_at = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
    db.session.flush()


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _count() -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Recording)) or 0)


# --- an ended engagement takes no new recordings ------------------------------------------------


def test_the_service_refuses_an_upload_into_a_session_of_an_ended_engagement(
        recordings_dir: Path) -> None:
    w = world()
    row = session(w.engagement)
    _end(w.engagement)
    assert services.upload_refusal(row) == services.ended_refusal(row)
    with sample(JFK).open("rb") as stream, pytest.raises(DomainError) as refused:
        services.upload_recording(w.coach_user, row, services.Upload("a.flac", stream))
    assert refused.value.message == ("This engagement ended on 2025-06-30; recordings can no "
                                     "longer be added to its sessions.")
    assert refused.value.field_errors["session_id"]
    assert _files(recordings_dir) == [] and _count() == 0


def test_an_active_engagement_has_no_ended_refusal() -> None:
    w = world()
    assert services.ended_refusal(session(w.engagement)) is None


def test_the_session_page_explains_and_hides_the_form_and_a_post_is_refused(
        client, auth, recordings_dir: Path) -> None:
    w = world()
    row = session(w.engagement)
    _end(w.engagement)
    db.session.commit()
    auth.login(w.coach_user.email)
    page = client.get(f"/recordings/sessions/{row.id}").get_data(as_text=True)
    assert "This engagement ended on 2025-06-30" in page
    assert 'type="file"' not in page
    with sample(JFK).open("rb") as audio:
        boundary, body = encode_multipart(
            {"csrf_token": csrf_token(client, "/account"),
             "file": FileStorage(audio, filename="late.flac")})
    response = client.post(f"/recordings/sessions/{row.id}", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert "recordings can no longer be added" in response.get_data(as_text=True)
    assert _files(recordings_dir) == [] and _count() == 0


def test_the_api_refuses_with_422_and_the_reason(client, recordings_dir: Path) -> None:
    w = world()
    row = session(w.engagement)
    _end(w.engagement)
    _, secret = create_api_token(SystemActor("test"), w.coach_user, name="test")
    db.session.commit()
    with sample(JFK).open("rb") as audio:
        boundary, body = encode_multipart({
            "session_id": str(row.id), "consent_id": str(w.consent.id),
            "file": FileStorage(audio, filename="late.flac")})
    response = client.post("/api/v1/recordings", data=body,
                           headers={"Authorization": f"Bearer {secret}"},
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422
    problem = response.get_json()
    assert "recordings can no longer be added" in problem["detail"]
    assert _files(recordings_dir) == [] and _count() == 0


# --- failure reasons are safe to show -------------------------------------------------------------


def _failing(monkeypatch, error: BaseException) -> None:
    def explode(call: int) -> None:
        raise error

    monkeypatch.setattr(recording_jobs, "make_transcriber",
                        lambda settings: FakeTranscriber(on_call=explode))


def _upload_and_fail(w) -> Recording:
    with sample(JFK).open("rb") as stream:
        recording = services.upload_recording(w.coach_user, session(w.engagement),
                                              services.Upload("jfk.flac", stream))
    db.session.commit()
    assert wait_for_job(recording.job_id).status == "failed"
    db.session.expire_all()
    found = db.session.get(Recording, recording.id)
    assert found is not None
    return found


@pytest.mark.parametrize(("error", "shown"), [
    (RuntimeError(f"Unable to open file '{SERVER_PATH}' in model"),
     "The transcription engine stopped: Unable to open file '[path]' in model"),
    (ModelUnavailable(f"No Whisper model at {SERVER_PATH} (model.bin missing)."),
     "The speech model is not installed on this server."),
    (OSError(2, "No such file or directory", SERVER_PATH),
     "The audio could not be read from storage."),
    (InvalidAudio("The file is truncated or damaged."),
     "The audio could not be decoded: The file is truncated or damaged."),
])
def test_a_failing_engine_leaves_a_reason_without_paths(
        client, auth, recordings_dir: Path, monkeypatch, caplog, error: BaseException,
        shown: str) -> None:
    w = world()
    _failing(monkeypatch, error)
    with caplog.at_level(logging.ERROR, logger="coachprog.recordings.transcription.services"):
        recording = _upload_and_fail(w)
    assert shown in recording.error
    assert "/srv/" not in recording.error and "Traceback" not in recording.error
    job_error = wait_for_job(recording.job_id).error or ""
    assert "/srv/" not in job_error and shown in job_error
    # The operators still get everything, in the log.
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert f"transcription of recording {recording.id} failed" in logged
    assert any(r.exc_info and r.exc_info[1] is error for r in caplog.records)

    auth.login(w.coach_user.email)
    page = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert shown in page.replace("&#39;", "'") and "/srv/" not in page
    status = client.get(f"/recordings/{recording.id}/status").get_json()
    assert status["status"] == "failed" and "/srv/" not in status["error"]
    _, secret = create_api_token(SystemActor("test"), w.coach_user, name="test")
    db.session.commit()
    api = client.get(f"/api/v1/recordings/{recording.id}",
                     headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert api["status"] == "failed" and shown in api["error"]
    assert "/srv/" not in api["error"]


def test_a_reason_stored_before_the_fix_is_shown_without_its_path() -> None:
    w = world()
    from tests.recordings.recording_builders import stored_recording

    row = stored_recording(session(w.engagement), w.consent, Path("/nonexistent"),
                           status="failed", transcript=False)
    row.error = ("Traceback (most recent call last):\n  File \"/opt/app/x.py\", line 1\n"
                 f"RuntimeError: bad model {SERVER_PATH}")
    db.session.flush()
    assert services.recording_status(row).error == "RuntimeError: bad model [path]"


@pytest.mark.parametrize(("text", "safe"), [
    (f"No model at {SERVER_PATH} (model.bin missing)", "No model at [path] (model.bin missing)"),
    ("C:\\models\\tiny\\model.bin is gone", "[path] is gone"),
    ("cannot open instance/recordings/ab12cd", "cannot open [path]"),
    ("first line\nsecond line /etc/passwd", "first line"),
    ("", "The transcription failed."),
    ("x" * 400, "x" * 299 + "…"),
])
def test_user_safe_reason(text: str, safe: str) -> None:
    assert user_safe_reason(text) == safe


# --- the upload form's progress bar is an enhancement ------------------------------------------


def test_the_upload_form_carries_the_progress_bar_script_only_where_it_can_upload(
        client, auth, recordings_dir: Path) -> None:
    w = world()
    row = session(w.engagement)
    db.session.commit()
    auth.login(w.coach_user.email)
    page = client.get(f"/recordings/sessions/{row.id}").get_data(as_text=True)
    # A plain multipart form with its own action: it works without the script.
    assert (f'action="/recordings/sessions/{row.id}" enctype="multipart/form-data" '
            "novalidate data-upload-progress") in page
    assert '<progress id="upload-progress-bar"' in page and 'id="upload-progress" ' in page
    assert 'src="/static/js/recording-upload.js"' in page and "<script>" not in page
    with client.get("/static/js/recording-upload.js") as script:
        assert script.status_code == 200
    _end(w.engagement)
    db.session.commit()
    page = client.get(f"/recordings/sessions/{row.id}").get_data(as_text=True)
    assert "recording-upload.js" not in page and "data-upload-progress" not in page
