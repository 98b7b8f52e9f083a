"""Transcript-review services without the web layer: sensitive-topic flags (idempotent, a new
flag after review only for new matches), the terms file setting, and the export service."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from coachprog.errors import NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.recordings.models import SensitiveFlag
from coachprog.recordings.review import services as review
from coachprog.recordings.review.sensitive import TermsInvalid
from coachprog.roles import Role
from tests.factories import UserFactory
from tests.recordings.review.review_builders import master_supervisor, reviewed_recording


def _flags() -> list[tuple[str, list[str], list[int], str]]:
    return [(f.category, f.terms, f.segment_positions, f.status) for f in db.session.scalars(
        sa.select(SensitiveFlag).order_by(SensitiveFlag.category, SensitiveFlag.id))]


def test_flags_are_raised_once_per_category_and_are_idempotent(app) -> None:
    r = reviewed_recording()
    raised = review.flag_sensitive_topics(r.recording)
    assert sorted(flag.category for flag in raised) == ["harassment", "mental_health_crisis"]
    expected = [("harassment", ["bullying"], [2], "open"),
                ("mental_health_crisis", ["can't go on"], [3], "open")]
    assert _flags() == expected
    assert review.flag_sensitive_topics(r.recording) == []
    assert _flags() == expected
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "recording.sensitive_flags_raised")).all()
    assert len(entries) == 1 and entries[0].actor_label == "system:sensitive-topics"


def test_an_open_flag_follows_the_transcript_and_a_reviewed_one_needs_new_words(app) -> None:
    r = reviewed_recording()
    review.flag_sensitive_topics(r.recording)
    r.segments[4].text = "He was bullied and bullying continues."
    raised = review.flag_sensitive_topics(r.recording)
    assert [flag.category for flag in raised] == ["harassment"]
    assert _flags()[0] == ("harassment", ["bullied", "bullying"], [2, 4], "open")
    flag = raised[0]
    flag.status = "reviewed"
    db.session.flush()
    assert review.flag_sensitive_topics(r.recording) == []  # nothing new since the review
    r.segments[5].text = "I was harassed."
    again = review.flag_sensitive_topics(r.recording)
    assert [(f.category, f.terms, f.status) for f in again] == [
        ("harassment", ["bullied", "bullying", "harassed"], "open")]
    assert len(_flags()) == 3


def test_no_transcript_no_flags_and_custom_terms(app) -> None:
    r = reviewed_recording()
    assert review.flag_sensitive_topics(r.recording, {"legal_risk": ["nothing said"]}) == []
    db.session.delete(r.recording.transcript)
    db.session.flush()
    db.session.expire(r.recording, ["transcript"])
    assert review.flag_sensitive_topics(r.recording) == []


def test_terms_file_setting_and_a_broken_file(app, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    custom = tmp_path / "terms.yaml"
    custom.write_text("legal_risk:\n  - fellow americans\n")
    monkeypatch.setitem(app.config, "COACHPROG_SENSITIVE_TERMS_FILE", str(custom))
    r = reviewed_recording()
    assert [(f.category, f.segment_positions) for f in review.flag_sensitive_topics(
        r.recording)] == [("legal_risk", [0])]
    custom.write_text("legal_risk: [unclosed\n")
    with pytest.raises(TermsInvalid, match="Cannot read the sensitive-terms file"):
        review.load_terms()
    monkeypatch.setitem(app.config, "COACHPROG_SENSITIVE_TERMS_FILE", str(tmp_path / "none"))
    with pytest.raises(TermsInvalid):
        review.load_terms()


def test_export_service_refuses_without_relation_and_audits(app) -> None:
    r = reviewed_recording()
    with pytest.raises(NotPermitted):
        review.export_transcript(UserFactory(roles=[Role.ADMIN]), r.recording.id,
                                 file_format="txt")
    export = review.export_transcript(r.world.coach_user, r.recording.id, file_format="docx")
    assert export.recording_id == r.recording.id and len(export.turns) == 4
    assert export.docx()[:2] == b"PK"  # a zip container, as Word expects


def test_open_flags_lists_only_the_supervised_coaches_flags(app) -> None:
    mine = reviewed_recording()
    other = reviewed_recording()
    review.flag_sensitive_topics(mine.recording)
    review.flag_sensitive_topics(other.recording)
    master = master_supervisor(mine.world.coach.id)
    views = review.open_flags(master)
    assert {v.recording.id for v in views} == {mine.recording.id}
    assert {v.flag.category: [s.position for s in v.segments] for v in views} == {
        "harassment": [2], "mental_health_crisis": [3]}
    with pytest.raises(NotPermitted):
        review.open_flags(UserFactory(roles=[Role.LEAD_COACH]))
