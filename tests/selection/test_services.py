"""Selection services: sprints, entries, the invitation, every guard through the real
assessment engine, practice hours, panel decisions, notices and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from coachprog.auth.models import RoleGrant, User
from coachprog.db import set_clock, utcnow
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.notifications.models import OutboxMessage
from coachprog.roles import Role
from coachprog.selection import domain
from coachprog.selection import services as selection
from coachprog.selection.domain import CandidateStage
from coachprog.selection.models import Candidate
from tests.assessments.builders import LOW
from tests.factories import PersonFactory, UserFactory
from tests.selection.builders import (
    APPLICATION,
    SYSTEM,
    applicant,
    candidate_at,
    line,
    panel_decides,
    passed_assessment,
    sprint,
    stage_rubrics,
    verified_hours,
)


@pytest.fixture
def frozen() -> Iterator[datetime]:
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
    set_clock(lambda: moment)
    yield moment
    set_clock(None)


def _outbox(kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def _actions(candidate: Candidate) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "candidate", AuditEntry.object_id == str(candidate.id))
        .order_by(AuditEntry.id)))


# --- sprints --------------------------------------------------------------------------------


def test_create_sprint_reports_every_problem_next_to_its_field(app) -> None:
    with pytest.raises(DomainError) as caught:
        selection.create_sprint(SYSTEM, selection.SprintDraft(
            name=" ", capacity=0, start_date=None,
            stage_days={"supervised_practice": 10, "nonsense": 3}))
    errors = caught.value.field_errors
    assert set(errors) == {"name", "capacity", "start_date", "days_supervised_practice",
                           "stage_days"}
    assert "28–42 days" in errors["days_supervised_practice"][0]


def test_create_sprint_keeps_only_real_overrides_and_audits(app, frozen) -> None:
    row = selection.create_sprint(SYSTEM, selection.SprintDraft(
        name="Autumn", capacity=6, start_date=frozen.date(),
        stage_days={"interview": 7, "supervised_practice": 28}))
    assert row.stage_days == {"supervised_practice": 28}
    windows = selection.calendar(row)
    assert windows[3].days == 28 and windows[0].start == frozen.date()
    assert db.session.scalar(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "sprint")) == "sprint.created"


def test_only_admins_create_sprints(app) -> None:
    coach = UserFactory(roles=[Role.MASTER_COACH])
    with pytest.raises(NotPermitted):
        selection.create_sprint(coach, selection.SprintDraft("X", 2, utcnow().date()))


def test_lateness_counts_stages_whose_last_day_passed_with_people_waiting(app, frozen) -> None:
    row = sprint(start=frozen.date() - timedelta(days=10))
    candidate = applicant_in_window(row, frozen)
    db.session.commit()
    late = selection.lateness(row, frozen.date())
    assert [item.stage.stage for item in late] == [domain.SprintStage.NOMINATION_APPLICATION]
    assert late[0].waiting == 1 and late[0].stage.days_late == 4
    selection.advance_candidate(SYSTEM, candidate, "interview")
    assert selection.lateness(row, frozen.date()) == []


def applicant_in_window(row, frozen):
    """Apply while the window was open (the clock is moved back for the entry)."""
    set_clock(lambda: datetime.combine(row.start_date, frozen.timetz()))
    try:
        return applicant(row)
    finally:
        set_clock(lambda: frozen)


def test_close_sprint_refused_while_candidates_wait(app) -> None:
    row = sprint()
    candidate = applicant(row)
    with pytest.raises(DomainError, match="1 candidate still has no decision"):
        selection.close_sprint(SYSTEM, row)
    selection.reject_candidate(SYSTEM, candidate, "Did not meet the eligibility notes.")
    selection.close_sprint(SYSTEM, row)
    assert row.status == "closed"
    with pytest.raises(DomainError, match="closed"):
        selection.apply(UserFactory(person_id=PersonFactory().id), row, text=APPLICATION)


# --- the panel ------------------------------------------------------------------------------


def test_panel_seats_need_their_role_and_three_different_people(app) -> None:
    row = sprint(panel=False)
    coach = UserFactory(roles=[Role.LEAD_COACH], display_name="Lee Lead")
    with pytest.raises(DomainError, match="needs the master coach role"):
        selection.seat_panel_member(SYSTEM, row, "external_master_coach", coach.id)
    both = UserFactory(roles=[Role.ADMIN, Role.SPONSOR], display_name="Bo Both")
    selection.seat_panel_member(SYSTEM, row, "hr_ld", both.id)
    with pytest.raises(DomainError, match="already sits on this panel"):
        selection.seat_panel_member(SYSTEM, row, "business_sponsor", both.id)
    with pytest.raises(DomainError, match="Choose a panel seat"):
        selection.seat_panel_member(SYSTEM, row, "chair", both.id)


def test_a_replaced_panel_member_keeps_the_decisions_already_recorded(app) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    panel_decides(candidate)
    other = UserFactory(roles=[Role.SPONSOR], display_name="Olu Other")
    selection.seat_panel_member(SYSTEM, candidate.sprint, "business_sponsor", other.id,
                                reason="Away for the rest of the sprint.")
    decision = next(d for d in candidate.panel_decisions if d.panel_role == "business_sponsor")
    assert decision.member_id != other.id
    assert selection.panel_outcome(candidate) is domain.PanelOutcome.APPOINT


def test_a_panel_member_never_decides_on_themselves_or_someone_in_their_line(app) -> None:
    row = sprint()
    sponsor = next(m.user for m in row.panel if m.panel_role == "business_sponsor")
    sponsor.person_id = PersonFactory().id
    with pytest.raises(DomainError, match="sits on this sprint's calibration panel"):
        selection.apply(sponsor, row, text=APPLICATION)
    boss, report = line(1)
    member = next(m.user for m in row.panel if m.panel_role == "external_master_coach")
    member.person_id = boss.id
    entry = applicant(row, report)
    selection.advance_candidate(SYSTEM, entry, "interview")
    passed_assessment(entry, "interview")
    selection.advance_candidate(SYSTEM, entry, "simulations")
    for key in domain.SIMULATION_RUBRICS:
        passed_assessment(entry, key)
    selection.advance_candidate(SYSTEM, entry, "supervised_practice")
    verified_hours(entry)
    selection.advance_candidate(SYSTEM, entry, "panel")
    with pytest.raises(DomainError, match="conflict of interest"):
        selection.record_panel_decision(member, entry, verdict="appoint", reasons="Good.")
    candidate_user = db.session.scalar(sa.select(User).where(User.person_id == report.id))
    candidate_user.role_grants.append(RoleGrant(role=Role.MASTER_COACH.value))
    db.session.flush()
    with pytest.raises(DomainError, match="has an entry in this sprint"):
        selection.seat_panel_member(SYSTEM, row, "external_master_coach", candidate_user.id)


# --- entries --------------------------------------------------------------------------------


def test_application_is_a_candidate_at_once_and_duplicates_are_refused(app) -> None:
    row = sprint()
    person = PersonFactory()
    user = UserFactory(person_id=person.id)
    candidate = selection.apply(user, row, text=APPLICATION)
    assert candidate.stage == "applied" and candidate.route == "application"
    with pytest.raises(DomainError, match="already has an entry"):
        selection.apply(user, row, text=APPLICATION)
    with pytest.raises(DomainError) as caught:
        selection.apply(UserFactory(person_id=PersonFactory().id), row, text="Too short.")
    assert "write at least 150" in caught.value.field_errors["text"][0]


def test_entries_close_with_the_nomination_window(app, frozen) -> None:
    row = sprint(start=frozen.date() - timedelta(days=7))
    user = UserFactory(person_id=PersonFactory().id)
    with pytest.raises(DomainError, match="closed on 2026-03-01"):
        selection.apply(user, row, text=APPLICATION)
    future = sprint(start=frozen.date() + timedelta(days=3), name="Later")
    with pytest.raises(DomainError, match="open on 2026-03-05"):
        selection.apply(user, future, text=APPLICATION)


def test_an_account_without_a_directory_record_cannot_enter(app) -> None:
    with pytest.raises(NotPermitted):
        selection.apply(UserFactory(), sprint(), text=APPLICATION)


def test_nomination_from_an_indirect_manager_invites_by_email(app) -> None:
    top, middle, nominee = line(2)
    manager = UserFactory(roles=[Role.MANAGER], person_id=top.id)
    row = sprint()
    entry = selection.nominate(manager, row, nominee_employee_id=nominee.employee_id,
                               why="Listens before she speaks.")
    assert entry.candidate.stage == "nominated" and entry.invitation_token
    assert entry.candidate.invitation_token_hash != entry.invitation_token
    [mail] = _outbox("selection.invitation")
    assert mail.to_email == nominee.email
    assert f"/sprints/invitations/{entry.invitation_token}" in mail.body
    assert "Listens before she speaks." in mail.body
    with pytest.raises(DomainError, match="already has an entry"):
        selection.nominate(UserFactory(person_id=middle.id), row,
                           nominee_employee_id=nominee.employee_id, why="Again")


def test_nomination_outside_the_reporting_line_or_without_why_is_refused(app) -> None:
    top, nominee = line(1)
    stranger = UserFactory(person_id=PersonFactory().id)
    row = sprint()
    with pytest.raises(DomainError) as caught:
        selection.nominate(stranger, row, nominee_employee_id=nominee.employee_id, why="")
    assert caught.value.message == domain.OUTSIDE_LINE  # nothing else about the nominee
    manager = UserFactory(person_id=top.id)
    with pytest.raises(DomainError) as caught:
        selection.nominate(manager, row, nominee_employee_id=nominee.employee_id, why=" ")
    assert caught.value.field_errors == {"why": ["Say why you are nominating this person."]}
    with pytest.raises(DomainError) as caught:
        selection.nominate(manager, row, nominee_employee_id="NOPE", why="Good")
    assert caught.value.field_errors["nominee_employee_id"] == [domain.OUTSIDE_LINE]
    with pytest.raises(DomainError, match="cannot nominate yourself"):
        selection.nominate(manager, row,
                           nominee_employee_id=top.employee_id, why="Me")


def test_an_appointed_coach_is_neither_offered_nor_nominated_again(app) -> None:
    appointed = candidate_at(CandidateStage.APPOINTED)
    boss = PersonFactory(name="Bo Boss")
    appointed.person.manager_id = boss.id
    other = PersonFactory(name="Olga Other", manager_id=boss.id)
    manager = UserFactory(roles=[Role.MANAGER], person_id=boss.id)
    row = sprint(name="Next sprint")
    offered, entered = selection.nominee_choices(manager, row)
    assert offered == [other] and entered == 0
    with pytest.raises(DomainError) as caught:
        selection.nominate(manager, row, nominee_employee_id=appointed.person.employee_id,
                           why="Again, please.")
    assert caught.value.field_errors["nominee_employee_id"] == [
        f"{appointed.person.name} is already an appointed coach; selection is for people who "
        "are not coaches yet."]


def test_accepting_the_invitation_makes_a_candidate_and_the_link_works_once(app) -> None:
    top, nominee = line(1)
    entry = selection.nominate(UserFactory(person_id=top.id), sprint(),
                               nominee_employee_id=nominee.employee_id, why="Curious mind.")
    candidate = selection.respond_to_invitation(entry.invitation_token, accept=True)
    assert candidate.stage == "applied" and candidate.accepted_at is not None
    with pytest.raises(NotFound):
        selection.respond_to_invitation(entry.invitation_token, accept=False)
    assert "candidate.invitation_accepted" in _actions(candidate)
    assert selection.nomination_status(candidate) == "Accepted — now a candidate"


def test_declining_withdraws_the_nominee_without_a_candidacy_notice(app) -> None:
    top, nominee = line(1)
    entry = selection.nominate(UserFactory(person_id=top.id), sprint(),
                               nominee_employee_id=nominee.employee_id, why="Curious mind.")
    candidate = selection.respond_to_invitation(entry.invitation_token, accept=False)
    assert candidate.stage == "withdrawn" and candidate.furthest_stage == "nominated"
    assert _outbox("selection.decision") == []
    assert selection.nomination_status(candidate) == "Declined"


def test_l_and_d_cannot_accept_an_invitation_for_the_nominee(app) -> None:
    top, nominee = line(1)
    entry = selection.nominate(UserFactory(person_id=top.id), sprint(),
                               nominee_employee_id=nominee.employee_id, why="Curious mind.")
    with pytest.raises(DomainError, match="Only the nominee"):
        selection.advance_candidate(SYSTEM, entry.candidate, "applied")


def test_outsiders_cannot_learn_who_entered_a_sprint(app) -> None:
    _top, nominee = line(1)
    row = sprint()
    applicant(row, nominee)
    stranger = UserFactory(person_id=PersonFactory().id)
    for employee_id in (nominee.employee_id, "NO-SUCH-ID"):
        with pytest.raises(DomainError) as caught:
            selection.nominate(stranger, row, nominee_employee_id=employee_id, why="x")
        assert caught.value.message == domain.OUTSIDE_LINE


def test_unknown_or_malformed_tokens_are_not_found(app) -> None:
    for token in ("", "x" * 200, "not-a-token"):
        with pytest.raises(NotFound):
            selection.invitation_by_token(token)


# --- guards ---------------------------------------------------------------------------------


def test_moves_skip_no_stage_and_each_writes_history_and_audit(app) -> None:
    candidate = applicant(sprint())
    with pytest.raises(DomainError, match="the next stage is interview"):
        selection.advance_candidate(SYSTEM, candidate, "simulations")
    with pytest.raises(DomainError, match="no stage called"):
        selection.advance_candidate(SYSTEM, candidate, "finished")
    selection.advance_candidate(SYSTEM, candidate, "interview")
    assert [(e.from_stage, e.to_stage) for e in candidate.events] == [
        (None, "applied"), ("applied", "interview")]
    assert _actions(candidate)[-1] == "candidate.interview"
    assert [m.kind for m in _outbox()] == ["selection.scheduling"]


def test_interview_guard_needs_a_closed_passed_interview(app) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    with pytest.raises(DomainError, match="No interview assessment is recorded"):
        selection.advance_candidate(SYSTEM, candidate, "simulations")
    stage_rubrics()
    selection.create_stage_assessment(SYSTEM, candidate, "interview")
    with pytest.raises(DomainError, match="not closed yet"):
        selection.advance_candidate(SYSTEM, candidate, "simulations")


def test_a_failed_interview_never_advances(app) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    passed_assessment(candidate, "interview", LOW)
    with pytest.raises(DomainError, match="did not pass"):
        selection.advance_candidate(SYSTEM, candidate, "simulations")
    with pytest.raises(DomainError, match="already exists"):
        selection.create_stage_assessment(SYSTEM, candidate, "interview")
    assert "did not pass" in " ".join(selection.what_is_missing(candidate))


def test_uncalibrated_raters_do_not_count(app) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    passed_assessment(candidate, "interview")
    link = candidate.assessments[0]
    db.session.execute(sa.text("UPDATE rater_calibrations SET calibrated = :no"), {"no": False})
    db.session.expire_all()
    evidence = selection.assessment_evidence(link)
    assert evidence.raters_calibrated is False
    with pytest.raises(DomainError, match="Not every rater"):
        selection.advance_candidate(SYSTEM, candidate, "simulations")


def test_simulations_need_both_scenarios(app) -> None:
    candidate = candidate_at(CandidateStage.SIMULATIONS)
    passed_assessment(candidate, "simulation-performance")
    with pytest.raises(DomainError, match="No transition/identity scenario simulation"):
        selection.advance_candidate(SYSTEM, candidate, "supervised_practice")
    with pytest.raises(DomainError, match="while the candidate is at the interview"):
        selection.create_stage_assessment(SYSTEM, candidate, "interview")


def test_telling_instead_of_coaching_fails_the_non_negotiable(app) -> None:
    candidate = candidate_at(CandidateStage.SIMULATIONS)
    passed_assessment(candidate, "simulation-performance")
    # Every other behaviour top marks, but the coach advised: the non-negotiable is unmet.
    passed_assessment(candidate, "simulation-transition",
                      {"reflects": "5", "silence": "1", "no-advice": "0"})
    with pytest.raises(DomainError) as caught:
        selection.advance_candidate(SYSTEM, candidate, "supervised_practice")
    assert "Non-negotiable not met in the transition/identity scenario simulation: Asks " \
           "rather than tells or advises" in caught.value.message


def test_practice_needs_eight_verified_hours_and_a_review(app) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    for _ in range(8):
        selection.log_practice_hours(SYSTEM, candidate, session_date=utcnow().date(),
                                     minutes=60)
    with pytest.raises(DomainError) as caught:
        selection.advance_candidate(SYSTEM, candidate, "panel")
    assert "0 hours of coached practice verified" in caught.value.message
    assert "(8 hours logged await a supervisor's verification)" in caught.value.message
    assert "No recorded session" in caught.value.message


def test_practice_hours_are_validated(app) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    tomorrow = utcnow().date() + timedelta(days=1)
    with pytest.raises(DomainError) as caught:
        selection.log_practice_hours(SYSTEM, candidate, session_date=tomorrow, minutes=0)
    assert set(caught.value.field_errors) == {"session_date", "minutes"}
    with pytest.raises(DomainError) as caught:
        selection.log_practice_hours(SYSTEM, candidate, minutes=60,
                                     session_date=candidate.sprint.start_date
                                     - timedelta(days=1))
    assert caught.value.field_errors == {
        "session_date": ["The date is before the sprint started."]}
    with pytest.raises(DomainError):
        selection.log_practice_hours(SYSTEM, candidate, session_date=utcnow().date(),
                                     minutes=481)


def test_only_another_supervisor_verifies_hours(app) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    lead = UserFactory(roles=[Role.LEAD_COACH])
    entry = selection.log_practice_hours(lead, candidate, session_date=utcnow().date(),
                                         minutes=90)
    with pytest.raises(DomainError, match="Someone other than the person who logged"):
        selection.verify_practice_hours(lead, candidate, entry.id)
    self_user = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    self_user.role_grants.append(RoleGrant(role=Role.LEAD_COACH.value))
    db.session.flush()
    with pytest.raises(NotPermitted):
        selection.verify_practice_hours(self_user, candidate, entry.id)
    with pytest.raises(NotPermitted):
        selection.verify_practice_hours(UserFactory(roles=[Role.RATER]), candidate, entry.id)
    other = UserFactory(roles=[Role.MASTER_COACH])
    selection.verify_practice_hours(other, candidate, entry.id)
    with pytest.raises(DomainError, match="already verified"):
        selection.verify_practice_hours(other, candidate, entry.id)
    with pytest.raises(NotFound):
        selection.verify_practice_hours(other, candidate, 999999)
    assert selection.hours_summary(candidate).verified == 1.5


def test_panel_needs_all_three_and_a_unanimous_appointment(app) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    with pytest.raises(DomainError, match="has not recorded a decision"):
        selection.advance_candidate(SYSTEM, candidate, "appointed")
    members = {m.panel_role: m.user for m in candidate.sprint.panel}
    selection.record_panel_decision(members["hr_ld"], candidate, verdict="appoint",
                                    reasons="Evidence is strong.")
    selection.record_panel_decision(members["external_master_coach"], candidate,
                                    verdict="appoint", reasons="Coaching stance held.")
    selection.record_panel_decision(members["business_sponsor"], candidate,
                                    verdict="do_not_appoint", reasons="Capacity worries.")
    with pytest.raises(DomainError, match="The panel is split: 2 of 3 appoint"):
        selection.advance_candidate(SYSTEM, candidate, "appointed")
    # The sponsor reconsiders: the decision is replaced, the audit log keeps both.
    selection.record_panel_decision(members["business_sponsor"], candidate, verdict="appoint",
                                    reasons="Manager confirmed the time.")
    assert len(candidate.panel_decisions) == 3
    assert _actions(candidate).count("candidate.panel_decision") == 4
    selection.advance_candidate(SYSTEM, candidate, "appointed")
    assert candidate.stage == "appointed"


def test_panel_decisions_come_from_panel_members_with_reasons(app) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    with pytest.raises(NotPermitted):
        selection.record_panel_decision(UserFactory(roles=[Role.ADMIN]), candidate,
                                        verdict="appoint", reasons="x")
    member = candidate.sprint.panel[0].user
    with pytest.raises(DomainError) as caught:
        selection.record_panel_decision(member, candidate, verdict="maybe", reasons=" ")
    assert set(caught.value.field_errors) == {"verdict", "reasons"}


def test_appointment_grants_the_coach_role_and_announces_it(app) -> None:
    candidate = candidate_at(CandidateStage.PANEL)  # the applicant has an account
    panel_decides(candidate)
    selection.advance_candidate(SYSTEM, candidate, "appointed")
    user = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    assert "coach" in user.roles
    assert [m.subject for m in _outbox("selection.decision")] == [
        "Spring sprint: you are appointed as an internal coach"]


def test_appointments_stop_at_capacity(app) -> None:
    row = sprint(capacity=1)
    first = candidate_at(CandidateStage.APPOINTED, row)
    second = candidate_at(CandidateStage.PANEL, row)
    panel_decides(second)
    assert first.stage == "appointed"
    with pytest.raises(DomainError, match="All 1 seats"):
        selection.advance_candidate(SYSTEM, second, "appointed")


def test_rejection_needs_a_reason_and_the_notice_never_repeats_it(app) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    with pytest.raises(DomainError) as caught:
        selection.reject_candidate(SYSTEM, candidate, "  ")
    assert caught.value.field_errors["reason"] == ["Give a reason for the rejection."]
    selection.reject_candidate(SYSTEM, candidate, "Interview showed a directive style.")
    assert candidate.exit_reason == "Interview showed a directive style."
    assert candidate.furthest_stage == "interview"
    [notice] = _outbox("selection.decision")
    assert "directive" not in notice.body and "will not continue" in notice.body
    with pytest.raises(DomainError, match="final"):
        selection.advance_candidate(SYSTEM, candidate, "simulations")


def test_candidates_withdraw_themselves_and_nobody_else_does(app) -> None:
    candidate = applicant(sprint())
    own = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    with pytest.raises(NotPermitted):
        selection.withdraw_candidate(UserFactory(roles=[Role.LEAD_COACH]), candidate, "x")
    selection.withdraw_candidate(own, candidate, "New role takes my time.")
    assert candidate.stage == "withdrawn"
    assert "withdrawn" in _outbox("selection.decision")[0].body


def test_export_lists_every_entry_with_results(app) -> None:
    row = sprint()
    candidate_at(CandidateStage.SUPERVISED_PRACTICE, row)
    applicant(row)
    rows = selection.export_board(SYSTEM, row)
    assert len(rows) == 2
    advanced = next(r for r in rows if r["stage"] == "supervised_practice")
    assert advanced["interview"] == "passed" and advanced["simulation_transition"] == "passed"
    assert list(advanced) == list(selection.EXPORT_COLUMNS)


def test_funnel_counts_people_at_their_furthest_stage(app) -> None:
    row = sprint()
    candidate_at(CandidateStage.SIMULATIONS, row)
    rejected = candidate_at(CandidateStage.INTERVIEW, row)
    selection.reject_candidate(SYSTEM, rejected, "Not this time.")
    applicant(row)
    counts = {r.stage.value: r.count for r in selection.funnel(row)}
    assert counts == {"nominated": 3, "applied": 3, "interview": 2, "simulations": 1,
                      "supervised_practice": 0, "panel": 0, "appointed": 0}


def test_whole_pipeline_through_the_services(app) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    panel_decides(candidate)
    selection.advance_candidate(SYSTEM, candidate, "appointed")
    assert [e.to_stage for e in candidate.events] == [
        "applied", "interview", "simulations", "supervised_practice", "panel", "appointed"]
    assert selection.what_is_missing(candidate) == []


def test_a_move_someone_else_made_first_is_refused_not_repeated(app) -> None:
    candidate = applicant(sprint())
    # Another request moved the candidate after this one loaded it.
    db.session.execute(sa.text("UPDATE candidates SET stage = 'interview' WHERE id = :id"),
                       {"id": candidate.id})
    with pytest.raises(DomainError, match="Someone else moved this candidate"):
        selection.advance_candidate(SYSTEM, candidate, "interview")
    assert len(candidate.events) == 1


def test_a_simultaneous_duplicate_entry_is_refused_in_words(app) -> None:
    candidate = applicant(sprint())
    twin = Candidate(sprint_id=candidate.sprint_id, person_id=candidate.person_id,
                     route="application", stage="applied", furthest_stage="applied")
    with pytest.raises(DomainError, match="already has an entry"):
        selection._insert(twin, "This person already has an entry in this sprint.")
    assert db.session.get(Candidate, candidate.id) is candidate  # the transaction lives on


@pytest.mark.parametrize("start", [date(9999, 12, 31), date(1, 1, 1), date(2020, 1, 1)])
def test_a_start_date_far_from_today_is_refused(app, frozen, start) -> None:
    with pytest.raises(DomainError) as caught:
        selection.create_sprint(SYSTEM, selection.SprintDraft("Typo", 3, start))
    assert caught.value.field_errors["start_date"] == [
        "Choose a day within two years of today (2026-03-02)."]
