"""Auditors as a recordings content source, and escalation flags as a sampling priority."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from coachprog.audits import services
from coachprog.extensions import db
from coachprog.recordings.models import SensitiveFlag
from coachprog.recordings.permissions import content_relation
from tests.audits.builders import ADMIN, auditor, full_marks
from tests.recordings.recording_builders import session, stored_recording, world


def test_assigned_auditor_opens_recording_while_audit_open(clock, tmp_path: Path) -> None:
    w = world()
    recording = stored_recording(session(w.engagement, date(2026, 10, 20)), w.consent, tmp_path)
    first, second = auditor(), auditor()
    db.session.commit()
    sample = services.draw(ADMIN, "2026Q4", seed=1)
    audit = sample.audits[0]
    assigned = first if audit.auditor_user_id == first.id else second
    other = second if assigned is first else first
    assert content_relation(assigned, recording) == "auditor"
    assert content_relation(other, recording) is None
    services.decide(assigned, audit.id, session_id=recording.session_id, observed=False,
                    findings="Held the coachee's agenda throughout.", outcome="meets_standard",
                    marks=full_marks())
    assert content_relation(assigned, recording) is None  # closed audit: no more access


def test_consent_without_audit_scope_keeps_auditor_out(clock, tmp_path: Path) -> None:
    w = world(audit=False)
    recording = stored_recording(session(w.engagement, date(2026, 10, 20)), w.consent, tmp_path)
    only = auditor()
    services.draw(ADMIN, "2026Q4", seed=1)
    assert content_relation(only, recording) is None


def test_open_escalation_flag_raises_weight(clock, tmp_path: Path) -> None:
    w = world()
    recording = stored_recording(session(w.engagement), w.consent, tmp_path)
    db.session.add(SensitiveFlag(recording_id=recording.id, category="crisis", terms=["x"],
                                 segment_positions=[0], status="open"))
    db.session.flush()
    weights = {m.coach_id: m.weight for m in services.population_for("2026Q4")}
    assert weights[w.coach.id] == 4.0  # not recently audited x open escalation
