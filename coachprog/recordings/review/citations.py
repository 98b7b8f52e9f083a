"""Citing transcript moments as the evidence for rubric marks.

A rater scoring a recorded session may cite, for each behaviour, the transcript segments that
show it. Citations belong to a mark, so they follow the mark's visibility (blind scoring); the
moments' words are coaching content, so they are shown only to those who pass
`can_open_recording_content` for the recording, and every showing is audited. Others learn only
how many moments were cited. Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from coachprog.assessments.results import rater_label, visible_mark_sheets
from coachprog.authority import can
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.services import chain_refusal
from coachprog.recordings.models import MarkCitation, Recording, TranscriptSegment
from coachprog.recordings.permissions import blind_rater_refusal as refusal_for
from coachprog.recordings.review.sensitive import PSEUDONYM, redact
from coachprog.validation import parse_id

FIRST_WORDS = 8


def clock(seconds: float) -> str:
    """A moment as [mm:ss] (minutes run past 59 rather than adding hours: sessions are short)."""
    whole = max(int(seconds), 0)
    return f"{whole // 60:02d}:{whole % 60:02d}"


@dataclass(frozen=True)
class Moment:
    segment_id: int
    start_seconds: float
    speaker: str
    text: str

    @property
    def clock(self) -> str:
        return clock(self.start_seconds)

    @property
    def label(self) -> str:
        """How the cite list names a segment: its time and first words."""
        words = self.text.split()
        head = " ".join(words[:FIRST_WORDS]) + (" …" if len(words) > FIRST_WORDS else "")
        return f"[{self.clock}] {self.speaker}: {head}"

    @property
    def fragment_seconds(self) -> str:
        """The media-fragment start (`#t=`), so a plain link plays from the moment."""
        return f"{max(self.start_seconds, 0.0):.1f}"


def _moment(segment: TranscriptSegment) -> Moment:
    return Moment(segment.id, segment.start_seconds, segment.speaker, segment.text)


@dataclass(frozen=True)
class ScoringTranscript:
    recording_id: int
    audio_available: bool
    moments: list[Moment]


def evidence_recording(assessment: Any) -> Recording | None:
    """The recording the assessment's evidence item points at, if any (purges unset it)."""
    recording_id = getattr(assessment.evidence, "recording_id", None)
    if recording_id is None:
        return None
    return db.session.get(Recording, recording_id)


def _audio_available(recording: Recording) -> bool:
    return recording.storage_name is not None and recording.audio_deleted_at is None


def blind_rater_refusal(rater: Any, assessment: Any) -> str | None:
    """Why the user may not rate this blind assessment of a recorded session (they know the
    coach through the recording: coach, supervisor, auditor); None when they may or the
    evidence is no recording. Asked when raters are assigned (`review.scoring`)."""
    recording = evidence_recording(assessment)
    if recording is None or not assessment.blind:
        return None
    return refusal_for(rater, recording)


def chain_rater_refusal(rater: Any, assessment: Any) -> str | None:
    """Why the user may not rate an assessment of a recorded session because they are in the
    management chain of its coach or coachee (blind or not: coaching is not surveillance);
    None when they are not, or the evidence is no recording."""
    recording = evidence_recording(assessment)
    if recording is None:
        return None
    engagement = recording.session.engagement
    return (chain_refusal(rater, engagement.coach, "rater")
            or chain_refusal(rater, engagement.coachee, "rater"))


def blind_view(actor: Any, recording: Recording) -> bool:
    """The actor reads this recording only as a blind rater: names are redacted for them."""
    return (not can(actor, "can_open_recording_content", recording)
            and can(actor, "can_score_blind_recording", recording))


def may_read(actor: Any, recording: Recording) -> bool:
    return (can(actor, "can_open_recording_content", recording)
            or can(actor, "can_score_blind_recording", recording))


def _blind_moment(segment: TranscriptSegment, names: list[str]) -> Moment:
    coach_name, coachee_name = names
    text = redact(redact(segment.text, [coachee_name], PSEUDONYM), [coach_name], "Coach")
    return Moment(segment.id, segment.start_seconds, segment.speaker, text)


def _names(recording: Recording) -> list[str]:
    """The coach's and the coachee's names, to redact for a blind rater."""
    engagement = recording.session.engagement
    return [engagement.coach.name, engagement.coachee.name]


def moments_for(actor: Any, recording: Recording,
                segments: Iterable[TranscriptSegment]) -> list[Moment]:
    """Segments as moments; a blind rater reads them with the names replaced."""
    if blind_view(actor, recording):
        names = _names(recording)
        return [_blind_moment(s, names) for s in segments]
    return [_moment(s) for s in segments]


