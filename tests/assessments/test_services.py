"""Assessment use cases against the database: evidence, assignment gates, scoring, closing,
moderation, visibility, export."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from coachprog.assessments import conflicts as assessment_conflicts
from coachprog.assessments import evidence as assessment_evidence
from coachprog.assessments import moderation as assessment_moderation
from coachprog.assessments import results as assessment_results
from coachprog.assessments import services
from coachprog.assessments.models import Assessment, Mark, RaterAssignment
from coachprog.authority import can
from coachprog.calibration.models import RaterCalibration
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.models import Person
from coachprog.roles import Role
from tests.assessments.builders import (
    HIGH,
    LOW,
    NEAR_HIGH,
    assessment,
    evidence,
    rater,
    rubric_version,
    subject_person,
)
from tests.factories import PersonFactory, UserFactory


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def admin():
    return UserFactory(roles=[Role.ADMIN])


@pytest.fixture
def master():
    return UserFactory(roles=[Role.MASTER_COACH])


# --- evidence ----------------------------------------------------------------------------------


def test_create_evidence_item_with_attachment_stores_it_under_instance(app: Flask, admin) -> None:
    person = subject_person()
    item = assessment_evidence.create_evidence_item(
        admin, title="Session 4", description="Goal setting", link="https://intra.example/r/4",
        subject_employee_id=person.employee_id,
        attachment=assessment_evidence.Upload("../../notes of Zanele.pdf",
                                              io.BytesIO(b"%PDF-1.4 data")))
    assert item.subject_person_id == person.id
    assert item.attachment_name == "notes_of_Zanele.pdf"
    stored = Path(app.instance_path) / item.attachment_path
    assert stored.read_bytes() == b"%PDF-1.4 data"
    assert stored.parent == Path(app.instance_path) / "evidence"
    assert "Zanele" not in stored.name
    static = Path(app.static_folder or "")
    assert static not in stored.resolve().parents
    assert actions() == ["evidence.created"]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"title": ""}, "title", "Give the evidence a title."),
    ({"title": "x" * 201}, "title", "Keep the title under 200 characters."),
    ({"link": "javascript:alert(1)"}, "link", "Use an http:// or https:// link."),
    ({"subject_employee_id": "NOBODY"}, "subject_employee_id", "No person with employee id"),
])
def test_create_evidence_item_refuses_bad_input(admin, fields, field, message) -> None:
    with pytest.raises(DomainError) as refused:
        assessment_evidence.create_evidence_item(admin, **{"title": "Session", **fields})
    assert refused.value.field_errors[field][0].startswith(message)
    assert actions() == []


def test_create_evidence_item_refuses_big_empty_or_odd_files(app: Flask, admin) -> None:
    app.config["COACHPROG_MAX_EVIDENCE_BYTES"] = 10
    try:
        for name, data, message in [
            ("a.pdf", b"x" * 11, "larger than"), ("a.pdf", b"", "empty"),
            ("a.exe", b"MZ", "Attach a document"), ("noextension", b"x", "Attach a document"),
        ]:
            with pytest.raises(DomainError) as refused:
                assessment_evidence.create_evidence_item(
                    admin, title="S", attachment=assessment_evidence.Upload(name, io.BytesIO(data)))
            assert message in refused.value.field_errors["attachment"][0]
    finally:
        del app.config["COACHPROG_MAX_EVIDENCE_BYTES"]


@pytest.mark.parametrize("role", [Role.LEAD_COACH, Role.RATER, Role.MANAGER, Role.SPONSOR])
def test_only_program_staff_create_evidence_and_assessments(role) -> None:
    user = UserFactory(roles=[role])
    with pytest.raises(NotPermitted):
        assessment_evidence.create_evidence_item(user, title="S")
    with pytest.raises(NotPermitted):
        services.create_assessment(user, evidence_item_id=1, rubric_version_id=1, title="T",
                                   blind=False)


# --- assessments -------------------------------------------------------------------------------


def test_create_assessment_gets_a_pseudonym_and_is_audited(master) -> None:
    item, version = evidence(subject_person()), rubric_version()
    created = services.create_assessment(master, evidence_item_id=item.id,
                                         rubric_version_id=version.id, title="Review",
                                         blind=True)
    assert created.status == "open"
    assert created.kind == "live"
    assert created.subject_pseudonym.startswith("Candidate ")
    assert "Zanele" not in created.subject_pseudonym
    assert actions() == ["assessment.created"]


def test_create_assessment_names_every_missing_field(admin) -> None:
    with pytest.raises(DomainError) as refused:
        services.create_assessment(admin, evidence_item_id=999, rubric_version_id=None,
                                   title=" ", blind=False, kind="party")
    assert set(refused.value.field_errors) == {"title", "evidence_item_id",
                                               "rubric_version_id", "kind"}


# --- assignment gates --------------------------------------------------------------------------


def test_assign_rater_succeeds_for_a_calibrated_rater(admin) -> None:
    row = assessment()
    ada = rater()
    assignment = services.assign_rater(admin, row, ada.id)
    assert (assignment.role, assignment.status) == ("rater", "assigned")
    assert actions() == ["assessment.rater_assigned"]


@pytest.mark.parametrize("roles", [[Role.COACH], [Role.ADMIN], [Role.MANAGER], []])
def test_assign_rater_refuses_accounts_that_cannot_rate(admin, roles) -> None:
    row = assessment()
    user = UserFactory(roles=roles, display_name="Cam")
    with pytest.raises(DomainError, match="Cam cannot rate"):
        services.assign_rater(admin, row, user.id)


def test_assign_rater_refuses_missing_and_deactivated_raters(admin) -> None:
    row = assessment()
    with pytest.raises(DomainError, match="Choose a rater"):
        services.assign_rater(admin, row, None)
    with pytest.raises(DomainError, match="No user 987654"):
        services.assign_rater(admin, row, 987654)
    gone = rater(is_active=False, display_name="Gone")
    with pytest.raises(DomainError, match="Gone cannot rate"):
        services.assign_rater(admin, row, gone.id)


def test_assign_rater_refuses_duplicates(admin) -> None:
    ada = rater(display_name="Ada")
    row = assessment(raters=[ada])
    with pytest.raises(DomainError, match="Ada is already assigned"):
        services.assign_rater(admin, row, ada.id)


def test_assign_rater_refuses_the_uncalibrated_and_the_expired(admin) -> None:
    row = assessment()
    new = rater(calibrated=False, display_name="Newbie")
    with pytest.raises(DomainError, match="Newbie is not calibrated for “Test session review”"
                       ) as refused:
        services.assign_rater(admin, row, new.id)
    assert refused.value.message.endswith(
        "An admin includes them in a calibration exercise for this rubric (Calibration → New "
        "exercise).")
    lapsed = rater(calibrated=False, display_name="Lapsed")
    from tests.assessments.builders import calibrate

    calibrate(lapsed, expired=True)
    expired_on = f"{utcnow() - timedelta(days=1):%Y-%m-%d}"
    with pytest.raises(DomainError, match=f"Lapsed's calibration for “Test session review” "
                       f"expired on {expired_on}; they need a new calibration exercise. An "
                       "admin includes them"):
        services.assign_rater(admin, row, lapsed.id)
    other_rubric = rater(calibrated=False, display_name="Elsewhere")
    calibrate(other_rubric, "another-rubric")
    with pytest.raises(DomainError, match="Elsewhere is not calibrated"):
        services.assign_rater(admin, row, other_rubric.id)


def test_calibration_items_take_uncalibrated_raters_and_gold_master_coaches(admin) -> None:
    row = assessment(kind="calibration")
    new = rater(calibrated=False)
    assert services.assign_rater(admin, row, new.id).role == "rater"
    plain = rater(calibrated=False)
    with pytest.raises(DomainError, match="Gold marks are agreed by master coaches"):
        services.assign_rater(admin, row, plain.id, "gold")
    gold = UserFactory(roles=[Role.MASTER_COACH])
    assert services.assign_rater(admin, row, gold.id, "gold").role == "gold"


def test_gold_and_moderator_roles_are_not_assignable_on_live_assessments(admin) -> None:
    row = assessment()
    coach = UserFactory(roles=[Role.MASTER_COACH])
    with pytest.raises(DomainError, match="calibration items only"):
        services.assign_rater(admin, row, coach.id, "gold")
    with pytest.raises(DomainError, match="Moderators are not assigned"):
        services.assign_rater(admin, row, coach.id, "moderator")
    with pytest.raises(DomainError, match="rater or gold"):
        services.assign_rater(admin, row, coach.id, "boss")


def test_assign_rater_only_while_open(admin) -> None:
    row = assessment(status="closed")
    with pytest.raises(DomainError, match="only while the assessment is open"):
        services.assign_rater(admin, row, rater().id)


def _people_line():
    """top → middle → subject: a three-level reporting line."""
    top = PersonFactory(name="Top")
    middle = PersonFactory(name="Middle", manager=top)
    subject = subject_person(manager=middle)
    report = PersonFactory(name="Report", manager=subject)
    return top, middle, subject, report


@pytest.mark.parametrize(("who", "reason"), [
    ("middle", "manages the person being assessed."),
    ("top", "manages the person being assessed indirectly"),
    ("report", "reports to the person being assessed."),
    ("subject", "is the person being assessed."),
])
def test_assign_rater_refuses_conflicts_from_the_reporting_line(admin, who, reason) -> None:
    top, middle, subject, report = _people_line()
    person = {"top": top, "middle": middle, "subject": subject, "report": report}[who]
    user = rater(person_id=person.id, display_name="Rae")
    row = assessment(subject=subject)
    with pytest.raises(DomainError) as refused:
        services.assign_rater(admin, row, user.id)
    assert refused.value.message.startswith("Conflict of interest: Rae ")
    assert reason in refused.value.field_errors["rater_id"][0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RaterAssignment)) == 0


def test_unrelated_colleague_may_rate(admin) -> None:
    _, middle, subject, _ = _people_line()
    colleague = PersonFactory(manager=middle)  # a peer of the subject
    row = assessment(subject=subject)
    assert services.assign_rater(admin, row, rater(person_id=colleague.id).id)


def test_coaching_relationships_plug_in(admin, monkeypatch) -> None:
    subject = subject_person()
    coach_person = PersonFactory()
    monkeypatch.setattr(assessment_conflicts, "COACHING_SOURCES", [])
    assessment_conflicts.register_coaching_source(
        lambda person_id: [subject.id] if person_id == coach_person.id else [])
    row = assessment(subject=subject)
    with pytest.raises(DomainError, match="coaches the person being assessed"):
        services.assign_rater(admin, row, rater(person_id=coach_person.id).id)


# --- scoring and closing -----------------------------------------------------------------------


@pytest.fixture
def pair():
    first, second = rater(display_name="First"), rater(display_name="Second")
    return first, second, assessment(raters=[first, second])


def _mine(row: Assessment, user) -> RaterAssignment:
    return next(a for a in row.assignments if a.rater_id == user.id)


def test_draft_may_be_partial_and_is_stored(pair) -> None:
    first, _, row = pair
    assignment = services.save_marks(first, _mine(row, first), {"reflects": "3"},
                                     {"reflects": "Mirrored the goal"}, submit=False)
    assert assignment.status == "draft"
    values, notes = services.marks_of(assignment)
    assert values == {"reflects": 3, "silence": None, "no-advice": None}
    assert notes["reflects"] == "Mirrored the goal"
    assert row.status == "open"
    # Saving again updates the same rows.
    services.save_marks(first, assignment, {"reflects": "4"}, {}, submit=False)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mark)) == 3
    assert services.marks_of(assignment)[0]["reflects"] == 4


def test_submit_needs_every_mark_and_valid_values(pair) -> None:
    first, _, row = pair
    with pytest.raises(DomainError) as refused:
        services.save_marks(first, _mine(row, first), {"reflects": "9", "silence": "1"}, {},
                            submit=True)
    assert refused.value.field_errors == {"reflects": ["Choose a level from 1 to 5."],
                                          "no-advice": ["Give a mark before submitting."]}
    assert _mine(row, first).status == "assigned"


def test_only_the_assigned_rater_scores(pair) -> None:
    first, second, row = pair
    for intruder in (second, UserFactory(roles=[Role.ADMIN]),
                     UserFactory(roles=[Role.MASTER_COACH])):
        with pytest.raises(NotPermitted):
            services.save_marks(intruder, _mine(row, first), HIGH, {}, submit=True)


def test_agreeing_raters_close_with_the_combined_result(pair) -> None:
    first, second, row = pair
    services.save_marks(first, _mine(row, first), HIGH, {}, submit=True)
    assert row.status == "open"
    assert _mine(row, first).result["overall"] == 1.0
    services.save_marks(second, _mine(row, second), NEAR_HIGH, {}, submit=True)
    assert row.status == "closed"
    assert row.closed_at is not None
    assert row.result["basis"] == "combined"
    assert row.result["overall"] == pytest.approx((1.0 + 11 / 12) / 2, abs=1e-4)
    assert row.result["passed"] is True
    assert actions()[-1] == "assessment.closed"


def test_submitted_marks_are_final(pair) -> None:
    first, _, row = pair
    services.save_marks(first, _mine(row, first), HIGH, {}, submit=True)
    with pytest.raises(DomainError, match="can no longer change"):
        services.save_marks(first, _mine(row, first), LOW, {}, submit=True)


def test_single_rater_closes_alone() -> None:
    solo = rater()
    row = assessment(raters=[solo])
    services.save_marks(solo, row.assignments[0], LOW, {}, submit=True)
    assert row.status == "closed"
    assert row.result["basis"] == "single"
    assert row.result["passed"] is False
    assert row.result["failed_rules"][0].startswith("Overall 42% is below the threshold 60%")


def test_calibration_items_are_never_moderated_or_closed_by_submission(admin) -> None:
    first, second = rater(calibrated=False), rater(calibrated=False)
    row = assessment(kind="calibration", raters=[first, second])
    services.save_marks(first, _mine(row, first), HIGH, {}, submit=True)
    services.save_marks(second, _mine(row, second), LOW, {}, submit=True)
    assert row.status == "open"


# --- moderation --------------------------------------------------------------------------------


@pytest.fixture
def disputed(pair):
    first, second, row = pair
    services.save_marks(first, _mine(row, first), HIGH, {"reflects": "First's note"},
                        submit=True)
    services.save_marks(second, _mine(row, second), LOW, {"reflects": "Second's note"},
                        submit=True)
    return first, second, row


def test_disagreement_sends_to_moderation_with_reasons(disputed) -> None:
    _, _, row = disputed
    assert row.status == "moderation"
    assert row.result is None
    reasons = services.disagreement(row).reasons
    assert reasons[0].startswith("Overall scores differ by 58%")
    assert reasons[1] == "Pass/fail split: 1 of 2 raters pass, 1 fail."
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "assessment.sent_to_moderation"))
    assert entry.detail["reasons"] == list(reasons)


def test_settle_records_agreed_marks_and_keeps_the_originals(disputed, master) -> None:
    first, second, row = disputed
    assessment_moderation.settle_moderation(master, row, NEAR_HIGH, {"reflects": "Agreed"},
                               "Recording shows reflection in minutes 3-9.")
    assert row.status == "closed"
    assert row.result["basis"] == "moderated"
    assert row.result["passed"] is True
    assert row.result["overall"] == pytest.approx(11 / 12, abs=1e-4)
    assert row.moderation_reason == "Recording shows reflection in minutes 3-9."
    assert row.moderated_by_id == master.id
    assert services.marks_of(_mine(row, first))[0] == {"reflects": 5, "silence": 1,
                                                       "no-advice": 1}
    assert services.marks_of(_mine(row, second))[1]["reflects"] == "Second's note"
    moderator = _mine(row, master)
    assert (moderator.role, moderator.status) == ("moderator", "submitted")
    assert actions()[-1] == "assessment.moderated"


def test_settle_requires_a_reason_and_complete_marks(disputed, master) -> None:
    _, _, row = disputed
    with pytest.raises(DomainError) as refused:
        assessment_moderation.settle_moderation(master, row, {"reflects": "4"}, {}, "  ")
    assert set(refused.value.field_errors) == {"silence", "no-advice", "reason"}
    with pytest.raises(DomainError, match="Give the reason"):
        assessment_moderation.settle_moderation(master, row, HIGH, {}, "")
    assert row.status == "moderation"


def test_only_an_uninvolved_master_coach_moderates(disputed) -> None:
    first, _, row = disputed
    for user in (UserFactory(roles=[Role.ADMIN]), UserFactory(roles=[Role.LEAD_COACH])):
        with pytest.raises(NotPermitted):
            assessment_moderation.settle_moderation(user, row, HIGH, {}, "reason")
    # A master coach who rated this assessment may not settle it.
    from coachprog.auth.models import RoleGrant

    first.role_grants.append(RoleGrant(role="master_coach"))
    db.session.flush()
    with pytest.raises(NotPermitted):
        assessment_moderation.settle_moderation(first, row, HIGH, {}, "reason")


def test_settle_only_in_moderation(pair, master) -> None:
    _, _, row = pair
    with pytest.raises(DomainError, match="not in moderation"):
        assessment_moderation.settle_moderation(master, row, HIGH, {}, "reason")


def test_third_rater_reopens_and_results_are_compared_again(disputed, master) -> None:
    _, _, row = disputed
    third = rater(display_name="Third")
    assessment_moderation.add_moderation_rater(master, row, third.id)
    assert row.status == "open"
    assert actions()[-1] == "assessment.rater_assigned"
    services.save_marks(third, _mine(row, third), NEAR_HIGH, {}, submit=True)
    # Still one low outlier among three: back to moderation.
    assert row.status == "moderation"
    with pytest.raises(DomainError, match="already assigned"):
        assessment_moderation.add_moderation_rater(master, row, third.id)


def test_third_rater_is_gated_like_any_rater(disputed, master) -> None:
    _, _, row = disputed
    with pytest.raises(DomainError, match="not calibrated"):
        assessment_moderation.add_moderation_rater(master, row, rater(calibrated=False).id)
    assert row.status == "moderation"


# --- who sees what -----------------------------------------------------------------------------


def test_raters_see_others_marks_only_after_submitting(pair) -> None:
    first, second, row = pair
    services.save_marks(second, _mine(row, second), LOW, {"reflects": "secret"}, submit=True)
    assert not can(first, "can_view_assignment_marks", _mine(row, second))
    assert assessment_results.visible_mark_sheets(first, row) == []
    services.save_marks(first, _mine(row, first), LOW, {}, submit=True)
    sheets = assessment_results.visible_mark_sheets(first, row)
    assert [s.assignment.rater_id for s in sheets] == [second.id]
    assert actions()[-1] == "assessment.marks_viewed"


def test_an_unsubmitted_rater_never_sees_drafts(pair) -> None:
    first, second, row = pair
    services.save_marks(first, _mine(row, first), HIGH, {}, submit=True)
    services.save_marks(second, _mine(row, second), {"reflects": "1"}, {}, submit=False)
    assert not can(first, "can_view_assignment_marks", _mine(row, second))


def test_staff_see_blind_marks_only_once_closed(admin) -> None:
    first, second = rater(), rater()
    row = assessment(blind=True, raters=[first, second])
    services.save_marks(first, _mine(row, first), HIGH, {}, submit=True)
    assert not can(admin, "can_view_assignment_marks", _mine(row, first))
    services.save_marks(second, _mine(row, second), HIGH, {}, submit=True)
    assert row.status == "closed"
    assert can(admin, "can_view_assignment_marks", _mine(row, first))


def test_blind_subject_hidden_from_raters_even_when_they_are_staff() -> None:
    staff_rater = rater(Role.MASTER_COACH)
    row = assessment(blind=True, raters=[staff_rater], subject=subject_person())
    info = assessment_results.describe_assessment(staff_rater, row)
    assert info["subject"] is None
    assert info["evidence"]["title"] is None
    assert info["title"] == "Test session review · Candidate T3ST"
    admin = UserFactory(roles=[Role.ADMIN])
    info = assessment_results.describe_assessment(admin, row)
    assert info["subject"]["name"] == "Zanele Okonkwo-Brandt"


# --- export ------------------------------------------------------------------------------------


def test_export_hides_blind_notes_until_closed(admin) -> None:
    first, second = rater(), rater()
    row = assessment(blind=True, raters=[first, second], subject=subject_person())
    services.save_marks(first, _mine(row, first), HIGH, {"reflects": "blind-note-1"}, submit=True)
    rows = assessment_results.export_rows(admin)
    assert len(rows) == 2
    assert all(r["rater_notes"] == "" and r["rater_overall"] == "" for r in rows)
    services.save_marks(second, _mine(row, second), NEAR_HIGH, {}, submit=True)
    rows = assessment_results.export_rows(admin)
    assert rows[0]["rater_notes"] == "reflects: blind-note-1"
    assert rows[0]["passed"] == "yes"
    assert rows[0]["subject_employee_id"] == "EMP-ZOB-7731"
    assert actions()[-1] == "assessments.exported"


def test_export_shows_open_notes_of_a_non_blind_assessment(admin) -> None:
    first, second = rater(), rater()
    row = assessment(raters=[first, second])
    services.save_marks(first, _mine(row, first), HIGH, {"silence": "open-note"}, submit=True)
    rows = assessment_results.export_rows(admin)
    assert rows[0]["rater_notes"] == "silence: open-note"
    assert rows[0]["overall"] == ""  # not closed yet


def test_export_is_for_admins_only(master) -> None:
    with pytest.raises(NotPermitted):
        assessment_results.export_rows(master)


def test_assessment_without_raters_gets_one_export_row(admin) -> None:
    assessment()
    rows = assessment_results.export_rows(admin)
    assert len(rows) == 1
    assert rows[0]["rater_email"] == ""
    assert list(rows[0]) == list(assessment_results.EXPORT_COLUMNS)


# --- calibration items: scorers see the evidence, never the subject ---------------------------


def _calibration_item(subject=None):
    gold, taker = UserFactory(roles=[Role.MASTER_COACH]), rater(calibrated=False)
    row = assessment(kind="calibration", blind=True, subject=subject, raters=[taker])
    db.session.add(RaterAssignment(assessment_id=row.id, rater_id=gold.id, role="gold"))
    row.evidence.link = "https://intranet.example.com/rec/7"
    db.session.flush()
    db.session.refresh(row)
    return row, gold, taker


def test_calibration_item_shows_its_evidence_to_scorers_but_not_its_subject() -> None:
    row, gold, taker = _calibration_item(subject_person())
    for scorer in (taker, gold):
        info = assessment_results.describe_assessment(scorer, row)
        assert info["evidence"]["title"] == "Recorded session 3"
        assert info["evidence"]["description"] == "Third practicum session"
        assert info["evidence"]["link"] == "https://intranet.example.com/rec/7"
        assert info["subject"] is None
        assert info["evidence"]["id"] is None
    # Still blind for marks: the gold marks stay hidden until the exercise closes.
    services.save_marks(gold, _mine(row, gold), HIGH, {}, submit=True)
    services.save_marks(taker, _mine(row, taker), HIGH, {}, submit=True)
    assert not can(taker, "can_view_assignment_marks", _mine(row, gold))


def test_calibration_item_attachment_keeps_its_name_for_scorers(app: Flask) -> None:
    row, _, taker = _calibration_item()
    assessment_evidence.evidence_store().put("calibfile", io.BytesIO(b"%PDF-1.4 calib"))
    row.evidence.attachment_path, row.evidence.attachment_name = "evidence/calibfile", "rec7.pdf"
    assert assessment_evidence.open_attachment(taker, row).download_name == "rec7.pdf"


def test_blind_live_evidence_stays_hidden_from_its_raters() -> None:
    ada = rater()
    row = assessment(blind=True, raters=[ada], subject=subject_person())
    info = assessment_results.describe_assessment(ada, row)
    assert info["evidence"]["title"] is None and info["evidence"]["id"] is None


# --- combining agreeing results ----------------------------------------------------------------


def test_agreeing_failures_close_with_one_reason_per_rule() -> None:
    first, second = rater(), rater()
    row = assessment(raters=[first, second])
    services.save_marks(first, _mine(row, first), LOW, {}, submit=True)  # 42 %
    services.save_marks(second, _mine(row, second),
                        {"reflects": "3", "silence": "0", "no-advice": "1"}, {}, submit=True)
    assert row.status == "closed"
    assert row.result["passed"] is False
    assert row.result["failed_rules"] == [
        "Overall 46% (mean of 2 raters) is below the threshold 60%",
        "Active listening: 19% is below the minimum 50%",
    ]


def test_passed_result_says_why() -> None:
    solo = rater()
    row = assessment(raters=[solo])
    services.save_marks(solo, _mine(row, solo), HIGH, {}, submit=True)
    admin = UserFactory(roles=[Role.ADMIN])
    assert assessment_results.describe_assessment(admin, row)["result_summary"] == (
        "Passed: overall 100% ≥ 60%, every competency at or above its minimum, all "
        "non-negotiables met")


# --- rater choices ------------------------------------------------------------------------------


def test_rater_choices_say_who_is_calibrated_and_until_when(admin) -> None:
    row = assessment()
    ready = rater(display_name="Ready")
    new = rater(Role.LEAD_COACH, calibrated=False, display_name="Newcomer")
    statuses = {c.user.id: c.status for c in services.list_rater_choices(admin, row)}
    until = db.session.scalar(sa.select(RaterCalibration.expires_at).where(
        RaterCalibration.rater_id == ready.id))
    assert statuses[ready.id] == f"calibrated until {until:%Y-%m-%d}"
    assert statuses[new.id] == "not calibrated"


def test_third_rater_choices_leave_out_the_moderator_and_the_uncalibrated(disputed) -> None:
    *_, row = disputed
    moderator = rater(Role.MASTER_COACH)
    spare = rater()
    rater(calibrated=False, display_name="Uncalibrated")
    offered = [c.user.id for c in services.list_rater_choices(moderator, row, moderation=True)]
    assert offered == [spare.id]


# --- moderation conflicts -----------------------------------------------------------------------


def test_a_moderator_who_manages_the_subject_is_refused_with_the_reason(pair) -> None:
    first, second, row = pair
    boss_person = PersonFactory()
    subject = PersonFactory(manager_id=boss_person.id)
    row.evidence.subject_person_id = subject.id
    boss = UserFactory(roles=[Role.MASTER_COACH], person_id=boss_person.id, display_name="Boss")
    services.save_marks(first, _mine(row, first), HIGH, {}, submit=True)
    services.save_marks(second, _mine(row, second), LOW, {}, submit=True)
    assert row.status == "moderation"
    assert assessment_conflicts.moderation_conflicts(boss, row) == [
        "Boss manages the person being assessed."]
    with pytest.raises(DomainError, match="Conflict of interest: Boss manages the person"):
        assessment_moderation.settle_moderation(boss, row, HIGH, {}, "I know best.")
    with pytest.raises(DomainError, match="Conflict of interest"):
        assessment_moderation.add_moderation_rater(boss, row, rater().id)
    assert row.status == "moderation"


# --- export -------------------------------------------------------------------------------------


def test_export_keeps_blind_notes_sealed_in_moderation_even_for_a_moderating_admin() -> None:
    both = UserFactory(roles=[Role.ADMIN, Role.MASTER_COACH])
    first, second = rater(), rater()
    row = assessment(blind=True, raters=[first, second])
    services.save_marks(first, _mine(row, first), HIGH, {"reflects": "sealed-1"}, submit=True)
    services.save_marks(second, _mine(row, second), LOW, {"reflects": "sealed-2"}, submit=True)
    assert row.status == "moderation"
    assert can(both, "can_view_assignment_marks", _mine(row, first))  # the moderation page
    rows = assessment_results.export_rows(both)
    assert all(r["rater_notes"] == "" and r["rater_overall"] == "" and r["rater_passed"] == ""
               for r in rows)


# --- queries do not grow with rows --------------------------------------------------------------


@contextmanager
def _counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _add_assessments(count: int) -> None:
    for _ in range(count):
        assessment(raters=[rater(calibrated=False), rater(calibrated=False)],
                   subject=PersonFactory())
    db.session.commit()


@pytest.mark.parametrize("read", ["list", "describe", "export"])
def test_listing_costs_the_same_queries_for_two_rows_or_eight(admin, read) -> None:
    def run() -> int:
        db.session.expire_all()
        with _counting() as statements:
            if read == "list":
                rows, _ = services.list_assessments(admin, services.AssessmentQuery())
                for row in rows:
                    assessment_results.display_title(admin, row)
                    [(a.rater.display_name, a.status) for a in row.assignments]
            elif read == "describe":
                rows, _ = services.list_assessments(admin, services.AssessmentQuery())
                [assessment_results.describe_assessment(admin, row) for row in rows]
            else:
                assessment_results.export_rows(admin)
        return len(statements)

    _add_assessments(2)
    few = run()
    _add_assessments(6)
    assert run() == few


def _reporting_line(depth: int) -> list[int]:
    """Person ids from the bottom of a `depth`-long reporting line up to its top."""
    line = [PersonFactory().id]
    for _ in range(depth - 1):
        line.insert(0, PersonFactory(manager_id=line[0]).id)
    return line


@pytest.mark.parametrize("read", ["facts", "moderation"])
def test_conflict_checks_cost_the_same_queries_for_short_or_long_reporting_lines(
        disputed, read) -> None:
    *_, row = disputed
    moderator = UserFactory(roles=[Role.MASTER_COACH])

    def run(depth: int) -> int:
        subject = _reporting_line(depth)
        moderator.person_id = _reporting_line(depth)[0]
        # The subject's top manager also manages the top of the moderator's line.
        top = db.session.get(Person, moderator.person_id)
        while top.manager is not None:
            top = top.manager
        top.manager_id = subject[-1]
        row.evidence.subject_person_id = subject[0]
        db.session.flush()
        db.session.expire_all()
        with _counting() as statements:
            if read == "facts":
                facts = assessment_conflicts.relationship_facts(moderator, subject[0])
            else:
                conflicts = assessment_conflicts.moderation_conflicts(moderator, row)
        if read == "facts":
            assert facts.subject_manager_chain == tuple(subject[1:])
            assert len(facts.rater_manager_chain) == depth
            assert facts.rater_manager_chain[-1] == subject[-1]
        else:
            assert conflicts == []
        return len(statements)

    assert run(2) == run(8)


def test_settling_with_the_pages_conflict_check_does_not_walk_the_lines_again(
        disputed) -> None:
    *_, row = disputed
    moderator = UserFactory(roles=[Role.MASTER_COACH])
    check = assessment_conflicts.check_moderation_conflicts(moderator, row)
    with _counting() as statements:
        assessment_moderation.settle_moderation(moderator, row, HIGH, {}, "Agreed",
                                                conflict_check=check)
    assert row.status == "closed"
    assert not [s for s in statements if "manager_links" in s]
    # A check made for someone else is not trusted: the service checks again.
    other = assessment_conflicts.ConflictCheck(actor_id=-1, subject_person_id=None, conflicts=())
    assert not other.is_for(moderator, row)


@pytest.fixture(autouse=True)
def _no_leftover_sources() -> Iterator[None]:
    before = list(assessment_conflicts.COACHING_SOURCES)
    yield
    assessment_conflicts.COACHING_SOURCES[:] = before
