"""Recorded content under audit: the one session chosen for an open audit, heard and read on
the audit page only, blind (names replaced, audio re-encoded without tags). Every open is
audited. Policy: auditors see only the session under audit (`can_open_audit_recording`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coachprog.audits import domain
from coachprog.audits.models import Audit
from coachprog.authority import has_any_role, is_signed_in, require
from coachprog.db import get_or_404
from coachprog.errors import NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit_log
from coachprog.people.services import user_in_chain_of
from coachprog.recordings import storage
from coachprog.recordings.models import CoachingSession, Recording
from coachprog.recordings.review.sensitive import PSEUDONYM, redact
from coachprog.recordings.services import AudioFile, blind_audio_name
from coachprog.roles import Role


def is_audit_recording(user: Any, audit: Audit, recording: Any) -> bool:
    """Whether the user may hear and read this recording for this audit: they are its
    assigned auditor, the audit is open (undecided, current sample), the recording belongs to
    the session chosen for it, the coachee's consent covers audit and is not withdrawn, and
    the auditor is neither the coachee nor a manager of either party."""
    if (recording is None or audit.outcome is not None or audit.session_id is None
            or not is_signed_in(user) or audit.auditor_user_id != user.id
            or audit.sample.superseded_at is not None
            or recording.session_id != audit.session_id or has_any_role(user, Role.SPONSOR)):
        return False
    consent = recording.consent
    if consent is None or not consent.scope_audit or consent.withdrawn_at is not None:
        return False
    engagement = recording.session.engagement
    if engagement.coach_person_id != audit.coach_person_id:
        return False
    if getattr(user, "person_id", None) == engagement.coachee_person_id:
        return False
    return not (user_in_chain_of(user, engagement.coach_person_id)
                or user_in_chain_of(user, engagement.coachee_person_id))


@dataclass(frozen=True)
class AuditMoment:
    start: float | None
    speaker: str
    text: str


@dataclass(frozen=True)
class AuditRecording:
    id: int
    audio: bool
    moments: list[AuditMoment]


def audit_recordings(actor: Any, audit: Audit) -> list[AuditRecording]:
    """The chosen session's recordings the auditor may open, with transcripts whose coach and
    coachee names are replaced (blind: "Coach A-0001", "Client"). Each read is audited."""
    if audit.session_id is None:
        return []
    sess = db.session.get(CoachingSession, audit.session_id)
    if sess is None:
        return []
    found: list[AuditRecording] = []
    label = domain.pseudonym(audit.id)
    names = [sess.engagement.coach.name], [sess.engagement.coachee.name]
    for recording in sess.recordings:
        if not is_audit_recording(actor, audit, recording):
            continue
        moments: list[AuditMoment] = []
        if recording.transcript is not None:
            audit_log.record("recording.transcript_opened", actor=actor,
                             object_type="recording", object_id=recording.id,
                             detail={"for": "audit", "audit_id": audit.id})
            moments = [AuditMoment(seg.start_seconds, seg.speaker, redact(redact(
                seg.text, names[1], PSEUDONYM), names[0], label))
                for seg in sorted(recording.transcript.segments, key=lambda s: s.position)]
        found.append(AuditRecording(recording.id, recording.storage_name is not None, moments))
    return found


def open_audit_audio(actor: Any, audit_id: int, recording_id: int) -> Any:
    """The audio of a recording under audit, for the audit page's player; audited."""
    audit = get_or_404(Audit, audit_id, what="audit")
    recording = get_or_404(Recording, recording_id, what="recording")
    require(actor, "can_open_audit_recording", (audit, recording))
    if recording.storage_name is None:
        raise NotFound("recording audio")
    if not storage.store().exists(recording.storage_name):
        raise NotFound("recording audio")
    # The audit is blind (the page shows pseudonyms): the original's tags may name the coach
    # or coachee, so the auditor hears a re-encoded copy that carries none.
    name = blind_audio_name(recording.storage_name)
    audit_log.record("recording.audio_opened", actor=actor, object_type="recording",
                     object_id=recording.id, detail={"for": "audit", "audit_id": audit.id})
    # A neutral name: the uploaded file name may name the coach or the coachee.
    return AudioFile(storage_name=name, mimetype="audio/wav",
                     download_name=f"audit-{audit.id}-recording-{recording.id}.wav")
