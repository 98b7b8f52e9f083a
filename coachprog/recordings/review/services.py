"""Transcript review use cases: the transcript page (with search), reviewers' corrections and
their history, the ICF-layout export with the coachee's name redacted, and sensitive-topic
flags for the coach's master coach.

Reading goes through `services.get_transcript`, which checks the content relation and audits
the opening. Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from flask import current_app
from sqlalchemy.orm import selectinload

from coachprog.authority import SystemActor, can, require
from coachprog.coaching.models import Engagement
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.policy.guards import guard
from coachprog.recordings import services as recordings
from coachprog.recordings.models import (
    CoachingSession,
    Recording,
    SegmentEdit,
    SensitiveFlag,
    Transcript,
    TranscriptSegment,
)
from coachprog.recordings.permissions import flag_reviewed_coach_ids, prefetch_content_checks
from coachprog.recordings.review import sensitive
from coachprog.recordings.signals import sensitive_flag_raised

MAX_SEGMENT_CHARS = 2000
MAX_QUERY_CHARS = 200
MAX_NOTE_CHARS = 4000
DEFAULT_TERMS_FILE = (Path(__file__).resolve().parents[3] / "rubrics" / "sensitive-terms"
                      / "sensitive-terms.yaml")


# --- the transcript page -------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentView:
    segment: TranscriptSegment
    timestamp: str
    pieces: list[tuple[str, bool]]  # search highlighting; empty when not searching
    matches: bool


@dataclass(frozen=True)
class TranscriptPage:
    recording: Recording
    transcript: Transcript
    segments: list[SegmentView]
    query: str
    match_count: int
    can_edit: bool
    speakers: list[str]


def speaker_choices(transcript: Transcript) -> list[str]:
    """coach, coachee, unknown, and any channel label the transcriber already used."""
    present = [s.speaker for s in transcript.segments if s.speaker not in sensitive.BASE_SPEAKERS]
    return [*sensitive.BASE_SPEAKERS, *sorted(set(present))]


def transcript_page(actor: Any, recording_id: int, *, query: str = "") -> TranscriptPage:
    """The transcript with its segments (searched when a query is given); audited."""
    transcript = recordings.get_transcript(actor, recording_id)
    query = " ".join(query.split())[:MAX_QUERY_CHARS]
    views = []
    for segment in transcript.segments:
        pieces = sensitive.highlight(segment.text, query) if query else []
        views.append(SegmentView(segment, sensitive.timestamp(segment.start_seconds), pieces,
                                 bool(pieces)))
    return TranscriptPage(
        recording=transcript.recording, transcript=transcript, segments=views, query=query,
        match_count=sum(1 for view in views if view.matches),
        can_edit=can(actor, "can_edit_transcript", transcript),
        speakers=speaker_choices(transcript))


# --- corrections ---------------------------------------------------------------------------------


def edit_segment(actor: Any, recording_id: int, segment_id: int, *, text: str | None,
                 speaker: str | None) -> SegmentEdit | None:
    """Correct a segment's text and/or speaker; None when nothing changed. Writes the edit
    history row and an audit entry that carries no transcript text."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.transcript is None:
        raise NotFound("transcript")
    transcript = recording.transcript
    require(actor, "can_edit_transcript", transcript)
    segment = db.session.get(TranscriptSegment, segment_id)
    if segment is None or segment.transcript_id != transcript.id:
        raise NotFound("segment")
    new_text = " ".join((text or "").split())
    new_speaker = (speaker or "").strip()
    errors: dict[str, list[str]] = {}
    if not new_text:
        errors["text"] = ["Write what was said; a segment cannot be empty."]
    elif len(new_text) > MAX_SEGMENT_CHARS:
        errors["text"] = [f"A segment holds at most {MAX_SEGMENT_CHARS} characters "
                          f"({len(new_text)} given); split long speech across segments."]
    if new_speaker not in speaker_choices(transcript):
        errors["speaker"] = ["Choose coach, coachee, unknown or a label already in this "
                             "transcript."]
    if errors:
        raise DomainError("The correction was not saved: " + " ".join(
            message for messages in errors.values() for message in messages),
            field_errors=errors)
    if new_text == segment.text and new_speaker == segment.speaker:
        return None
    edit = SegmentEdit(segment_id=segment.id, editor_id=getattr(actor, "id", None),
                       old_text=segment.text, new_text=new_text, old_speaker=segment.speaker,
                       new_speaker=new_speaker, edited_at=utcnow())
    db.session.add(edit)
    segment.text, segment.speaker = new_text, new_speaker
    db.session.flush()
    if edit.old_text != edit.new_text:
        flag_sensitive_topics(recording, actor=actor)
    audit.record("recording.transcript_edited", actor=actor, object_type="recording",
                 object_id=recording.id,
                 detail={"segment_id": segment.id, "position": segment.position,
                         "text_changed": edit.old_text != edit.new_text,
                         "old_speaker": edit.old_speaker, "new_speaker": edit.new_speaker})
    return edit


