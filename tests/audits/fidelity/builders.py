"""Coaches with transcribed sessions for the fidelity tests (flushed; the test commits)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from coachprog.extensions import db
from coachprog.recordings.models import Transcript, TranscriptSegment
from coachprog.roles import Role
from tests.recordings.recording_builders import (
    World,
    session,
    stored_recording,
    supervisor_of,
    world,
)

# A coach who listens: questions and reflections.
LISTENING = [
    ("coach", "What would you like to focus on today?"),
    ("coachee", "I keep missing deadlines and my team is frustrated."),
    ("coach", "It sounds like the deadlines are weighing on you."),
    ("coachee", "Yes, a lot."),
    ("coach", "How have you handled that so far?"),
    ("coachee", "Mostly by working late."),
    ("coach", "So you carry it alone at the moment."),
]
# A coach who advises.
ADVISING = [
    ("coach", "You should block two hours every morning for deep work."),
    ("coachee", "I could try that."),
    ("coach", "Have you tried telling your manager the plan is unrealistic?"),
    ("coachee", "Not really."),
    ("coach", "I recommend a weekly planning meeting with the whole team."),
    ("coachee", "Okay."),
    ("coach", "Make a list tonight and send it to them first thing tomorrow."),
]


def transcribed_session(w: World, segments: list[tuple[str, str]], when: date) -> Any:
    """A coaching session on `when` with a finished recording whose transcript says `segments`
    (speaker, text), two seconds per segment."""
    assert w.consent is not None
    row = session(w.engagement, when)
    recording = stored_recording(row, w.consent, Path("/nonexistent"), transcript=False)
    transcript = Transcript(recording_id=recording.id, model_name="fake", model_version="1",
                            parameters={})
    db.session.add(transcript)
    db.session.flush()
    for i, (speaker, text) in enumerate(segments):
        db.session.add(TranscriptSegment(transcript_id=transcript.id, position=i,
                                         start_seconds=2.0 * i, end_seconds=2.0 * i + 2.0,
                                         text=text, speaker=speaker, confidence=0.9))
    db.session.flush()
    return row


def coach_with_sessions(kinds: str, start: date = date(2026, 9, 1), **consent: Any) -> World:
    """`kinds` like "LLAA": one session a week, L listening, A advising."""
    w = world(**consent)
    for i, kind in enumerate(kinds):
        transcribed_session(w, LISTENING if kind == "L" else ADVISING,
                            start + timedelta(days=7 * i))
    return w


def matrix_coach() -> dict[str, Any]:
    """A coach with two advising sessions (so an open flag); the matrix user has no relation."""
    from coachprog.audits.fidelity import services as fidelity_services

    w = coach_with_sessions("AA")
    supervisor_of(w.coach, Role.LEAD_COACH)
    fidelity_services.refresh_coach(w.coach.id)
    from coachprog.audits.fidelity.models import FidelityDriftFlag

    flag = db.session.query(FidelityDriftFlag).filter_by(coach_person_id=w.coach.id).one()
    db.session.commit()
    return {"coach_person_id": w.coach.id, "flag_id": flag.id}
