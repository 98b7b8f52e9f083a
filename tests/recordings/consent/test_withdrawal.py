"""Withdrawal of consent, end to end: through the coachee's link and by an admin on their
behalf. Files are gone from disk, rows are gone, scores stay without their evidence text, and
the audit entry holds counts, never content."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from coachprog.assessments.models import Assessment, EvidenceItem, Mark, RaterAssignment
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.recordings.consent import services
from coachprog.recordings.models import (
    CoacheeConsent,
    MarkCitation,
    Recording,
    SegmentEdit,
    SensitiveFlag,
    Transcript,
    TranscriptSegment,
)
from coachprog.recordings.retention.purge import purge_consent
from coachprog.roles import Role
from tests.conftest import post_form
from tests.factories import UserFactory
from tests.recordings.consent.builders import (
    NOTE,
    SEGMENT_TEXTS,
    consent,
    engagement,
    file_of,
    recording,
    scored_assessment,
    transcript,
)


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _scenario():
    """An engagement with a consent covering two recordings (one transcribed, scored and
    cited), and another engagement whose recording must survive."""
    eng = engagement()
    recorded = consent(eng, {"record", "transcribe", "supervisor_review"})
    first = recording(recorded.consent)
    second = recording(recorded.consent)
    made = transcript(first)
    assessment = scored_assessment(first, cite=made)
    other_eng = engagement()
    bystander = recording(consent(other_eng).consent)
    transcript(bystander)
    scored_assessment(bystander)
    db.session.commit()
    return recorded, [file_of(first), file_of(second)], assessment, bystander


def _assert_purged(files, assessment_id: int, bystander: Recording) -> None:
    db.session.expire_all()
    for path in files:
        assert not path.exists(), f"{path} is still on disk"
    assert _count(Recording) == 1 and db.session.get(Recording, bystander.id) is not None
    assert file_of(bystander).exists()
    assert _count(Transcript) == 1  # the bystander's
    assert _count(TranscriptSegment) == len(SEGMENT_TEXTS)
    assert _count(SegmentEdit) == 1 and _count(SensitiveFlag) == 1
    assert _count(MarkCitation) == 0
    assessment = db.session.get(Assessment, assessment_id)
    assert assessment is not None
    item = db.session.get(EvidenceItem, assessment.evidence_item_id)
    assert item is not None and item.recording_id is None
    marks = db.session.scalars(sa.select(Mark).join(Mark.assignment).where(
        RaterAssignment.assessment_id == assessment_id)).all()
    assert sorted(m.value or 0 for m in marks) == [1, 1, 4]  # the scores stay
    assert all(m.note == "" for m in marks)  # without the evidence text
    bystander_notes = db.session.scalars(sa.select(Mark.note).where(Mark.note != "")).all()
    assert NOTE in bystander_notes  # another engagement's evidence is untouched


def _assert_audit_has_no_content(consent_id: int, via: str) -> dict:
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "consent.withdrawn", AuditEntry.object_id == str(consent_id))).one()
    assert entry.detail["withdrawal_via"] == via
    assert (entry.detail["recordings_deleted"], entry.detail["files_deleted"],
            entry.detail["transcripts_deleted"], entry.detail["segments_deleted"],
            entry.detail["notes_cleared"]) == (2, 2, 1, 3, 3)
    text = json.dumps(entry.detail)
    assert all(t not in text for t in SEGMENT_TEXTS) and NOTE not in text
    return dict(entry.detail)


def test_coachee_withdraws_through_the_link_end_to_end(client) -> None:
    recorded, files, assessment, bystander = _scenario()
    assert all(path.exists() for path in files)
    url = f"/consent/withdraw/{recorded.withdrawal_token}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 recording(s) are deleted" in html and "1 transcript(s) are deleted" in html
    assert "Scores already given on 1 recorded session(s) are kept" in html
    done = post_form(client, url, token_page=url)
    assert done.status_code == 200
    assert "Your consent is withdrawn" in done.get_data(as_text=True)
    _assert_purged(files, assessment.id, bystander)
    _assert_audit_has_no_content(recorded.consent.id, "link")
    row = db.session.get(CoacheeConsent, recorded.consent.id)
    assert row is not None and row.withdrawn_at is not None and row.withdrawal_via == "link"
    # The link works once; an unknown one never.
    assert client.get(url).status_code == 404
    assert post_form(client, url, token_page="/login").status_code == 404
    assert client.get("/consent/withdraw/made-up-token").status_code == 404


def test_withdraw_page_without_a_valid_form_token_changes_nothing(client) -> None:
    recorded, files, _, _ = _scenario()
    url = f"/consent/withdraw/{recorded.withdrawal_token}"
    assert client.post(url, data={}).status_code == 400
    assert all(path.exists() for path in files)
    db.session.expire_all()
    row = db.session.get(CoacheeConsent, recorded.consent.id)
    assert row is not None and row.withdrawn_at is None


def test_admin_withdraws_on_the_coachees_behalf_with_a_reason(client, auth) -> None:
    recorded, files, assessment, bystander = _scenario()
    admin = auth.login_as("admin")
    url = f"/consent/consents/{recorded.consent.id}/withdraw"
    refused = post_form(client, url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Say why the consent is withdrawn." in refused.get_data(as_text=True)
    assert all(path.exists() for path in files)
    done = post_form(client, url, {"reason": "Coachee asked by phone on 3 March"})
    assert done.status_code == 302
    _assert_purged(files, assessment.id, bystander)
    detail = _assert_audit_has_no_content(recorded.consent.id, "admin")
    assert detail["reason"] == "Coachee asked by phone on 3 March"
    row = db.session.get(CoacheeConsent, recorded.consent.id)
    assert row is not None
    assert row.withdrawn_by_id == admin.id and row.withdrawal_via == "admin"
    # The coachee's link is dead now too.
    assert client.get(f"/consent/withdraw/{recorded.withdrawal_token}").status_code == 404
    again = post_form(client, url, {"reason": "again"})
    assert again.status_code == 400 and "already withdrawn" in again.get_data(as_text=True)


def test_only_admins_withdraw_on_behalf() -> None:
    eng = engagement()
    given = consent(eng).consent
    for role in (Role.COACH, Role.MASTER_COACH, Role.MANAGER):
        with pytest.raises(NotPermitted):
            services.withdraw_on_behalf(UserFactory(roles=[role]), given.id, reason="asked")
        with pytest.raises(NotPermitted):
            purge_consent(UserFactory(roles=[role]), given, via="admin")
    with pytest.raises(DomainError):
        services.withdraw_on_behalf(UserFactory(roles=[Role.ADMIN]), given.id,
                                    reason="x" * 1001)


def test_withdrawal_covers_every_standing_consent_of_the_engagement() -> None:
    eng = engagement()
    older = consent(eng, {"record"})
    newer = consent(eng, {"record", "transcribe"})
    under_older, under_newer = recording(older.consent), recording(newer.consent)
    paths = [file_of(under_older), file_of(under_newer)]
    summary = services.withdraw_by_token(None, older.withdrawal_token)
    db.session.commit()
    assert sorted(summary.consent_ids) == sorted([older.consent.id, newer.consent.id])
    assert summary.recordings == 2 and summary.files_deleted == 2
    assert not any(path.exists() for path in paths)
    assert services.current_consent(eng.id) is None


def test_purge_is_idempotent_and_tolerates_a_file_already_gone() -> None:
    eng = engagement()
    given = consent(eng).consent
    row = recording(given)
    file_of(row).unlink()  # e.g. a crash after deleting the file, before the commit
    first = purge_consent(None, given, via="link")
    db.session.commit()
    assert (first.recordings, first.files_deleted) == (1, 0)
    entries = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "consent.withdrawn"))
    second = purge_consent(None, given, via="link")
    db.session.commit()
    assert second.recordings == 0 and second.consent_ids == []
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "consent.withdrawn")) == entries == 1
    with pytest.raises(ValueError, match="unknown withdrawal route"):
        purge_consent(None, given, via="email")