# --- export --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscriptExport:
    recording_id: int
    header: list[str]
    turns: list[str]

    @property
    def text(self) -> str:
        return "\n".join([*self.header, "", *self.turns]) + "\n"

    def docx(self) -> bytes:
        from docx import Document

        document = Document()
        document.add_heading(self.header[0], level=1)
        for line in self.header[1:]:
            document.add_paragraph(line)
        for line in self.turns:
            document.add_paragraph(line)
        buffer = BytesIO()
        document.save(buffer)
        return buffer.getvalue()


@guard("transcripts.export_guard")
def export_transcript(actor: Any, recording_id: int, *, file_format: str) -> TranscriptExport:
    """The transcript in the ICF performance-evaluation layout, the coachee's name replaced by
    a pseudonym; audited (as an opening and as an export)."""
    transcript = recordings.get_transcript(actor, recording_id)
    recording = transcript.recording
    session = recording.session
    engagement = session.engagement
    header = sensitive.ExportHeader(
        recording_id=recording.id, session_date=session.session_date.isoformat(),
        session_minutes=session.duration_minutes, audio_seconds=recording.duration_seconds,
        coach_name=engagement.coach.name)
    lines = [sensitive.Line(s.start_seconds, s.speaker, s.text) for s in transcript.segments]
    head, body = sensitive.export_document(header, lines, [engagement.coachee.name])
    audit.record("recording.transcript_exported", actor=actor, object_type="recording",
                 object_id=recording.id, detail={"format": file_format, "turns": len(body)})
    return TranscriptExport(recording.id, head, body)


# --- sensitive topics ----------------------------------------------------------------------------


def terms_file() -> Path:
    return Path(current_app.config.get("COACHPROG_SENSITIVE_TERMS_FILE", DEFAULT_TERMS_FILE))


def load_terms(path: Path | None = None) -> dict[str, list[str]]:
    path = path or terms_file()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise sensitive.TermsInvalid(f"Cannot read the sensitive-terms file {path}: {error}") \
            from error
    return sensitive.parse_terms(data)


def flag_sensitive_topics(recording: Recording, terms: dict[str, list[str]] | None = None,
                          *, actor: Any = None) -> list[SensitiveFlag]:
    """Raise a flag per category whose phrases occur in the recording's transcript, for the
    coach's master coach to look at. Idempotent: an open flag of the category is brought up
    to date; a reviewed one gets a new open flag only when new phrases or segments match.
    Flags whose words have gone (after a correction) stay for the human to close. Returns the
    flags created or changed."""
    transcript = recording.transcript
    if transcript is None:
        return []
    found = sensitive.match_topics(terms if terms is not None else load_terms(),
                                   [(s.position, s.text) for s in transcript.segments])
    existing = list(db.session.scalars(sa.select(SensitiveFlag).where(
        SensitiveFlag.recording_id == recording.id).order_by(SensitiveFlag.id)))
    touched: list[SensitiveFlag] = []
    raised: list[SensitiveFlag] = []
    for category, match in sorted(found.items()):
        mine = [flag for flag in existing if flag.category == category]
        open_flag = next((flag for flag in mine if flag.status == "open"), None)
        if open_flag is not None:
            if (open_flag.terms, open_flag.segment_positions) != (match.terms, match.positions):
                open_flag.terms, open_flag.segment_positions = match.terms, match.positions
                touched.append(open_flag)
            continue
        seen_terms = {t for flag in mine for t in flag.terms}
        seen_positions = {p for flag in mine for p in flag.segment_positions}
        if mine and set(match.terms) <= seen_terms and set(match.positions) <= seen_positions:
            continue
        flag = SensitiveFlag(recording_id=recording.id, category=category, terms=match.terms,
                             segment_positions=match.positions, status="open",
                             raised_at=utcnow())
        db.session.add(flag)
        touched.append(flag)
        raised.append(flag)
    db.session.flush()
    for flag in raised:
        # Safeguarding turns a new flag into an escalation case (it subscribes; recordings
        # knows nothing of it). An updated open flag already has its case.
        sensitive_flag_raised.send(flag, flag=flag, recording=recording, actor=actor)
    if touched:
        audit.record("recording.sensitive_flags_raised",
                     actor=actor or SystemActor("sensitive-topics"), object_type="recording",
                     object_id=recording.id,
                     # Counts only: the audit log is read by admins with no relation to
                     # the session, and a category says what was said.
                     detail={"flags": len(touched)})
    return touched


