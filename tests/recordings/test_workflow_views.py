"""The recordings pages through the Flask client: list, new session, session with the upload
form and its consent explanation, recording page with progress/error/retry, the JSON status,
the audio stream with HTTP Range, the supervisor page — and who may open what."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.recordings import permissions as recording_permissions
from coachprog.recordings.models import CoachingSession, Recording
from coachprog.roles import Role
from tests.conftest import csrf_token, post_form, wait_for_job
from tests.factories import UserFactory
from tests.recordings.recording_builders import (
    JFK,
    sample,
    session,
    stored_recording,
    supervisor_of,
    world,
)


def _opens(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def _get(client, url: str, **kwargs):
    """GET and close the response (a streamed file stays open until closed)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
        return response


def _post_file(client, url: str, path: Path, name: str):
    """Upload as the browser would. The body is encoded in memory: the test client would
    spool a large one to a temporary file it never closes."""
    from werkzeug.test import encode_multipart

    with path.open("rb") as audio:
        boundary, body = encode_multipart(
            {"csrf_token": csrf_token(client, "/account"),
             "file": FileStorage(audio, filename=name)})
    return client.post(url, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _login_coach(auth, w) -> None:
    db.session.commit()
    auth.login(w.coach_user.email)


# --- pages ------------------------------------------------------------------------------------


def test_coach_adds_a_session_and_uploads_a_recording_that_gets_transcribed(
        client, auth, recordings_dir: Path, fake_transcriber) -> None:
    w = world()
    _login_coach(auth, w)
    page = client.get("/recordings/").get_data(as_text=True)
    assert "add a session" in page and "No sessions here yet" in page
    form_url = f"/recordings/engagements/{w.engagement.id}/sessions/new"
    assert "Eli Coachee" in client.get(form_url).get_data(as_text=True)
    bad = post_form(client, form_url, {"session_date": "", "duration_minutes": "0"})
    assert bad.status_code == 400
    assert "Give the date the session took place." in bad.get_data(as_text=True)
    response = post_form(client, form_url, {"session_date": "2025-05-02",
                                            "duration_minutes": "45"})
    assert response.status_code == 302
    session_row = db.session.scalar(sa.select(CoachingSession))
    assert response.headers["Location"].endswith(f"/recordings/sessions/{session_row.id}")
    page = client.get(f"/recordings/sessions/{session_row.id}").get_data(as_text=True)
    assert "covers recording" in page and "also covers transcription" in page
    assert 'enctype="multipart/form-data"' in page

    response = _post_file(client, f"/recordings/sessions/{session_row.id}", sample(JFK),
                          "monday.flac")
    assert response.status_code == 302, response.get_data(as_text=True)
    recording = db.session.scalar(sa.select(Recording))
    assert wait_for_job(recording.job_id).status == "succeeded"
    page = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert "Transcribed." in page and "monday.flac" in page
    assert f'src="/recordings/{recording.id}/audio"' in page
    assert 'src="/static/js/recording.js"' in page and "<script>" not in page
    status = client.get(f"/recordings/{recording.id}/status").get_json()
    assert status == {"status": "done", "progress": 100, "error": None, "note": "",
                      "finished": True, "has_transcript": True}


def test_upload_form_shows_errors_next_to_the_file(client, auth, recordings_dir: Path,
                                                   tmp_path: Path) -> None:
    w = world()
    row = session(w.engagement)
    _login_coach(auth, w)
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all\n" * 40)
    response = _post_file(client, f"/recordings/sessions/{row.id}", text, "notes.mp3")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="file-error"' in page
    assert list(recordings_dir.iterdir()) == []
    empty = post_form(client, f"/recordings/sessions/{row.id}", {},
                      content_type="multipart/form-data")
    assert empty.status_code == 400 and "Choose a file." in empty.get_data(as_text=True)


def test_session_page_explains_missing_consent_and_hides_the_form(
        client, auth, recordings_dir: Path) -> None:
    w = world(with_consent=False)
    row = session(w.engagement)
    _login_coach(auth, w)
    page = client.get(f"/recordings/sessions/{row.id}").get_data(as_text=True)
    assert "has not given consent" in page and 'type="file"' not in page
    response = _post_file(client, f"/recordings/sessions/{row.id}", sample(JFK), "a.flac")
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recording)) == 0