def scoring_transcript(actor: Any, assessment: Any) -> ScoringTranscript | None:
    """The transcript to show beside the rubric, or None: no recording, no transcript yet, or
    the actor may not open this recording's content (a rater of a blind assessment of it reads
    it with the coach's and coachee's names redacted). Opening it is audited."""
    recording = evidence_recording(assessment)
    if recording is None or recording.transcript is None:
        return None
    if not may_read(actor, recording):
        return None
    transcript = recording.transcript
    audit.record("recording.transcript_opened", actor=actor, object_type="recording",
                 object_id=recording.id,
                 detail={"transcript_id": transcript.id, "for": "scoring",
                         "assessment_id": assessment.id,
                         "blind": blind_view(actor, recording)})
    moments = moments_for(actor, recording,
                          sorted(transcript.segments, key=lambda s: s.position))
    return ScoringTranscript(recording.id, _audio_available(recording), moments)


@dataclass(frozen=True)
class ScoringMaterial:
    """The recorded session beside the rubric on the scoring page, as the rater may have it:
    `transcript` when they may read it; otherwise `message` says in words why there is
    nothing to hear or read (no recording, not theirs to open, not transcribed, deleted).
    `recording_id` is set whenever the audio may be played (through the permission-checked,
    audited stream, which serves blind raters the tag-free copy)."""

    message: str = ""
    transcript: ScoringTranscript | None = None
    recording_id: int | None = None

    @property
    def has_recording(self) -> bool:
        return self.recording_id is not None or self.transcript is not None


NO_RECORDING = ("This evidence has no recorded session: there is nothing to hear or read "
                "here. Score it from the evidence described and its documents.")
NOT_YOURS = ("You may not hear this recording or read its transcript: only the coach, their "
             "supervisors and auditors, and raters of a blind assessment of it may (and "
             "only while the coachee's consent covers it).")
BLIND_CLOSED = ("This assessment is no longer being scored: raters of a blind assessment hear "
                "the recording and read its transcript only while they score it.")
NOT_TRANSCRIBED = ("This recording has no transcript yet (it has not been transcribed, or "
                   "the transcript was deleted).")
AUDIO_GONE = "The audio of this recording has been deleted."


def scoring_material(actor: Any, assessment: Any) -> ScoringMaterial:
    """What the scoring page shows about the assessment's recorded session (see
    `ScoringMaterial`); reading the transcript is audited (`scoring_transcript`)."""
    recording = evidence_recording(assessment)
    if recording is None:
        return ScoringMaterial(NO_RECORDING)
    if not may_read(actor, recording):
        scored = assessment.status in ("open", "moderation")
        return ScoringMaterial(BLIND_CLOSED if assessment.blind and not scored else NOT_YOURS)
    playable = recording.id if _audio_available(recording) else None
    transcript = scoring_transcript(actor, assessment)
    if transcript is None:
        words = NOT_TRANSCRIBED if playable else f"{AUDIO_GONE} {NOT_TRANSCRIBED}"
        return ScoringMaterial(words, None, playable)
    return ScoringMaterial("", transcript, playable)


