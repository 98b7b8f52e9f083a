"""The demo seed's assessment work: a closed calibration exercise that calibrates rater@ and
lead@, and live session reviews that are open, closed and in moderation."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from coachprog.assessments import conflicts as assessment_conflicts
from coachprog.assessments import moderation as assessment_moderation
from coachprog.assessments.domain import find_conflicts
from coachprog.assessments.models import Assessment, EvidenceItem, Mark, RaterAssignment
from coachprog.auth import services as auth_services
from coachprog.auth.models import User
from coachprog.calibration.models import CalibrationExercise, RaterCalibration
from coachprog.calibration.services import is_calibrated
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.rubrics.models import RubricVersion
from coachprog.seed.assessments import CALIBRATED_RUBRICS, DEMO_EXERCISE_TITLE, DEMO_LIVE
from coachprog.seed.people import DEMO_ACCOUNTS
from tests.seed.conftest import PASSWORD, SMALL, demo_user


def _live(title: str) -> Assessment:
    return db.session.scalar(sa.select(Assessment).where(Assessment.title == title))


def _counts() -> dict[str, int]:
    models = (RubricVersion, EvidenceItem, Assessment, RaterAssignment, Mark,
              CalibrationExercise, RaterCalibration, AuditEntry)
    return {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in models}


def test_seed_calibrates_rater_and_lead_in_a_closed_exercise(runner) -> None:
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "not seeded" not in result.output
    rater, lead = demo_user("rater@demo.example"), demo_user("lead@demo.example")
    assert is_calibrated(rater.id, "session-review")
    assert is_calibrated(lead.id, "session-review")
    exercise = db.session.scalar(sa.select(CalibrationExercise).where(
        CalibrationExercise.title == DEMO_EXERCISE_TITLE))
    assert exercise.status == "closed" and len(exercise.items) == 2
    assert {item.evidence.title for item in exercise.items} == {
        "Demo calibration recording 1", "Demo calibration recording 2"}
    gold = {a.rater.email for item in exercise.items for a in item.assignments
            if a.role == "gold"}
    assert gold == {"master@demo.example"}


def test_seed_leaves_live_assessments_open_closed_and_in_moderation(runner) -> None:
    assert runner.invoke(args=SMALL).exit_code == 0
    rater, lead = demo_user("rater@demo.example"), demo_user("lead@demo.example")
    statuses = {live.title: _live(live.title).status for live in DEMO_LIVE}
    assert sorted(statuses.values()) == ["closed", "moderation", "open"]
    assert any(_live(live.title).blind for live in DEMO_LIVE)
    account_people = {u.person_id for u in db.session.scalars(sa.select(User))}
    for live in DEMO_LIVE:
        assessment = _live(live.title)
        assert assessment.kind == "live"
        assert {(a.rater_id, a.role) for a in assessment.assignments} >= {
            (rater.id, "rater"), (lead.id, "rater")}
        subject = assessment.evidence.subject
        assert subject is not None and subject.id not in account_people
        for user in (rater, lead, demo_user("master@demo.example")):
            facts = assessment_conflicts.relationship_facts(user, subject.id)
            assert find_conflicts(facts) == []
    open_one = next(_live(x.title) for x in DEMO_LIVE if x.status.value == "open")
    assert all(a.status == "assigned" and not a.marks for a in open_one.assignments)
    closed = next(_live(x.title) for x in DEMO_LIVE if x.status.value == "closed")
    assert closed.result["basis"] == "combined"


def test_seed_twice_adds_no_assessments_marks_or_audit_entries(runner) -> None:
    assert runner.invoke(args=SMALL).exit_code == 0
    db.session.expire_all()
    before = _counts()
    # 2 calibration items, the live demo, 2 session reviews of the supervision demo, 2 items
    # of the audit calibration, 2 items per rubric the demo sprint and capstones need, the
    # sprint's 5 stage assessments, coach@'s capstone brief, and a session review and a
    # capstone of each of the 3 certified coaches, the 2 items of each exercise calibrating
    # master@ (session review and the sprint's and capstones' rubrics), and the blind review
    # of coach@'s recorded session
    assert before["Assessment"] == 2 + len(DEMO_LIVE) + 2 + 2 + 2 * len(CALIBRATED_RUBRICS) \
        + 5 + 1 + 3 * 2 + 2 * (1 + len(CALIBRATED_RUBRICS)) + 1
    second = runner.invoke(args=SMALL)
    assert second.exit_code == 0 and "not seeded" not in second.output
    db.session.expire_all()
    assert _counts() == before


def test_seed_uses_rubrics_already_loaded(runner) -> None:
    assert runner.invoke(args=["rubrics", "load"]).exit_code == 0
    versions = db.session.scalar(sa.select(sa.func.count(RubricVersion.id)))
    assert runner.invoke(args=SMALL).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count(RubricVersion.id))) == versions
    assert is_calibrated(demo_user("rater@demo.example").id, "session-review")


def test_seeded_rater_sees_the_open_blind_assignment(runner, auth, client) -> None:
    assert runner.invoke(args=SMALL).exit_code == 0
    open_one = next(_live(x.title) for x in DEMO_LIVE if x.status.value == "open")
    subject = open_one.evidence.subject.name
    assert auth.login("rater@demo.example", PASSWORD).status_code == 302
    page = client.get("/assessments/").get_data(as_text=True)
    assert open_one.subject_pseudonym in page
    assert "rater: assigned" in page
    assert subject not in page  # blind: the rater sees the pseudonym only
    mine = next(a for a in open_one.assignments if a.rater.email == "rater@demo.example")
    assert client.get(f"/assessments/assignments/{mine.id}").status_code == 200


def test_seeded_master_can_settle_the_moderation(runner, auth, client) -> None:
    assert runner.invoke(args=SMALL).exit_code == 0
    pending = next(_live(x.title) for x in DEMO_LIVE if x.status.value == "moderation")
    assert auth.login("master@demo.example", PASSWORD).status_code == 302
    assert client.get(f"/assessments/{pending.id}/moderation").status_code == 200
    master = demo_user("master@demo.example")
    values = {m.behaviour_id: str(m.value) for a in pending.assignments
              if a.rater.email == "rater@demo.example" for m in a.marks}
    assessment_moderation.settle_moderation(master, pending, values, {}, "Agreed in the demo.")
    assert pending.status == "closed"


def test_seed_explains_and_skips_when_no_session_review_rubric(runner, app, tmp_path: Path,
                                                                monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_RUBRICS_DIR", tmp_path)
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "Demo assessments not seeded" in result.output
    assert demo_user("rater@demo.example") is not None  # people and accounts are still seeded
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0


def test_seed_rolls_back_only_the_assessments_when_a_service_refuses(runner, app, tmp_path,
                                                                      monkeypatch) -> None:
    from coachprog.authority import SystemActor

    monkeypatch.setitem(app.config, "COACHPROG_RUBRICS_DIR", tmp_path)
    assert runner.invoke(args=SMALL).exit_code == 0
    # Someone took the rater role from rater@ before the seed learnt about assessments.
    auth_services.revoke_role(SystemActor("test"), demo_user("rater@demo.example"), "rater")
    db.session.commit()
    monkeypatch.undo()
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", PASSWORD)
    audit_before = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "Demo assessments not seeded" in result.output
    assert "rater role" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(CalibrationExercise.id))) == 0
    # Only coach@'s capstone brief (the coaching demo needs no rater@) has evidence.
    assert db.session.scalar(sa.select(sa.func.count(EvidenceItem.id)).where(
        EvidenceItem.title.not_like("Capstone brief%"))) == 0
    # The rubric files loaded before the refusal stay loaded.
    assert db.session.scalar(sa.select(sa.func.count(RubricVersion.id))) > 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) > audit_before


def test_demo_accounts_keep_their_roles_apart_from_the_rater_grant(runner) -> None:
    assert runner.invoke(args=SMALL).exit_code == 0
    for email, role, _ in DEMO_ACCOUNTS:
        roles = demo_user(email).roles
        assert role.value in roles
        extra = roles - {role.value}
        assert extra <= {"rater"}, (email, extra)
