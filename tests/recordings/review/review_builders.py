"""Objects the transcript-review tests need: a recording with a multi-speaker transcript that
names the coachee, its supervisor, a flag, and the access-matrix setup."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coachprog.auth.models import User
from coachprog.extensions import db
from coachprog.recordings.models import Recording, SensitiveFlag, TranscriptSegment
from coachprog.roles import Role
from tests.recordings.recording_builders import (
    JFK,
    World,
    sample,
    session,
    stored_recording,
    world,
)

# (start seconds, speaker, text); the first segment comes from stored_recording.
SEGMENTS = [
    (4.5, "coach", "Eli, what would you like to talk about today?"),
    (9.0, "coachee", "My manager keeps bullying me in meetings."),
    (15.2, "coachee", "Honestly I feel like I can't go on like this."),
    (65.0, "coach", "That sounds hard, Eli Coachee. What support do you have?"),
    (70.0, "speaker_2", "Background noise from the hallway."),
]


# A line of a recorded session that names the coach and the coachee: what a blind rater must
# never read.
NAMED = "Eli, tell me what Cora Coach said last week."


def recording_naming_them(w: World, folder: Path, *, transcribed: bool = True) -> Recording:
    """A stored recording (the JFK sample) of a new session of `w`'s engagement; transcribed,
    its transcript says NAMED from 5 to 9 seconds."""
    assert w.consent is not None
    recording = stored_recording(session(w.engagement), w.consent, folder, source=sample(JFK),
                                 transcript=transcribed)
    if transcribed:
        assert recording.transcript is not None
        db.session.add(TranscriptSegment(transcript_id=recording.transcript.id, position=1,
                                         start_seconds=5.0, end_seconds=9.0, text=NAMED,
                                         speaker="coach"))
        db.session.flush()
        db.session.refresh(recording.transcript)
    return recording


@dataclass
class Reviewed:
    world: World
    recording: Recording

    @property
    def segments(self) -> list[TranscriptSegment]:
        assert self.recording.transcript is not None
        return list(self.recording.transcript.segments)


def reviewed_recording(folder: Path = Path("/nonexistent")) -> Reviewed:
    w = world()
    assert w.consent is not None
    recording = stored_recording(session(w.engagement), w.consent, folder)
    assert recording.transcript is not None
    for position, (start, speaker, text) in enumerate(SEGMENTS, start=1):
        db.session.add(TranscriptSegment(transcript_id=recording.transcript.id,
                                         position=position, start_seconds=start,
                                         end_seconds=start + 4, text=text, speaker=speaker,
                                         confidence=0.8))
    db.session.flush()
    db.session.expire(recording.transcript, ["segments"])
    return Reviewed(w, recording)


def master_supervisor(coach_person_id: int, **fields: Any) -> User:
    from coachprog.coaching.models import SupervisorAssignment
    from tests.factories import UserFactory

    user = UserFactory(roles=[Role.MASTER_COACH], **fields)
    db.session.add(SupervisorAssignment(coach_person_id=coach_person_id,
                                        supervisor_user_id=user.id))
    db.session.flush()
    return user


def open_flag(recording: Recording) -> SensitiveFlag:
    flag = SensitiveFlag(recording_id=recording.id, category="harassment", terms=["bullying"],
                         segment_positions=[2], status="open")
    db.session.add(flag)
    db.session.flush()
    return flag


def matrix_transcript() -> dict[str, Any]:
    r = reviewed_recording()
    flag = open_flag(r.recording)
    db.session.commit()
    return {"recording_id": r.recording.id, "segment_id": r.segments[1].id, "flag_id": flag.id}
