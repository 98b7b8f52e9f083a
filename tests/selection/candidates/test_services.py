"""Candidate services: the guards of each move, history and audit, appointment, rejection,
withdrawal, the export and the whole pipeline."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.auth.models import User
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.domain import CandidateStage
from tests.assessments.builders import LOW
from tests.factories import UserFactory
from tests.selection.builders import (
    SYSTEM,
    applicant,
    candidate_at,
    panel_decides,
    passed_assessment,
    sprint,
    stage_rubrics,
)
from tests.selection.helpers import (
    audit_actions,
    outbox_messages,
)


def test_moves_skip_no_stage_and_each_writes_history_and_audit(app) -> None:
    candidate = applicant(sprint())
    with pytest.raises(DomainError, match="the next stage is interview"):
        candidate_services.advance_candidate(SYSTEM, candidate, "simulations")
    with pytest.raises(DomainError, match="no stage called"):
        candidate_services.advance_candidate(SYSTEM, candidate, "finished")
    candidate_services.advance_candidate(SYSTEM, candidate, "interview")
    assert [(e.from_stage, e.to_stage) for e in candidate.events] == [
        (None, "applied"), ("applied", "interview")]
    assert audit_actions(candidate)[-1] == "candidate.interview"
    assert [m.kind for m in outbox_messages()] == ["selection.scheduling"]


def test_interview_guard_needs_a_closed_passed_interview(app) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    with pytest.raises(DomainError, match="No interview assessment is recorded"):
        candidate_services.advance_candidate(SYSTEM, candidate, "simulations")
    stage_rubrics()
    candidate_services.create_stage_assessment(SYSTEM, candidate, "interview")
    with pytest.raises(DomainError, match="not closed yet"):
        candidate_services.advance_candidate(SYSTEM, candidate, "simulations")


def test_a_failed_interview_never_advances(app) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    passed_assessment(candidate, "interview", LOW)
    with pytest.raises(DomainError, match="did not pass"):
        candidate_services.advance_candidate(SYSTEM, candidate, "simulations")
    with pytest.raises(DomainError, match="already exists"):
        candidate_services.create_stage_assessment(SYSTEM, candidate, "interview")
    assert "did not pass" in " ".join(candidate_services.what_is_missing(candidate))


def test_uncalibrated_raters_do_not_count(app) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    passed_assessment(candidate, "interview")
    link = candidate.assessments[0]
    db.session.execute(sa.text("UPDATE rater_calibrations SET calibrated = :no"), {"no": False})
    db.session.expire_all()
    evidence = candidate_services.assessment_evidence(link)
    assert evidence.raters_calibrated is False
    with pytest.raises(DomainError, match="Not every rater"):
        candidate_services.advance_candidate(SYSTEM, candidate, "simulations")


def test_simulations_need_both_scenarios(app) -> None:
    candidate = candidate_at(CandidateStage.SIMULATIONS)
    passed_assessment(candidate, "simulation-performance")
    with pytest.raises(DomainError, match="No transition/identity scenario simulation"):
        candidate_services.advance_candidate(SYSTEM, candidate, "supervised_practice")
    with pytest.raises(DomainError, match="while the candidate is at the interview"):
        candidate_services.create_stage_assessment(SYSTEM, candidate, "interview")


def test_telling_instead_of_coaching_fails_the_non_negotiable(app) -> None:
    candidate = candidate_at(CandidateStage.SIMULATIONS)
    passed_assessment(candidate, "simulation-performance")
    # Every other behaviour top marks, but the coach advised: the non-negotiable is unmet.
    passed_assessment(candidate, "simulation-transition",
                      {"reflects": "5", "silence": "1", "no-advice": "0"})
    with pytest.raises(DomainError) as caught:
        candidate_services.advance_candidate(SYSTEM, candidate, "supervised_practice")
    assert "Non-negotiable not met in the transition/identity scenario simulation: Asks " \
           "rather than tells or advises" in caught.value.message


def test_appointment_grants_the_coach_role_and_announces_it(app) -> None:
    candidate = candidate_at(CandidateStage.PANEL)  # the applicant has an account
    panel_decides(candidate)
    candidate_services.advance_candidate(SYSTEM, candidate, "appointed")
    user = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    assert "coach" in user.roles
    assert [m.subject for m in outbox_messages("selection.decision")] == [
        "Spring sprint: you are appointed as an internal coach"]


def test_appointments_stop_at_capacity(app) -> None:
    row = sprint(capacity=1)
    first = candidate_at(CandidateStage.APPOINTED, row)
    second = candidate_at(CandidateStage.PANEL, row)
    panel_decides(second)
    assert first.stage == "appointed"
    with pytest.raises(DomainError, match="All 1 seats"):
        candidate_services.advance_candidate(SYSTEM, second, "appointed")


def test_rejection_needs_a_reason_and_the_notice_never_repeats_it(app) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    with pytest.raises(DomainError) as caught:
        candidate_services.reject_candidate(SYSTEM, candidate, "  ")
    assert caught.value.field_errors["reason"] == ["Give a reason for the rejection."]
    candidate_services.reject_candidate(SYSTEM, candidate, "Interview showed a directive style.")
    assert candidate.exit_reason == "Interview showed a directive style."
    assert candidate.furthest_stage == "interview"
    [notice] = outbox_messages("selection.decision")
    assert "directive" not in notice.body and "will not continue" in notice.body
    with pytest.raises(DomainError, match="final"):
        candidate_services.advance_candidate(SYSTEM, candidate, "simulations")


def test_candidates_withdraw_themselves_and_nobody_else_does(app) -> None:
    candidate = applicant(sprint())
    own = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    with pytest.raises(NotPermitted):
        candidate_services.withdraw_candidate(UserFactory(roles=[Role.LEAD_COACH]), candidate, "x")
    candidate_services.withdraw_candidate(own, candidate, "New role takes my time.")
    assert candidate.stage == "withdrawn"
    assert "withdrawn" in outbox_messages("selection.decision")[0].body


def test_export_lists_every_entry_with_results(app) -> None:
    row = sprint()
    candidate_at(CandidateStage.SUPERVISED_PRACTICE, row)
    applicant(row)
    rows = candidate_services.export_board(SYSTEM, row)
    assert len(rows) == 2
    advanced = next(r for r in rows if r["stage"] == "supervised_practice")
    assert advanced["interview"] == "passed" and advanced["simulation_transition"] == "passed"
    assert list(advanced) == list(candidate_services.EXPORT_COLUMNS)


def test_whole_pipeline_through_the_services(app) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    panel_decides(candidate)
    candidate_services.advance_candidate(SYSTEM, candidate, "appointed")
    assert [e.to_stage for e in candidate.events] == [
        "applied", "interview", "simulations", "supervised_practice", "panel", "appointed"]
    assert candidate_services.what_is_missing(candidate) == []


def test_a_move_someone_else_made_first_is_refused_not_repeated(app) -> None:
    candidate = applicant(sprint())
    # Another request moved the candidate after this one loaded it.
    db.session.execute(sa.text("UPDATE candidates SET stage = 'interview' WHERE id = :id"),
                       {"id": candidate.id})
    with pytest.raises(DomainError, match="Someone else moved this candidate"):
        candidate_services.advance_candidate(SYSTEM, candidate, "interview")
    assert len(candidate.events) == 1