@dataclass(frozen=True)
class FlagView:
    flag: SensitiveFlag
    recording: Recording
    segments: list[TranscriptSegment]
    # A master coach over the coach's lead coach sees the matched moments here, but opens
    # the whole transcript only with a content relation of their own.
    can_open_transcript: bool = False


def open_flag_count(actor: Any) -> int:
    """How many open flags wait for this master coach (a number, not content: not audited)."""
    if not can(actor, "can_review_sensitive_flags"):
        return 0
    return sum(1 for _, recording in _open_flags_of_reach(actor)
               if can(actor, "can_review_sensitive_flags", recording))


def _open_flags_of_reach(actor: Any) -> list[tuple[SensitiveFlag, Recording]]:
    """Open flags on sessions of coaches whose flags reach this master coach, with their
    recordings loaded for the per-flag check (which stays the authority) in a fixed number of
    queries."""
    rows = db.session.execute(
        sa.select(SensitiveFlag, Recording)
        .join(Recording, SensitiveFlag.recording_id == Recording.id)
        .join(CoachingSession, Recording.session_id == CoachingSession.id)
        .join(Engagement, CoachingSession.engagement_id == Engagement.id)
        .where(SensitiveFlag.status == "open",
               Engagement.coach_person_id.in_(flag_reviewed_coach_ids(actor.id)))
        .options(selectinload(Recording.session).selectinload(CoachingSession.engagement),
                 selectinload(Recording.consent))
        .order_by(SensitiveFlag.raised_at, SensitiveFlag.id)).all()
    prefetch_content_checks(recording for _, recording in rows)
    return [(flag, recording) for flag, recording in rows]


def open_flags(actor: Any) -> list[FlagView]:
    """Open flags on the sessions of the coaches whose master coach the actor is (assigned over
    the coach, or over the coach's lead coach), with the segments that matched; showing them
    is an opening of content, so it is audited."""
    require(actor, "can_review_sensitive_flags")
    views: list[FlagView] = []
    for flag, recording in _open_flags_of_reach(actor):
        if not can(actor, "can_review_sensitive_flags", recording):
            continue
        wanted = set(flag.segment_positions)
        segments = [s for s in recording.transcript.segments if s.position in wanted] \
            if recording.transcript is not None else []
        views.append(FlagView(flag, recording, segments,
                              can(actor, "can_open_recording_content", recording)))
    if views:
        audit.record("recording.sensitive_flags_viewed", actor=actor, object_type="recording",
                     detail={"recording_ids": sorted({v.recording.id for v in views}),
                             "flag_ids": [v.flag.id for v in views]})
    return views


def review_flag(actor: Any, flag_id: int, *, note: str) -> SensitiveFlag:
    """Mark a flag reviewed, with the supervisor's note (kept, not shown to anyone else)."""
    flag = get_or_404(SensitiveFlag, flag_id, what="flag")
    recording = db.session.get(Recording, flag.recording_id)
    require(actor, "can_review_sensitive_flags", recording)
    note = note.strip()
    if not note:
        raise DomainError("Say what you looked at and decided.",
                          field_errors={"note": ["Write a short note before closing the flag."]})
    if len(note) > MAX_NOTE_CHARS:
        raise DomainError("The note is too long.", field_errors={
            "note": [f"At most {MAX_NOTE_CHARS} characters ({len(note)} given)."]})
    if flag.status != "open":
        raise DomainError("This flag was already reviewed.")
    flag.status, flag.review_note = "reviewed", note
    flag.reviewed_by_id, flag.reviewed_at = getattr(actor, "id", None), utcnow()
    db.session.flush()
    audit.record("recording.sensitive_flag_reviewed", actor=actor, object_type="recording",
                 object_id=flag.recording_id, detail={"flag_id": flag.id,
                                                      "category": flag.category})
    return flag