def _citations_by_mark(mark_ids: Iterable[int]) -> dict[int, list[TranscriptSegment]]:
    ids = list(mark_ids)
    found: dict[int, list[TranscriptSegment]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = db.session.execute(
        sa.select(MarkCitation.mark_id, TranscriptSegment)
        .join(TranscriptSegment, TranscriptSegment.id == MarkCitation.segment_id)
        .where(MarkCitation.mark_id.in_(ids))
        .order_by(TranscriptSegment.position)).all()
    for mark_id, segment in rows:
        found[mark_id].append(segment)
    return found


def citations_of(assignment: Any) -> dict[str, list[int]]:
    """Behaviour id → cited segment ids of one assignment (for refilling the scoring form)."""
    by_mark = _citations_by_mark(m.id for m in assignment.marks if m.id is not None)
    return {m.behaviour_id: [s.id for s in by_mark.get(m.id, [])] for m in assignment.marks}


def parse_segment_ids(raw: Mapping[str, Sequence[str]]) -> dict[str, list[int]]:
    """Posted `cite-<behaviour>` values to ids; anything not a number is refused by name."""
    parsed: dict[str, list[int]] = {}
    errors: dict[str, list[str]] = {}
    for behaviour_id, values in raw.items():
        ids: list[int] = []
        for value in values:
            if (segment_id := parse_id(value)) is None:
                errors[behaviour_id] = ["A cited moment is not a transcript segment."]
            else:
                ids.append(segment_id)
        parsed[behaviour_id] = ids
    if errors:
        raise DomainError("Some cited moments are not transcript segments.",
                          field_errors=errors)
    return parsed


def save_citations(actor: Any, assignment: Any,
                   citations: Mapping[str, Sequence[int]]) -> int:
    """Replace the cited moments of the assignment's marks named in `citations` (an empty
    list clears them). Every segment must belong to the transcript of the assessment's
    evidence recording, and the actor must be allowed to open that recording. The marks must
    already exist (save_marks writes them first). Returns how many citations are stored."""
    wanted = {b: sorted(set(ids)) for b, ids in citations.items()}
    if not any(wanted.values()):
        if not wanted:
            return 0
        recording = None
    else:
        recording = evidence_recording(assignment.assessment)
        if recording is None or recording.transcript is None:
            raise DomainError("This assessment's evidence has no transcript to cite.")
        if not may_read(actor, recording):
            raise DomainError("You may not open this recording, so you cannot cite it.")
        all_ids = {i for ids in wanted.values() for i in ids}
        known = set(db.session.scalars(sa.select(TranscriptSegment.id).where(
            TranscriptSegment.transcript_id == recording.transcript.id,
            TranscriptSegment.id.in_(all_ids))))
        errors = {b: ["Cite only moments of this session's transcript."]
                  for b, ids in wanted.items() if set(ids) - known}
        if errors:
            raise DomainError("Some cited moments are not in this session's transcript.",
                              field_errors=errors)
    marks = {m.behaviour_id: m for m in assignment.marks}
    stored = 0
    for behaviour_id, ids in wanted.items():
        mark = marks.get(behaviour_id)
        if mark is None:
            if ids:
                raise DomainError("Cite moments only for behaviours of this rubric.",
                                  field_errors={behaviour_id: ["Unknown behaviour."]})
            continue
        db.session.execute(sa.delete(MarkCitation).where(MarkCitation.mark_id == mark.id))
        for segment_id in ids:
            db.session.add(MarkCitation(mark_id=mark.id, segment_id=segment_id))
        stored += len(ids)
    db.session.flush()
    if recording is not None:
        audit.record("assessment.moments_cited", actor=actor, object_type="assessment",
                     object_id=assignment.assessment.id,
                     detail={"assignment_id": assignment.id, "recording_id": recording.id,
                             "citations": stored})
    return stored


# --- the result page ------------------------------------------------------------------------


@dataclass
class CitedSheet:
    """One visible assignment's cited moments: words only when `show_text`."""

    rater_name: str
    role: str
    counts: dict[str, int] = field(default_factory=dict)
    moments: dict[str, list[Moment]] = field(default_factory=dict)


@dataclass
class CitedView:
    recording_id: int | None
    show_text: bool
    audio_available: bool
    sheets: list[CitedSheet]

    @property
    def any(self) -> bool:
        return any(self.counts_total(s) for s in self.sheets)

    @staticmethod
    def counts_total(sheet: CitedSheet) -> int:
        return sum(sheet.counts.values())


def cited_moments(actor: Any, assessment: Any) -> CitedView:
    """The moments cited by the marks the actor may see (the blind rules of
    `visible_mark_sheets`, own marks included). Words and play links only for those who may
    open the recording; showing them is audited."""
    recording = evidence_recording(assessment)
    sheets = visible_mark_sheets(actor, assessment, exclude_own=False)
    by_mark = _citations_by_mark(m.id for s in sheets for m in s.assignment.marks)
    show_text = recording is not None and may_read(actor, recording)
    cited: list[CitedSheet] = []
    shown = 0
    for sheet in sheets:
        item = CitedSheet(rater_label(actor, sheet.assignment), sheet.assignment.role)
        for mark in sheet.assignment.marks:
            segments = by_mark.get(mark.id, [])
            if not segments:
                continue
            item.counts[mark.behaviour_id] = len(segments)
            if show_text and recording is not None:
                item.moments[mark.behaviour_id] = moments_for(actor, recording, segments)
                shown += len(segments)
        cited.append(item)
    if shown and recording is not None:
        audit.record("recording.citations_viewed", actor=actor, object_type="recording",
                     object_id=recording.id,
                     detail={"assessment_id": assessment.id, "moments": shown})
    return CitedView(recording.id if recording is not None else None, show_text,
                     recording is not None and _audio_available(recording), cited)
