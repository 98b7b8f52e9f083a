"""The demo seed's audit work: rater@ calibrated for the audit rubric, so the drawn sample has
an auditor; rater@ sees the assigned audits blind; a second run changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from coachprog.audits.fidelity.models import FidelityDriftFlag, FidelitySignal
from coachprog.audits.models import Audit, AuditSample
from coachprog.audits.sampling.assignment import auditor_refusal
from coachprog.calibration.models import CalibrationExercise, RaterCalibration
from coachprog.calibration.services import is_calibrated
from coachprog.coaching.models import Engagement
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.recordings.models import CoachingSession, Recording, Transcript
from coachprog.seed.audits import AUDIT_EXERCISE_TITLE
from coachprog.seed.fidelity import DEMO_GOALS
from tests.seed.conftest import PASSWORD, SMALL, demo_user


def _counts() -> dict[str, int]:
    models = (CalibrationExercise, RaterCalibration, AuditSample, Audit, AuditEntry,
              Engagement, Transcript, FidelitySignal, FidelityDriftFlag)
    counts = {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
              for m in models}
    counts["assigned"] = db.session.scalar(sa.select(sa.func.count(Audit.id)).where(
        Audit.auditor_user_id.is_not(None)))
    counts["decided"] = db.session.scalar(sa.select(sa.func.count(Audit.id)).where(
        Audit.outcome.is_not(None)))
    return counts


def test_seed_calibrates_rater_for_audits_and_the_draw_assigns_them(runner) -> None:
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "not seeded" not in result.output
    rater, master = demo_user("rater@demo.example"), demo_user("master@demo.example")
    assert is_calibrated(rater.id, "audit")
    exercise = db.session.scalar(sa.select(CalibrationExercise).where(
        CalibrationExercise.title == AUDIT_EXERCISE_TITLE))
    assert exercise.status == "closed"
    assert {a.rater.email for item in exercise.items for a in item.assignments
            if a.role == "gold"} == {master.email}
    sample = db.session.scalar(sa.select(AuditSample).where(AuditSample.superseded_at.is_(None)))
    assigned = [a for a in sample.audits if a.auditor_user_id is not None]
    assert assigned and all(a.auditor_user_id == rater.id for a in assigned)
    # rater@ is an employee: a coach in rater@'s reporting line stays unassigned (a conflict).
    for audit in sample.audits:
        if audit.auditor_user_id is None:
            assert "conflict of interest" in str(auditor_refusal(rater, audit.coach_person_id))
    decided = [a for a in sample.audits if a.outcome]
    assert len(decided) == 1 and decided[0].decided_by_id == rater.id
    assert any(a.outcome is None for a in assigned)  # work left on rater@'s list


def test_seeded_rater_sees_the_assigned_audits_blind(runner, auth, client) -> None:
    assert runner.invoke(args=SMALL).exit_code == 0
    sample = db.session.scalar(sa.select(AuditSample).where(AuditSample.superseded_at.is_(None)))
    names = [a.coach.name for a in sample.audits]
    assert auth.login("rater@demo.example", PASSWORD).status_code == 302
    page = client.get("/audits/mine").get_data(as_text=True)
    assigned = [a for a in sample.audits if a.auditor_user_id is not None]
    assert assigned
    for audit in sample.audits:
        assert (f"Coach A-{audit.id:04d}" in page) == (audit in assigned)
    assert not any(name in page for name in names)


def test_seed_twice_changes_no_audit_data(runner) -> None:
    assert runner.invoke(args=SMALL).exit_code == 0
    db.session.expire_all()
    before = _counts()
    second = runner.invoke(args=SMALL)
    assert second.exit_code == 0 and "not seeded" not in second.output
    db.session.expire_all()
    assert _counts() == before


def test_seed_gives_a_demo_coach_fidelity_signals_and_a_drift_flag(runner, auth, client) -> None:
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    engagement = db.session.scalar(sa.select(Engagement).where(Engagement.goals == DEMO_GOALS))
    coach_id = engagement.coach_person_id
    signals = db.session.scalars(sa.select(FidelitySignal).where(
        FidelitySignal.coach_person_id == coach_id).order_by(FidelitySignal.session_date)).all()
    assert len(signals) == 3
    assert signals[0].listening_ratio >= 0.65 > signals[1].listening_ratio
    assert signals[2].listening_ratio < 0.65
    flag = db.session.scalar(sa.select(FidelityDriftFlag).where(
        FidelityDriftFlag.coach_person_id == coach_id))
    assert flag.status == "open" and len(flag.session_ids) == 2
    # No audio: the transcripts were typed, nothing needed Whisper.
    recordings = db.session.scalars(sa.select(Recording).join(CoachingSession).where(
        CoachingSession.engagement_id == engagement.id)).all()
    assert len(recordings) == 3 and all(r.storage_name is None and r.transcript
                                        for r in recordings)
    assert auth.login("lead@demo.example", PASSWORD).status_code == 302  # the supervisor
    page = client.get(f"/fidelity/coaches/{coach_id}")
    assert page.status_code == 200
    assert "prompt" in page.get_data(as_text=True).lower()
