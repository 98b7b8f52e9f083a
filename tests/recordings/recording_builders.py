"""Objects the recordings-workflow tests need: a coach with an account, a coachee, an
engagement, consent rows (created directly), sessions, recordings; the real sample audio; bad
files; and a fake transcriber that implements the engine's Transcriber protocol.

Everything is flushed; the test commits. The `matrix_*` functions set up the access matrix
(they commit).
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask

from coachprog.auth.models import User
from coachprog.coaching.models import Engagement, SupervisorAssignment
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.recordings.models import (
    CoacheeConsent,
    CoachingSession,
    ConsentText,
    Recording,
    Transcript,
    TranscriptSegment,
)
from coachprog.recordings.transcription import jobs as recording_jobs
from coachprog.recordings.transcription.engine import RawSegment
from coachprog.roles import Role
from tests.coaching.builders import engagement as make_engagement
from tests.coaching.builders import ready_coach
from tests.factories import PersonFactory, UserFactory

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "audio"
JFK = "fw_jfk.flac"
WAV = "librivox_sense_and_sensibility_01_0870.wav"


def sample(name: str = JFK) -> Path:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"sample audio {name} is not in ../shared/samples/audio (clone the shared "
                    "folder beside the repository)")
    return path.resolve()


# --- fake transcriber ---------------------------------------------------------------------------


class FakeTranscriber:
    """Implements transcription.Transcriber: one segment per chunk it is handed, saying which
    chunk it was. `on_call(n)` runs before the n-th call (1-based): raise, or kill the process."""

    model_name = "fake-whisper"
    model_version = "test-1"

    def __init__(self, on_call: Callable[[int], None] | None = None) -> None:
        self.parameters: dict[str, Any] = {"beam_size": 1, "vad_filter": True}
        self.calls = 0
        self.on_call = on_call

    def transcribe(self, samples: np.ndarray, *, offset_seconds: float) -> list[RawSegment]:
        self.calls += 1
        if self.on_call is not None:
            self.on_call(self.calls)
        seconds = len(samples) / 16000
        return [RawSegment(start=offset_seconds, end=offset_seconds + seconds,
                           text=f" chunk {self.calls} words ", avg_logprob=-0.1)]


@pytest.fixture
def fake_transcriber(monkeypatch: pytest.MonkeyPatch) -> list[FakeTranscriber]:
    """Every transcription job in the test uses a FakeTranscriber; the list holds them."""
    made: list[FakeTranscriber] = []

    def make(settings: Any) -> FakeTranscriber:
        made.append(FakeTranscriber())
        return made[-1]

    monkeypatch.setattr(recording_jobs, "make_transcriber", make)
    return made


@pytest.fixture
def failing_transcriber(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(call: int) -> None:
        raise RuntimeError("the model ran out of memory")

    monkeypatch.setattr(recording_jobs, "make_transcriber",
                        lambda settings: FakeTranscriber(on_call=explode))


@pytest.fixture
def recordings_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "recordings"
    monkeypatch.setitem(app.config, "COACHPROG_RECORDINGS_DIR", str(folder))
    return folder


# --- rows ----------------------------------------------------------------------------------------


@dataclass
class World:
    coach: Person
    coach_user: User
    coachee: Person
    engagement: Engagement
    consent: CoacheeConsent | None


def consent(engagement: Engagement, *, record: bool = True, transcribe: bool = True,
            supervisor_review: bool = True, audit: bool = True,
            withdrawn: bool = False) -> CoacheeConsent:
    text = db.session.query(ConsentText).filter_by(version="v-test").one_or_none()
    if text is None:
        text = ConsentText(version="v-test", title="Recording consent",
                           body="I agree that my sessions are recorded.")
        db.session.add(text)
        db.session.flush()
    row = CoacheeConsent(
        coachee_person_id=engagement.coachee_person_id, engagement_id=engagement.id,
        consent_text_id=text.id, method="in_app", scope_record=record,
        scope_transcribe=transcribe, scope_supervisor_review=supervisor_review,
        scope_audit=audit,
        withdrawal_token_hash=secrets.token_hex(32))
    if withdrawn:
        from coachprog.db import utcnow

        row.withdrawn_at = utcnow()
        row.withdrawal_via = "admin"
    db.session.add(row)
    db.session.flush()
    return row


def world(*, with_consent: bool = True, **consent_scope: Any) -> World:
    coach = ready_coach(name="Cora Coach")
    coach_user = UserFactory(roles=[Role.COACH], person_id=coach.id)
    coachee = PersonFactory(name="Eli Coachee")
    row = make_engagement(coach, coachee)
    given = consent(row, **consent_scope) if with_consent else None
    return World(coach, coach_user, coachee, row, given)


def session(engagement: Engagement, when: date = date(2025, 5, 2)) -> CoachingSession:
    row = CoachingSession(engagement_id=engagement.id, session_date=when, duration_minutes=45)
    db.session.add(row)
    db.session.flush()
    return row


def supervisor_of(coach: Person, role: Role = Role.LEAD_COACH, **fields: Any) -> User:
    user = UserFactory(roles=[role], **fields)
    db.session.add(SupervisorAssignment(coach_person_id=coach.id, supervisor_user_id=user.id))
    db.session.flush()
    return user


def stored_recording(session_row: CoachingSession, consent_row: CoacheeConsent, folder: Path,
                     *, source: Path | None = None, status: str = "done",
                     transcript: bool = True) -> Recording:
    """A recording as if uploaded and transcribed (file copied into the folder)."""
    name = secrets.token_hex(16)
    size = 0
    if source is not None:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / name)
        size = (folder / name).stat().st_size
    row = Recording(session_id=session_row.id, consent_id=consent_row.id, storage_name=name,
                    original_name="session.flac", size_bytes=size, duration_seconds=11.0,
                    container="flac", codec="flac", channels=2, sample_rate=44100,
                    status=status, progress=100 if status == "done" else 0, error="")
    db.session.add(row)
    db.session.flush()
    if transcript:
        text = Transcript(recording_id=row.id, model_name="fake-whisper", model_version="1",
                          parameters={"beam_size": 1})
        db.session.add(text)
        db.session.flush()
        db.session.add(TranscriptSegment(transcript_id=text.id, position=0, start_seconds=0.0,
                                         end_seconds=4.5, text="And so my fellow Americans",
                                         speaker="coach", confidence=0.9))
        db.session.flush()
    return row


# --- for the access matrix ------------------------------------------------------------------


def matrix_engagement() -> dict[str, Any]:
    w = world()
    db.session.commit()
    return {"engagement_id": w.engagement.id}


def matrix_recording() -> dict[str, Any]:
    w = world()
    assert w.consent is not None
    row = session(w.engagement)
    recording = stored_recording(row, w.consent, Path("/nonexistent"), status="failed")
    db.session.commit()
    return {"session_id": row.id, "recording_id": recording.id}


def matrix_supervision() -> dict[str, Any]:
    coach = ready_coach()
    supervisor = UserFactory(roles=[Role.LEAD_COACH])
    assignment = SupervisorAssignment(coach_person_id=coach.id, supervisor_user_id=supervisor.id)
    db.session.add(assignment)
    db.session.commit()
    return {"assignment_id": assignment.id}
