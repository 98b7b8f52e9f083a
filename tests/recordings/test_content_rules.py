"""The content rule's finer points: consent scope, withdrawal, revoked roles, sponsors, and the
refusals that must never surface as server errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from coachprog.auth.models import RoleGrant
from coachprog.authority import can
from coachprog.db import utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.recordings import permissions as recording_permissions
from coachprog.recordings import services, storage
from coachprog.recordings.review.services import flag_sensitive_topics
from coachprog.recordings.transcription import audio
from coachprog.roles import Role
from tests.factories import UserFactory
from tests.recordings.recording_builders import (
    JFK,
    sample,
    session,
    stored_recording,
    supervisor_of,
    world,
)

OPEN = "can_open_recording_content"


def _recording(folder: Path, **scope: bool):
    w = world(**scope)
    return w, stored_recording(session(w.engagement), w.consent, folder, source=sample(JFK))


def test_supervisors_hear_a_session_only_with_the_supervisor_review_scope(
        recordings_dir: Path) -> None:
    w, recording = _recording(recordings_dir, supervisor_review=False)
    supervisor = supervisor_of(w.coach, Role.MASTER_COACH)
    assert not can(supervisor, OPEN, recording)
    assert can(w.coach_user, OPEN, recording)  # the coach made it


def test_auditors_hear_a_session_only_with_the_audit_scope(recordings_dir: Path,
                                                           monkeypatch) -> None:
    _, recording = _recording(recordings_dir, audit=False)
    auditor = UserFactory(roles=[Role.MASTER_COACH])
    monkeypatch.setattr(recording_permissions, "AUDITOR_SOURCES",
                        [lambda coach_id: [auditor.id]])
    assert not can(auditor, OPEN, recording)


def test_nobody_opens_a_session_whose_consent_was_withdrawn(recordings_dir: Path) -> None:
    w, recording = _recording(recordings_dir)
    w.consent.withdrawn_at = utcnow()
    db.session.flush()
    assert not can(w.coach_user, OPEN, recording)


def test_a_supervisor_whose_role_was_revoked_loses_access(recordings_dir: Path) -> None:
    w, recording = _recording(recordings_dir)
    supervisor = supervisor_of(w.coach, Role.LEAD_COACH)
    assert can(supervisor, OPEN, recording)
    db.session.execute(sa.delete(RoleGrant).where(RoleGrant.user_id == supervisor.id))
    db.session.expire_all()
    assert not can(supervisor, OPEN, recording)


def test_sponsors_never_open_content_whatever_else_they_hold(recordings_dir: Path) -> None:
    w, recording = _recording(recordings_dir)
    w.coach_user.role_grants.append(RoleGrant(role=Role.SPONSOR.value))
    db.session.flush()
    db.session.expire_all()
    assert not can(w.coach_user, OPEN, recording)


def test_undecodable_tags_are_refused_in_words(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "tags.flac"
    path.write_bytes(sample(JFK).read_bytes())

    def broken(*args, **kwargs):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(audio, "_probe", broken)
    with pytest.raises(audio.InvalidAudio, match="damaged or not a recording"):
        audio.probe(path, max_bytes=10**8, max_seconds=3600)


def test_the_audit_log_counts_flags_without_saying_what_was_said(recordings_dir: Path) -> None:
    _, recording = _recording(recordings_dir)
    recording.transcript.segments[0].text = "I have thought about suicide lately."
    db.session.flush()
    flag_sensitive_topics(recording)
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "recording.sensitive_flags_raised"))
    assert entry is not None
    assert set(entry.detail) == {"via", "flags"}


def test_a_withdrawal_during_the_upload_keeps_nothing(recordings_dir: Path, monkeypatch) -> None:
    w = world()
    session_row = session(w.engagement)
    db.session.commit()
    real_store = storage.store_upload

    def store_then_withdraw(stream):
        stored = real_store(stream)
        # The coachee's withdrawal commits on another connection while the file was stored.
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE coachee_consents SET withdrawn_at = :now "
                                       "WHERE id = :id"), {"now": utcnow(), "id": w.consent.id})
        return stored

    monkeypatch.setattr(storage, "store_upload", store_then_withdraw)
    with sample(JFK).open("rb") as stream, pytest.raises(DomainError, match="withdrew"):
        services.upload_recording(w.coach_user, session_row,
                                  services.Upload("jfk.flac", stream))
    db.session.rollback()
    assert [p for p in recordings_dir.iterdir() if not p.name.startswith(".")] == []


def test_a_recording_made_under_a_record_only_consent_is_never_transcribed(
        recordings_dir: Path) -> None:
    w, recording = _recording(recordings_dir, transcribe=False)
    # A newer consent adds transcription: it does not reach back to this recording.
    from tests.recordings.recording_builders import consent

    consent(w.engagement, transcribe=True)
    with pytest.raises(DomainError, match="does not cover transcribing"):
        services.retry_transcription(w.coach_user, recording.id)


def test_only_uploaders_get_the_large_body_limit(client, app) -> None:
    w = world()
    row = session(w.engagement)
    db.session.commit()
    too_big_for_anyone_else = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(f"/recordings/sessions/{row.id}", data=too_big_for_anyone_else,
                           content_type="application/octet-stream")
    assert response.status_code == 413


def test_control_characters_never_reach_the_stored_file_name() -> None:
    assert services._printable_name("../../etc/sess\x00ion\r\n.flac") == "session.flac"
    assert services._printable_name("\x00\x01") == "recording"
