"""Blind assessments of recorded sessions: assigned only to raters without a content relation
to the coach (refused with the reason otherwise); the blind rater hears the audio and reads
the transcript on the scoring page only, with the coach's and coachee's names redacted, and
only while the assessment is scored. The moderation page lists cited moments under the same
rules as the result page."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from coachprog.assessments import services
from coachprog.assessments.models import Assessment
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import can
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.recordings.models import Recording
from coachprog.recordings.review import citations
from coachprog.roles import Role
from tests.assessments.builders import HIGH, LOW, assessment, calibrate, rater
from tests.conftest import Auth
from tests.factories import PersonFactory, UserFactory
from tests.recordings.recording_builders import (
    World,
    supervisor_of,
    world,
)
from tests.recordings.review.review_builders import (
    NAMED,
    master_supervisor,
    recording_naming_them,
)


def _blind_scene(folder: Path, *, blind: bool = True) -> tuple[World, Recording, Assessment]:
    w = world()
    recording = recording_naming_them(w, folder)
    row = assessment(blind=blind)
    row.evidence.recording_id = recording.id
    db.session.flush()
    return w, recording, row


def _admin() -> User:
    user: User = UserFactory(roles=[Role.ADMIN])
    return user


def _assign(row: Assessment, user: User):
    return services.assign_rater(_admin(), row, user.id)


def test_raters_who_know_the_coach_through_the_recording_are_refused(
        recordings_dir: Path) -> None:
    w, _recording, row = _blind_scene(recordings_dir)
    lead = supervisor_of(w.coach, Role.LEAD_COACH)
    calibrate(lead)
    with pytest.raises(DomainError) as refused:
        _assign(row, lead)
    assert "supervises the coach of this recorded session" in refused.value.message
    assert "Choose a rater without a relation to the coach" in refused.value.message
    assert refused.value.field_errors["rater_id"]
    # The master coach over that lead coach knows the coach too.
    lead_person = PersonFactory()
    lead.person_id = lead_person.id
    over_lead = master_supervisor(lead_person.id)
    calibrate(over_lead)
    with pytest.raises(DomainError, match="supervises the coach"):
        _assign(row, over_lead)
    # The coach themself (the evidence names no subject, so only this rule catches it).
    coach_rater = w.coach_user
    db.session.add(RoleGrant(user_id=coach_rater.id, role=Role.RATER.value))
    db.session.flush()
    db.session.expire(coach_rater)
    calibrate(coach_rater)
    with pytest.raises(DomainError, match="is the coach of this recorded session"):
        _assign(row, coach_rater)
    # Somebody without any relation is assigned.
    stranger = rater()
    assert _assign(row, stranger).rater_id == stranger.id
    assert {a.rater_id for a in row.assignments} == {stranger.id}


def test_a_non_blind_assessment_takes_the_supervisor(recordings_dir: Path) -> None:
    w, _recording, row = _blind_scene(recordings_dir, blind=False)
    lead = supervisor_of(w.coach, Role.LEAD_COACH)
    calibrate(lead)
    assert _assign(row, lead).rater_id == lead.id


def _sign_in(auth: Auth, user: User) -> None:
    db.session.commit()
    assert auth.login(user.email).status_code == 302


def test_the_blind_rater_scores_from_a_redacted_transcript_and_hears_the_audio(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    _w, recording, row = _blind_scene(recordings_dir)
    stranger = rater()
    assignment = _assign(row, stranger)
    assert can(stranger, "can_score_blind_recording", recording)
    assert not can(stranger, "can_open_recording_content", recording)
    _sign_in(auth, stranger)
    page = client.get(f"/assessments/assignments/{assignment.id}").get_data(as_text=True)
    assert "Session transcript" in page
    assert "Client, tell me what Coach said last week." in page
    assert "Eli" not in page and "Cora" not in page
    assert f'src="/recordings/{recording.id}/audio"' in page
    with client.get(f"/recordings/{recording.id}/audio") as audio:
        assert audio.status_code == 200
        assert audio.headers["Content-Disposition"].endswith(f"recording-{recording.id}.wav")
        audio.get_data()
    # Only the scoring page: the recording and transcript pages stay closed.
    assert client.get(f"/recordings/{recording.id}").status_code == 403
    assert client.get(f"/transcripts/{recording.id}").status_code == 403
    segment = next(s for s in recording.transcript.segments if s.position == 1)
    services.save_marks(stranger, assignment, HIGH, {}, submit=False,
                        citations={"reflects": [segment.id]})
    opened = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "recording.transcript_opened")).all()
    assert opened and opened[-1].detail["blind"] is True
    audio_opened = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "recording.audio_opened")).all()
    assert audio_opened[-1].detail["blind"] is True


def test_blind_access_ends_when_the_assessment_closes_or_without_audit_scope(
        recordings_dir: Path) -> None:
    w, recording, row = _blind_scene(recordings_dir)
    stranger = rater()
    _assign(row, stranger)
    assert citations.scoring_transcript(stranger, row) is not None
    row.status = "closed"
    db.session.flush()
    assert not can(stranger, "can_score_blind_recording", recording)
    assert citations.scoring_transcript(stranger, row) is None
    row.status = "open"
    assert w.consent is not None
    w.consent.scope_audit = False
    db.session.flush()
    assert citations.scoring_transcript(stranger, row) is None
    other = rater()
    assert not can(other, "can_score_blind_recording", recording)  # not assigned


def test_the_moderation_page_lists_cited_moments_under_the_blind_rules(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    w, recording, row = _blind_scene(recordings_dir)
    first, second = rater(), rater()
    a1, a2 = _assign(row, first), _assign(row, second)
    segment = next(s for s in recording.transcript.segments if s.position == 1)
    services.save_marks(first, a1, HIGH, {}, submit=True, citations={"reflects": [segment.id]})
    services.save_marks(second, a2, LOW, {}, submit=True)
    db.session.refresh(row)
    assert row.status == "moderation"
    # A moderator without a relation to the coach sees how many moments, not their words.
    moderator = UserFactory(roles=[Role.MASTER_COACH])
    _sign_in(auth, moderator)
    page = client.get(f"/assessments/{row.id}/moderation").get_data(as_text=True)
    assert "Cited moments" in page and "1 moment cited" in page
    assert "tell me what" not in page
    auth.logout()
    # A moderator who supervises the coach may open the recording: words and a play link.
    supervising = master_supervisor(w.coach.id)
    _sign_in(auth, supervising)
    page = client.get(f"/assessments/{row.id}/moderation").get_data(as_text=True)
    assert "Cited moments" in page and NAMED.replace("'", "&#39;") in page
    assert f'/recordings/{recording.id}/audio#t=5.0' in page
    auth.logout()
    # The blind rater, while it is scored, reads their own cited moment redacted.
    _sign_in(auth, first)
    page = client.get(f"/assessments/{row.id}").get_data(as_text=True)
    assert "Client, tell me what Coach said last week." in page and "Cora" not in page
