"""Objects the consent tests need: consent texts, engagements with a coachee who has an
account, consents, recordings with a real audio file on disk, transcripts with segments,
edits and citations, and assessments of a recording with marks and notes. Everything is
flushed; the test commits. The `matrix_*` functions set up the access matrix (they commit)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from coachprog.assessments.models import Assessment, EvidenceItem, Mark, RaterAssignment
from coachprog.auth.models import User
from coachprog.authority import SystemActor
from coachprog.coaching.models import Engagement
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.recordings.consent import services
from coachprog.recordings.models import (
    CoacheeConsent,
    CoachingSession,
    ConsentText,
    MarkCitation,
    Recording,
    SegmentEdit,
    SensitiveFlag,
    Transcript,
    TranscriptSegment,
)
from tests.assessments.builders import rubric_version
from tests.coaching.builders import engagement as make_engagement
from tests.coaching.builders import ready_coach
from tests.factories import PersonFactory, UserFactory

SYSTEM = SystemActor("test")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SEGMENT_TEXTS = ("I feel stuck with my new team.", "What would unstuck look like?",
                 "Honestly I have been sleeping badly.")


def consent_text(version: str = "v1", *, title: str = "Recorded sessions consent",
                 body: str = "We record sessions to train coaches.",
                 retired: bool = False) -> ConsentText:
    row = ConsentText(version=version, title=title, body=body,
                      retired_at=datetime(2025, 1, 1, tzinfo=UTC) if retired else None)
    db.session.add(row)
    db.session.flush()
    return row


def engagement(*, status: str = "active") -> Engagement:
    coachee: Person = PersonFactory()
    return make_engagement(ready_coach(), coachee, status=status)


def coachee_user(eng: Engagement) -> Any:
    return UserFactory(roles=[], person_id=eng.coachee_person_id)


def consent(eng: Engagement, scopes: Iterable[str] = ("record", "transcribe"),
            text: ConsentText | None = None) -> services.RecordedConsent:
    """A consent given in the app (recorded as the system, so any test can make one)."""
    text = text or db.session.query(ConsentText).filter_by(retired_at=None).first() \
        or consent_text()
    return services.record_consent(SYSTEM, eng.id, consent_text_id=text.id,
                                   scopes=set(scopes), method="in_app")


def coaching_session(eng: Engagement) -> CoachingSession:
    row = CoachingSession(engagement_id=eng.id, session_date=date(2025, 5, 2),
                          duration_minutes=45)
    db.session.add(row)
    db.session.flush()
    return row


def recordings_dir() -> Path:
    """The local recordings folder: the one these tests configure (conftest), else the
    instance's, as the storage interface decides."""
    from coachprog.storage import LocalStorage, store_for

    store = store_for("recordings")
    assert isinstance(store, LocalStorage), "these builders write local files"
    return store.root


def recording(given: CoacheeConsent, *, uploaded_at: datetime | None = None,
              audio: bytes = b"RIFF....WAVEfmt fake audio bytes") -> Recording:
    """A recording row with a real file under the configured recordings folder."""
    folder = recordings_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + ".wav"
    (folder / name).write_bytes(audio)
    row = Recording(session_id=coaching_session(given.engagement).id, consent_id=given.id,
                    storage_name=name, original_name="session.wav", size_bytes=len(audio),
                    duration_seconds=12.5, container="wav", codec="pcm_s16le", channels=1,
                    sample_rate=16000, status="done", progress=100)
    if uploaded_at is not None:
        row.uploaded_at = uploaded_at
    db.session.add(row)
    db.session.flush()
    return row


def file_of(row: Recording) -> Path:
    assert row.storage_name
    return recordings_dir() / row.storage_name


def transcript(row: Recording) -> Transcript:
    """A transcript with three segments, a reviewer's edit, and a sensitive-topic flag."""
    made = Transcript(recording_id=row.id, model_name="tiny.en", model_version="test",
                      parameters={"beam_size": 1})
    db.session.add(made)
    db.session.flush()
    for position, text in enumerate(SEGMENT_TEXTS):
        db.session.add(TranscriptSegment(transcript_id=made.id, position=position,
                                         start_seconds=position * 4.0,
                                         end_seconds=position * 4.0 + 3.5, text=text,
                                         speaker="coachee" if position != 1 else "coach"))
    db.session.flush()
    first = made.segments[0]
    db.session.add(SegmentEdit(segment_id=first.id, old_text="I feel stuck with my team.",
                               new_text=first.text, old_speaker="unknown",
                               new_speaker="coachee"))
    db.session.add(SensitiveFlag(recording_id=row.id, category="mental_health",
                                 terms=["sleeping badly"], segment_positions=[2]))
    db.session.flush()
    return made


NOTE = "Reflected 'stuck with my new team' back at 00:04 — strong listening."


def scored_assessment(row: Recording, *, closed_at: datetime | None = None,
                      cite: Transcript | None = None) -> Assessment:
    """An assessment of the recording with one rater's marks and notes (citing a segment)."""
    item = EvidenceItem(title="Session 2 recording", recording_id=row.id)
    db.session.add(item)
    db.session.flush()
    made = Assessment(evidence_item_id=item.id, rubric_version_id=rubric_version_row().id,
                      title="Session review", subject_pseudonym="Coach A1",
                      status="closed" if closed_at else "open", closed_at=closed_at)
    db.session.add(made)
    db.session.flush()
    scorer: User = UserFactory()
    assignment = RaterAssignment(assessment_id=made.id, rater_id=scorer.id,
                                 role="rater", status="submitted")
    db.session.add(assignment)
    db.session.flush()
    for behaviour, value in (("reflects", 4), ("silence", 1), ("no-advice", 1)):
        db.session.add(Mark(assignment_id=assignment.id, behaviour_id=behaviour, value=value,
                            note=NOTE if behaviour == "reflects" else "Quiet at 00:08"))
    db.session.flush()
    if cite is not None:
        mark = db.session.query(Mark).filter_by(assignment_id=assignment.id,
                                                behaviour_id="reflects").one()
        db.session.add(MarkCitation(mark_id=mark.id, segment_id=cite.segments[0].id))
        db.session.flush()
    return made


def rubric_version_row() -> Any:
    from coachprog.rubrics.models import RubricVersion

    return db.session.query(RubricVersion).filter_by(rubric_key="test-review").first() \
        or rubric_version()


# --- for the access matrix (setup functions return URL parts) ----------------------------------


def matrix_text() -> dict[str, Any]:
    row = consent_text("matrix-v1")
    db.session.commit()
    return {"text_id": row.id}


def matrix_engagement() -> dict[str, Any]:
    eng = engagement()
    consent_text("matrix-v1")
    db.session.commit()
    return {"engagement_id": eng.id}


def matrix_signed_consent() -> dict[str, Any]:
    """A consent recorded from a signed form (so there is a file to download)."""
    import io

    eng = engagement()
    text = consent_text("matrix-v1")
    given = services.record_consent(
        SYSTEM, eng.id, consent_text_id=text.id, scopes={"record"}, method="signed_form",
        signed_form=services.SignedForm("signed.pdf", io.BytesIO(PDF)))
    db.session.commit()
    return {"engagement_id": eng.id, "consent_id": given.consent.id,
            "token": given.withdrawal_token}
