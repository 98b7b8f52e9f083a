"""Blind listeners hear a tag-free copy (issue 19): the original WAV carries the coachee's name
in its LIST/INFO chunk; a blind rater or an auditor gets a re-encoded PCM WAV with only the
RIFF, fmt and data chunks, Range requests still answered, and the copy is deleted with the
audio when the consent is withdrawn."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.recordings import storage
from coachprog.recordings.models import Recording
from coachprog.recordings.retention.purge import purge_consent
from coachprog.recordings.transcription.audio import write_plain_wav
from coachprog.roles import Role
from tests.assessments.builders import assessment, rater
from tests.conftest import Auth
from tests.recordings.recording_builders import session, stored_recording, supervisor_of, world

NAME = b"Yara Yilmaz"


def _chunk(tag: bytes, body: bytes) -> bytes:
    return tag + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")


def tagged_wav(path: Path, *, seconds: float = 1.0, rate: int = 44_100) -> Path:
    """A stereo 16-bit WAV of a tone whose LIST/INFO chunk names the coachee (INAM, IART)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = bytearray()
        for i in range(int(seconds * rate)):
            value = int(8000 * math.sin(2 * math.pi * 440 * i / rate))
            frames += struct.pack("<hh", value, value)
        out.writeframes(bytes(frames))
    plain = buffer.getvalue()
    info = b"INFO" + _chunk(b"INAM", NAME + b" session 3\0") + _chunk(b"IART", NAME + b"\0")
    body = plain[12:] + _chunk(b"LIST", info)
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    return path


def chunk_ids(data: bytes) -> list[bytes]:
    """The top-level chunk ids of a RIFF/WAVE file."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    ids, position = [], 12
    while position + 8 <= len(data):
        tag, size = data[position:position + 4], struct.unpack("<I", data[position + 4:
                                                                         position + 8])[0]
        ids.append(tag)
        position += 8 + size + (size % 2)
    return ids


def test_write_plain_wav_keeps_the_sound_and_drops_every_tag(tmp_path: Path) -> None:
    source = tagged_wav(tmp_path / "tagged.wav")
    assert NAME in source.read_bytes() and b"LIST" in chunk_ids(source.read_bytes())
    target = tmp_path / "plain.wav"
    write_plain_wav(source, target)
    data = target.read_bytes()
    assert NAME not in data
    assert chunk_ids(data) == [b"fmt ", b"data"]
    with wave.open(str(target), "rb") as out:
        assert out.getnchannels() == 2
        assert out.getframerate() == 24_000  # capped for speech
        assert out.getnframes() == pytest.approx(24_000, abs=64)


def _scene(folder: Path, tmp_path: Path):
    w = world()
    assert w.consent is not None
    recording = stored_recording(session(w.engagement), w.consent, folder,
                                 source=tagged_wav(tmp_path / "named.wav"))
    recording.container, recording.codec = "wav", "pcm_s16le"
    row = assessment(blind=True)
    row.evidence.recording_id = recording.id
    stranger = rater()
    from coachprog.assessments import services

    services.assign_rater(SystemActor("tests"), row, stranger.id)
    db.session.commit()
    return w, recording, stranger


def test_a_blind_rater_streams_a_copy_without_the_name_and_can_seek(
        client: FlaskClient, auth: Auth, recordings_dir: Path, tmp_path: Path) -> None:
    w, recording, stranger = _scene(recordings_dir, tmp_path)
    assert auth.login(stranger.email).status_code == 302
    with client.get(f"/recordings/{recording.id}/audio") as response:
        assert response.status_code == 200
        assert response.mimetype == "audio/wav"
        data = response.get_data()
    assert NAME not in data
    assert chunk_ids(data) == [b"fmt ", b"data"]
    with client.get(f"/recordings/{recording.id}/audio",
                    headers={"Range": "bytes=100-199"}) as part:
        assert part.status_code == 206
        assert part.get_data() == data[100:200]
    copy = recordings_dir / storage.plain_copy_name(recording.storage_name)
    assert copy.is_file()  # kept in the recordings store beside the original
    # The coach (not blind) still gets the original upload, tags and all.
    auth.logout()
    assert auth.login(w.coach_user.email).status_code == 302
    with client.get(f"/recordings/{recording.id}/audio") as original:
        assert NAME in original.get_data()
    # Withdrawal deletes the copy with the original.
    assert w.consent is not None
    purge_consent(SystemActor("tests"), w.consent, via="admin", reason="Asked to.")
    db.session.commit()
    assert not copy.exists()
    assert db.session.get(Recording, recording.id) is None or \
        db.session.get(Recording, recording.id).storage_name is None


def test_a_supervisor_hears_the_original_but_a_missing_original_is_404_for_the_blind(
        client: FlaskClient, auth: Auth, recordings_dir: Path, tmp_path: Path) -> None:
    w, recording, stranger = _scene(recordings_dir, tmp_path)
    lead = supervisor_of(w.coach, Role.LEAD_COACH)
    db.session.commit()
    assert auth.login(lead.email).status_code == 302
    with client.get(f"/recordings/{recording.id}/audio") as original:
        assert original.status_code == 200 and NAME in original.get_data()
    auth.logout()
    (recordings_dir / recording.storage_name).unlink()
    assert auth.login(stranger.email).status_code == 302
    assert client.get(f"/recordings/{recording.id}/audio").status_code == 404
    assert not (recordings_dir / storage.plain_copy_name(recording.storage_name)).exists()