def test_stored_recording_page_says_why_it_is_not_transcribed(client, auth,
                                                              recordings_dir: Path) -> None:
    w = world(transcribe=False)
    row = session(w.engagement)
    recording = stored_recording(row, w.consent, recordings_dir, source=sample(JFK),
                                 status="stored", transcript=False)
    _login_coach(auth, w)
    page = client.get(f"/recordings/sessions/{row.id}").get_data(as_text=True)
    assert "does not cover transcription" in page
    page = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert "stored but not transcribed" in page and "does not cover transcribing" in page


def test_failed_transcription_shows_the_reason_and_retry_requeues(
        client, auth, recordings_dir: Path, failing_transcriber, monkeypatch) -> None:
    w = world()
    row = session(w.engagement)
    _login_coach(auth, w)
    _post_file(client, f"/recordings/sessions/{row.id}", sample(JFK), "a.flac")
    recording = db.session.scalar(sa.select(Recording))
    wait_for_job(recording.job_id)
    page = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert "The transcription failed" in page and "ran out of memory" in page
    assert "Try the transcription again" in page
    status = client.get(f"/recordings/{recording.id}/status").get_json()
    assert status["status"] == "failed" and "ran out of memory" in status["error"]

    from coachprog.recordings.transcription import jobs as recording_jobs
    from tests.recordings.recording_builders import FakeTranscriber

    monkeypatch.setattr(recording_jobs, "make_transcriber", lambda s: FakeTranscriber())
    response = post_form(client, f"/recordings/{recording.id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    wait_for_job(db.session.get(Recording, recording.id).job_id)  # a worker thread on Redis
    db.session.expire_all()
    assert db.session.get(Recording, recording.id).status == "done"
    # Retrying a finished recording without a failure is allowed; in flight it is refused.
    db.session.get(Recording, recording.id).status = "queued"
    db.session.commit()
    response = post_form(client, f"/recordings/{recording.id}/retry", follow_redirects=True)
    assert "already being transcribed" in response.get_data(as_text=True)


def test_in_flight_recording_page_polls_the_status_route(client, auth,
                                                         recordings_dir: Path) -> None:
    w = world()
    recording = stored_recording(session(w.engagement), w.consent, recordings_dir,
                                 source=sample(JFK), status="transcribing", transcript=False)
    recording.progress = 42
    _login_coach(auth, w)
    page = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert f'data-status-url="/recordings/{recording.id}/status"' in page
    assert 'data-finished="false"' in page and 'value="42"' in page
    status = client.get(f"/recordings/{recording.id}/status").get_json()
    assert status["progress"] == 42 and status["finished"] is False


# --- audio stream -----------------------------------------------------------------------------


@pytest.fixture
def playable(auth, recordings_dir: Path):
    w = world()
    recording = stored_recording(session(w.engagement), w.consent, recordings_dir,
                                 source=sample(JFK))
    _login_coach(auth, w)
    return recording, sample(JFK).read_bytes()


def test_audio_streams_whole_and_in_ranges(client, playable) -> None:
    recording, data = playable
    url = f"/recordings/{recording.id}/audio"
    whole = _get(client, url)
    assert whole.status_code == 200 and whole.data == data
    assert whole.headers["Content-Type"] == "audio/flac"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "no-store" in whole.headers["Cache-Control"]
    first = _get(client, url, headers={"Range": "bytes=0-99"})
    assert first.status_code == 206 and first.data == data[:100]
    assert first.headers["Content-Range"] == f"bytes 0-99/{len(data)}"
    # Seeking: the player asks for the rest from an offset.
    middle = len(data) // 2
    seek = _get(client, url, headers={"Range": f"bytes={middle}-"})
    assert seek.status_code == 206 and seek.data == data[middle:]
    assert seek.headers["Content-Range"] == f"bytes {middle}-{len(data) - 1}/{len(data)}"
    tail = _get(client, url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == data[-10:]
    beyond = _get(client, url, headers={"Range": f"bytes={len(data) + 10}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(data)}"
    # Every open is audited, ranges included.
    assert len(_opens("recording.audio_opened")) == 5


def test_audio_of_a_purged_recording_is_gone(client, playable, recordings_dir: Path) -> None:
    recording, _ = playable
    (recordings_dir / recording.storage_name).unlink()
    assert _get(client, f"/recordings/{recording.id}/audio").status_code == 404


# --- who may open what --------------------------------------------------------------------------


def test_permission_matrix_for_content_and_metadata(client, auth, recordings_dir: Path,
                                                    monkeypatch) -> None:
    w = world()
    recording = stored_recording(session(w.engagement), w.consent, recordings_dir,
                                 source=sample(JFK))
    supervisor = supervisor_of(w.coach, Role.MASTER_COACH)
    auditor = UserFactory(roles=[Role.RATER])
    monkeypatch.setattr(recording_permissions, "AUDITOR_SOURCES",
                        [lambda coach_id: [auditor.id] if coach_id == w.coach.id else []])
    people = {
        "coach": (w.coach_user, 200, 200),
        "supervisor": (supervisor, 200, 200),
        "auditor": (auditor, 200, 200),
        "admin": (UserFactory(roles=[Role.ADMIN]), 200, 403),
        "sponsor": (UserFactory(roles=[Role.SPONSOR]), 403, 403),
        "coach's manager": (UserFactory(roles=[Role.MANAGER, Role.LEAD_COACH],
                                        person_id=w.coach.manager_id), 403, 403),
        "other coach": (UserFactory(roles=[Role.COACH]), 403, 403),
    }
    db.session.commit()
    for label, (user, metadata, content) in people.items():
        auth.login(user.email)
        got = (client.get(f"/recordings/{recording.id}").status_code,
               client.get(f"/recordings/{recording.id}/status").status_code,
               client.get(f"/recordings/sessions/{recording.session_id}").status_code,
               _get(client, f"/recordings/{recording.id}/audio").status_code)
        assert got == (metadata, metadata, metadata, content), label
        page = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
        if metadata == 200:
            assert ("/audio" in page) == (content == 200), label
        auth.logout()
    assert sorted(e.actor_id for e in _opens("recording.audio_opened")) == sorted(
        [w.coach_user.id, supervisor.id, auditor.id])


def test_admin_list_shows_metadata_without_content_links(client, auth,
                                                         recordings_dir: Path) -> None:
    w = world()
    recording = stored_recording(session(w.engagement), w.consent, recordings_dir,
                                 source=sample(JFK))
    auth.login_as("admin")
    page = client.get("/recordings/").get_data(as_text=True)
    assert f"/recordings/{recording.id}" in page and "/audio" not in page
    page = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert "only the coach, their supervisors and assigned auditors" in page
    assert "Supervisor assignments" in client.get("/recordings/").get_data(as_text=True)


def test_transcript_link_only_when_the_review_page_exists(client, auth, app,
                                                          recordings_dir: Path) -> None:
    w = world()
    recording = stored_recording(session(w.engagement), w.consent, recordings_dir,
                                 source=sample(JFK))
    _login_coach(auth, w)
    page = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    exists = "transcripts.view_transcript" in app.view_functions
    assert ("Read the transcript" in page) == exists


# --- supervisors page ---------------------------------------------------------------------


def test_admin_assigns_and_removes_a_supervisor(client, auth) -> None:
    w = world()
    lead = UserFactory(roles=[Role.LEAD_COACH], display_name="Lena Lead")
    db.session.commit()
    auth.login_as("admin")
    page = client.get("/recordings/supervisors").get_data(as_text=True)
    assert "Cora Coach" in page and "Lena Lead" in page
    bad = post_form(client, "/recordings/supervisors", {"coach_person_id": "",
                                                        "supervisor_user_id": ""})
    assert bad.status_code == 400 and "Choose an appointed coach." in bad.get_data(as_text=True)
    response = post_form(client, "/recordings/supervisors",
                         {"coach_person_id": str(w.coach.id), "supervisor_user_id": str(lead.id)})
    assert response.status_code == 302
    page = client.get("/recordings/supervisors").get_data(as_text=True)
    match = re.search(r'action="/recordings/supervisors/(\d+)/remove"', page)
    assert match
    # Removing is irreversible: a danger-styled button that asks first (issue 21).
    button = re.search(r'<input[^>]*value="Remove"[^>]*>', page)
    assert button and 'class="button danger"' in button.group(0)
    assert 'data-confirm="Remove Lena Lead as supervisor of Cora Coach?' in button.group(0)
    assert post_form(client, match.group(0)[8:-1]).status_code == 302
    assert "No supervisor is assigned yet." in client.get(
        "/recordings/supervisors").get_data(as_text=True)


def test_non_admins_cannot_post_supervisors_or_upload_elsewhere(client, auth,
                                                               recordings_dir: Path) -> None:
    w = world()
    row = session(w.engagement)
    auth.login_as("lead_coach")
    assert post_form(client, "/recordings/supervisors", {}).status_code == 403
    response = _post_file(client, f"/recordings/sessions/{row.id}", sample(JFK), "a.flac")
    assert response.status_code == 403
    assert post_form(client, f"/recordings/engagements/{w.engagement.id}/sessions/new",
                     {"session_date": "2025-05-02", "duration_minutes": "45"}).status_code == 403


def test_recordings_have_their_own_upload_limit_not_the_import_limit(
        app, client, auth, recordings_dir: Path, monkeypatch) -> None:
    # The app-wide limit is sized for CSV imports; a recording above it is still accepted.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 256 * 1024)
    w = world(transcribe=False)
    row = session(w.engagement)
    _login_coach(auth, w)
    response = _post_file(client, f"/recordings/sessions/{row.id}", sample(JFK), "big.flac")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db.session.scalar(sa.select(Recording.size_bytes)) == sample(JFK).stat().st_size


def _encode(path: Path, container: str, codec: str) -> Path:
    """Two seconds of a tone in the given container and codec (PyAV, as the browser or a
    meeting tool would have produced it)."""
    import av
    import numpy as np

    rate = 48000
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        tone = (np.sin(2 * np.pi * 440 * np.arange(rate * 2) / rate) * 0.3).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


@pytest.mark.parametrize(("name", "container", "codec", "mimetype"), [
    ("s.mp3", "mp3", "libmp3lame", "audio/mpeg"),
    ("s.m4a", "ipod", "aac", "audio/mp4"),
    ("s.ogg", "ogg", "libopus", "audio/ogg"),
    ("s.webm", "webm", "libopus", "audio/webm"),
], ids=["mp3", "m4a", "ogg-opus", "webm"])
def test_each_accepted_format_uploads_and_streams_with_its_type(
        client, auth, recordings_dir: Path, tmp_path: Path, name: str, container: str,
        codec: str, mimetype: str) -> None:
    w = world(transcribe=False)
    row = session(w.engagement)
    _login_coach(auth, w)
    source = _encode(tmp_path / name, container, codec)
    assert _post_file(client, f"/recordings/sessions/{row.id}", source, name).status_code == 302
    recording = db.session.scalar(sa.select(Recording))
    assert 1.9 < recording.duration_seconds < 2.1
    audio = _get(client, f"/recordings/{recording.id}/audio")
    assert audio.status_code == 200 and audio.mimetype == mimetype
    assert audio.data == source.read_bytes()


def test_supervisor_page_pages_and_searches(client, auth, app, monkeypatch) -> None:
    from coachprog.recordings import supervision as recording_supervision

    w = world()
    lead = UserFactory(roles=[Role.LEAD_COACH], display_name="Lena Lead")
    other = UserFactory(roles=[Role.MASTER_COACH], display_name="Mona Master")
    admin = UserFactory(roles=[Role.ADMIN])
    recording_supervision.assign_supervisor(admin, coach_person_id=w.coach.id,
                                         supervisor_user_id=lead.id)
    recording_supervision.assign_supervisor(admin, coach_person_id=w.coach.id,
                                         supervisor_user_id=other.id)
    db.session.commit()
    monkeypatch.setitem(app.config, "COACHPROG_PAGE_SIZE", 1)
    auth.login_as("admin")
    first = client.get("/recordings/supervisors").get_data(as_text=True)
    assert "1–1 of 2" in first and first.count("/remove\"") == 1
    second = client.get("/recordings/supervisors?page=2").get_data(as_text=True)
    assert "2–2 of 2" in second and second.count("/remove\"") == 1
    found = client.get("/recordings/supervisors?q=mona").get_data(as_text=True)
    assert "1–1 of 1" in found and "Mona Master (" in found
    # The coach choices follow the search too.
    option = f'value="{w.coach.id}">{w.coach.name} ({w.coach.email})</option>'
    assert option not in found
    none = client.get("/recordings/supervisors?q=nobody%25").get_data(as_text=True)
    assert "No assignment matches" in none and "No appointed coach matches" in none
    named = client.get(f"/recordings/supervisors?q={w.coach.name.split()[0]}").get_data(
        as_text=True)
    assert option in named
