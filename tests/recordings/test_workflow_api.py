"""/api/v1/recordings: upload with a consent reference, status, transcript — same rules as
the pages, problem+json refusals, every transcript read audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.recordings.models import CoachingSession, Recording
from coachprog.roles import Role
from tests.conftest import wait_for_job
from tests.factories import UserFactory
from tests.recordings.recording_builders import (
    JFK,
    consent,
    sample,
    session,
    stored_recording,
    supervisor_of,
    world,
)


def _headers(user: Any) -> dict[str, str]:
    _, secret = create_api_token(SystemActor("test"), user, name="test")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _post(client, headers: dict[str, str], fields: dict[str, Any], path: Path | None,
          name: str = "session.flac"):
    values: dict[str, Any] = {k: str(v) for k, v in fields.items()}
    if path is not None:
        values["file"] = FileStorage(path.open("rb"), filename=name)
    boundary, body = encode_multipart(values)
    if path is not None:
        values["file"].close()
    return client.post("/api/v1/recordings", data=body, headers=headers,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_upload_by_session_then_status_then_transcript(client, recordings_dir: Path,
                                                       fake_transcriber) -> None:
    w = world()
    row = session(w.engagement)
    headers = _headers(w.coach_user)
    response = _post(client, headers, {"session_id": row.id, "consent_id": w.consent.id},
                     sample(JFK))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["session_id"] == row.id and body["consent_id"] == w.consent.id
    assert body["container"] == "flac" and body["channels"] == 2
    assert body["can_open_content"] is True
    recording_id = body["id"]
    job_id = db.session.get(Recording, recording_id).job_id
    assert wait_for_job(job_id).status == "succeeded"

    status = client.get(f"/api/v1/recordings/{recording_id}", headers=headers).get_json()
    assert status["status"] == "done" and status["progress"] == 100
    assert status["error"] is None and status["has_transcript"] is True

    transcript = client.get(f"/api/v1/recordings/{recording_id}/transcript", headers=headers)
    assert transcript.status_code == 200
    data = transcript.get_json()
    assert data["model_name"] == "fake-whisper" and data["model_version"] == "test-1"
    assert data["segments"][0]["text"] == "chunk 1 words"
    assert set(data["segments"][0]) == {"position", "start", "end", "text", "speaker",
                                        "confidence"}
    opened = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "recording.transcript_opened")).all()
    assert [e.actor_id for e in opened] == [w.coach_user.id]


def test_upload_by_engagement_date_and_length_creates_the_session(client,
                                                                  recordings_dir: Path) -> None:
    w = world(transcribe=False)
    headers = _headers(w.coach_user)
    response = _post(client, headers, {"engagement_id": w.engagement.id,
                                       "session_date": "2025-05-02", "duration_minutes": 50,
                                       "consent_id": w.consent.id}, sample(JFK))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "stored"
    created = db.session.scalar(sa.select(CoachingSession))
    assert created.duration_minutes == 50 and created.engagement_id == w.engagement.id


def test_upload_refusals_are_problem_details(client, recordings_dir: Path,
                                             tmp_path: Path) -> None:
    w = world()
    row = session(w.engagement)
    stale = w.consent
    current = consent(w.engagement)
    headers = _headers(w.coach_user)
    wrong = _post(client, headers, {"session_id": row.id, "consent_id": stale.id}, sample(JFK))
    assert wrong.status_code == 422
    assert wrong.mimetype == "application/problem+json"
    assert "not the coachee's current consent" in wrong.get_json()["detail"]
    text = tmp_path / "notes.wav"
    text.write_text("plain text, not a recording\n" * 30)
    bad = _post(client, headers, {"session_id": row.id, "consent_id": current.id}, text)
    assert bad.status_code == 422 and bad.get_json()["errors"]["file"]
    missing = _post(client, headers, {"session_id": row.id, "consent_id": current.id}, None)
    assert missing.status_code == 422
    unnamed = _post(client, headers, {"consent_id": current.id}, sample(JFK))
    assert unnamed.status_code == 422 and "Name the session" in unnamed.get_json()["detail"]
    assert list(recordings_dir.iterdir()) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recording)) == 0


def test_upload_without_consent_is_refused(client, recordings_dir: Path) -> None:
    w = world(with_consent=False)
    row = session(w.engagement)
    response = _post(client, _headers(w.coach_user), {"session_id": row.id, "consent_id": 1},
                     sample(JFK))
    assert response.status_code == 422
    assert "has not given consent" in response.get_json()["detail"]


def test_permissions_match_the_pages(client, recordings_dir: Path) -> None:
    w = world()
    row = session(w.engagement)
    recording = stored_recording(row, w.consent, recordings_dir, source=sample(JFK))
    supervisor = supervisor_of(w.coach)
    expected = {
        "supervisor": (supervisor, 200, 200),
        "admin": (UserFactory(roles=[Role.ADMIN]), 200, 403),
        "sponsor": (UserFactory(roles=[Role.SPONSOR]), 403, 403),
        "manager": (UserFactory(roles=[Role.MANAGER], person_id=w.coach.manager_id), 403, 403),
    }
    for label, (user, metadata, content) in expected.items():
        headers = _headers(user)
        got = (client.get(f"/api/v1/recordings/{recording.id}", headers=headers).status_code,
               client.get(f"/api/v1/recordings/{recording.id}/transcript",
                          headers=headers).status_code)
        assert got == (metadata, content), label
    sponsor = _post(client, _headers(UserFactory(roles=[Role.SPONSOR])),
                    {"session_id": row.id, "consent_id": w.consent.id}, sample(JFK))
    assert sponsor.status_code == 403
    assert client.get("/api/v1/recordings/999999",
                      headers=_headers(supervisor)).status_code == 404
    admin_view = client.get(f"/api/v1/recordings/{recording.id}",
                            headers=_headers(UserFactory(roles=[Role.ADMIN]))).get_json()
    assert admin_view["can_open_content"] is False


def test_transcript_not_yet_there_is_404(client, recordings_dir: Path) -> None:
    w = world()
    recording = stored_recording(session(w.engagement), w.consent, recordings_dir,
                                 transcript=False, status="queued")
    response = client.get(f"/api/v1/recordings/{recording.id}/transcript",
                          headers=_headers(w.coach_user))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_api_uploads_have_the_recordings_limit(app, client, recordings_dir: Path,
                                               monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 256 * 1024)
    w = world(transcribe=False)
    row = session(w.engagement)
    response = _post(client, _headers(w.coach_user),
                     {"session_id": row.id, "consent_id": w.consent.id}, sample(JFK))
    assert response.status_code == 201, response.get_json()
