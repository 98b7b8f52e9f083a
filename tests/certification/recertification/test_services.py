"""The recertification flow through the services, with an injected clock: the outcomes brief,
the peer review (requested, written by the peer), development hours from the practicum
ledger, a scored session in the cycle, the rubric-scored review by a master coach, two
approvals, renewal (early: no time lost; late: from today, a lapsed coach restored) and
withdrawal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from coachprog.auth.models import RoleGrant
from coachprog.certification import domain, services
from coachprog.certification.models import (
    Certification,
    CertificationDecision,
    CertificationEvidence,
)
from coachprog.certification.recertification import evidence, review
from coachprog.certification.recertification import services as rs
from coachprog.coaching.roster.services import roster_exclusions
from coachprog.db import set_clock
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.practicum.ledger.models import LedgerEntry
from coachprog.roles import Role
from tests.certification.recertification.access_cases import (
    BRIEF,
    PEER_REVIEW,
    certified,
    development_hours,
    master_coach,
    rubric,
    scored_session,
)
from tests.factories import PersonFactory, UserFactory

TODAY = date(2027, 2, 1)
DUE = date(2027, 3, 1)
ISSUED = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def clock():
    now = [datetime(2027, 2, 1, 12, tzinfo=UTC)]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)


def move_to(clock, day: date) -> None:
    clock[0] = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@pytest.fixture
def world():
    """A coach due on 1 March 2027, a certified peer, a calibrated master coach, an admin."""
    person, coach, cert = certified(name="Cora Coach", valid_until=DUE, issued_on=ISSUED)
    peer_person, peer, _ = certified(name="Pia Peer", valid_until=date(2027, 9, 1),
                                     issued_on=date(2026, 9, 1))
    master = master_coach()
    admin = UserFactory(roles=[Role.ADMIN], display_name="Ada Admin")
    return {"person": person, "coach": coach, "cert": cert, "peer_person": peer_person,
            "peer": peer, "master": master, "admin": admin}


def gather(w, *, hours: float = 10) -> None:
    """All four pieces of evidence for the cycle."""
    evidence.submit_outcomes_brief(w["coach"], w["cert"].id, BRIEF)
    evidence.request_peer_review(w["coach"], w["cert"].id, w["peer_person"].id)
    evidence.submit_peer_review(w["peer"], w["cert"].id, PEER_REVIEW)
    development_hours(w["person"], hours)
    scored_session(w["person"])


def marks(passing: bool = True) -> dict[str, str]:
    spec = rubric().to_domain()
    values = {b.id: str(max(b.valid_values())) for b in spec.behaviours}
    if not passing:
        values["recert-confidentiality"] = "0"
    return values


def reviewed(w, *, passing: bool = True) -> CertificationDecision:
    gather(w)
    decision = review.start_review(w["master"], w["cert"].id)
    review.score_review(w["master"], w["cert"].id, marks(passing), {}, submit=True)
    return decision


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


# --- evidence -------------------------------------------------------------------------------


def test_a_coach_gathers_the_evidence_and_the_stage_follows(world):
    w = world
    assert rs.stage_of(w["cert"]) is rs.rules.Stage.GATHERING
    overview = rs.overview(w["coach"], w["cert"].id)
    assert [line.met for line in overview.evidence] == [False, False, False, False]
    assert overview.window == rs.rules.CycleWindow(ISSUED, TODAY)
    gather(w)
    overview = rs.overview(w["coach"], w["cert"].id)
    assert overview.evidence_complete and overview.stage is rs.rules.Stage.READY_FOR_REVIEW
    peer_line = next(line for line in overview.evidence if line.key == "peer_review")
    assert "Written by Pia Peer" in peer_line.detail
    assert overview.brief.summary == BRIEF and overview.brief.certification_id == w["cert"].id
    assert overview.peer_review.kind == "peer_review"
    assert {"certification.outcomes_brief_recorded", "certification.peer_review_requested",
            "certification.peer_review_recorded"} <= set(actions())


def test_development_hours_come_from_verified_ledger_entries_in_the_cycle(world):
    w = world
    development_hours(w["person"], 9)
    development_hours(w["person"], 5, status="pending")
    development_hours(w["person"], 5, on=ISSUED - timedelta(days=1))  # before the cycle
    line = {x.key: x for x in rs.overview(w["admin"], w["cert"].id).evidence}
    hours = line["development_hours"]
    assert not hours.met and "9 verified hours" in hours.detail
    development_hours(w["person"], 1)
    line = {x.key: x for x in rs.overview(w["admin"], w["cert"].id).evidence}
    assert line["development_hours"].met


def test_a_session_scored_before_the_cycle_does_not_count(world):
    w = world
    scored_session(w["person"], closed_on=ISSUED - timedelta(days=3))
    line = {x.key: x for x in rs.overview(w["admin"], w["cert"].id).evidence}
    assert not line["scored_session"].met
    scored_session(w["person"], closed_on=ISSUED)
    line = {x.key: x for x in rs.overview(w["admin"], w["cert"].id).evidence}
    assert line["scored_session"].met


def test_brief_text_rules_and_nothing_saved_on_refusal(world):
    w = world
    with pytest.raises(DomainError) as refused:
        evidence.submit_outcomes_brief(w["coach"], w["cert"].id, BRIEF + " client ana@example.com")
    assert "e-mail address" in refused.value.field_errors["text"][0]
    with pytest.raises(DomainError) as refused:
        evidence.submit_outcomes_brief(w["coach"], w["cert"].id, "Short.")
    assert "at least 300" in refused.value.field_errors["text"][0]
    assert db.session.scalar(sa.select(sa.func.count(CertificationEvidence.id))) == 0


def test_brief_is_rewritten_not_duplicated_and_line_ends_are_plain(world):
    w = world
    evidence.submit_outcomes_brief(w["coach"], w["cert"].id, BRIEF)
    evidence.submit_outcomes_brief(w["admin"], w["cert"].id, "  " + BRIEF.replace(". ", ".\r\n"))
    rows = db.session.scalars(sa.select(CertificationEvidence)).all()
    assert len(rows) == 1 and "\r" not in rows[0].summary and rows[0].recorded_by_id == \
        w["admin"].id


def test_only_the_coach_or_an_admin_writes_the_brief(world):
    w = world
    for other in (w["master"], w["peer"], UserFactory(roles=[Role.MANAGER]),
                  UserFactory(roles=[Role.LEAD_COACH])):
        with pytest.raises(NotPermitted):
            evidence.submit_outcomes_brief(other, w["cert"].id, BRIEF)
    with pytest.raises(NotFound):
        evidence.submit_outcomes_brief(w["coach"], 99_999, BRIEF)


def test_evidence_waits_for_the_window_to_open(world, clock):
    w = world
    move_to(clock, DUE - timedelta(days=61))
    with pytest.raises(DomainError, match="opens on 2026-12-31"):
        evidence.submit_outcomes_brief(w["coach"], w["cert"].id, BRIEF)
    assert rs.stage_of(w["cert"]) is rs.rules.Stage.NOT_YET_OPEN


def test_peer_must_be_another_currently_certified_coach(world):
    w = world
    cert = w["cert"].id
    with pytest.raises(DomainError, match="not by the coach themselves"):
        evidence.request_peer_review(w["coach"], cert, w["person"].id)
    uncertified = PersonFactory(name="Una")
    UserFactory(roles=[Role.COACH], person_id=uncertified.id)
    with pytest.raises(DomainError, match="no current certification"):
        evidence.request_peer_review(w["coach"], cert, uncertified.id)
    lapsed_person, _, _ = certified(name="Lapsed Lou", status="lapsed",
                                    valid_until=date(2027, 1, 1))
    with pytest.raises(DomainError, match="no current certification"):
        evidence.request_peer_review(w["coach"], cert, lapsed_person.id)
    no_account = PersonFactory(name="Nobody")
    db.session.add(Certification(person_id=no_account.id, level="certified_internal_coach",
                                 status="active", issued_on=ISSUED, valid_until=DUE))
    db.session.flush()
    with pytest.raises(DomainError, match="no account"):
        evidence.request_peer_review(w["coach"], cert, no_account.id)
    with pytest.raises(DomainError) as refused:
        evidence.request_peer_review(w["coach"], cert, None)
    assert "reviewer_person_id" in refused.value.field_errors
    candidates = evidence.peer_candidates(w["cert"])
    assert [p.name for p in candidates] == ["Pia Peer"]


def test_a_new_request_replaces_the_unanswered_one_and_only_the_asked_peer_writes(world):
    w = world
    other_person, other, _ = certified(name="Otto Other")
    evidence.request_peer_review(w["coach"], w["cert"].id, w["peer_person"].id)
    evidence.request_peer_review(w["coach"], w["cert"].id, other_person.id)
    assert db.session.scalar(sa.select(sa.func.count(CertificationEvidence.id))) == 1
    with pytest.raises(NotPermitted):
        evidence.submit_peer_review(w["peer"], w["cert"].id, PEER_REVIEW)
    with pytest.raises(NotPermitted):
        evidence.submit_peer_review(w["coach"], w["cert"].id, PEER_REVIEW)
    with pytest.raises(DomainError) as refused:
        evidence.submit_peer_review(other, w["cert"].id, "Good coach.")
    assert "at least 150" in refused.value.field_errors["text"][0]
    evidence.submit_peer_review(other, w["cert"].id, PEER_REVIEW)
    with pytest.raises(DomainError, match="has been written"):
        evidence.request_peer_review(w["coach"], w["cert"].id, w["peer_person"].id)


def test_a_peer_whose_certification_lapsed_meanwhile_cannot_write(world, clock):
    w = world
    evidence.request_peer_review(w["coach"], w["cert"].id, w["peer_person"].id)
    peer_cert = db.session.scalar(sa.select(Certification).where(
        Certification.person_id == w["peer_person"].id))
    peer_cert.status = "lapsed"
    with pytest.raises(DomainError, match="no current certification"):
        evidence.submit_peer_review(w["peer"], w["cert"].id, PEER_REVIEW)


def test_no_peer_page_without_a_request(world):
    with pytest.raises(NotPermitted):
        evidence.peer_request(world["peer"], world["cert"].id)


# --- the review -----------------------------------------------------------------------------


def test_review_starts_only_on_complete_evidence(world):
    w = world
    evidence.submit_outcomes_brief(w["coach"], w["cert"].id, BRIEF)
    with pytest.raises(DomainError, match="Not met: A peer review in the cycle"):
        review.start_review(w["master"], w["cert"].id)
    assert db.session.scalar(sa.select(sa.func.count(CertificationDecision.id))) == 0


def test_review_is_scored_by_a_calibrated_master_coach_without_conflict(world):
    w = world
    gather(w)
    with pytest.raises(NotPermitted):
        review.start_review(w["coach"], w["cert"].id)
    with pytest.raises(DomainError, match="Choose the master coach"):
        review.start_review(w["admin"], w["cert"].id)
    uncalibrated = master_coach("Ulla Uncalibrated", calibrated=False)
    with pytest.raises(DomainError, match="not calibrated"):
        review.start_review(w["admin"], w["cert"].id, uncalibrated.id)
    with pytest.raises(DomainError, match="not a master coach"):
        review.start_review(w["admin"], w["cert"].id, w["peer"].id)
    manager = master_coach("Manny Manager")
    manager.person_id = PersonFactory().id
    w["person"].manager_id = manager.person_id
    db.session.flush()
    with pytest.raises(DomainError, match="Conflict of interest"):
        review.start_review(w["admin"], w["cert"].id, manager.id)
    decision = review.start_review(w["admin"], w["cert"].id, w["master"].id)
    assert decision.kind == "recertification" and decision.status == "pending"
    assert decision.renews_certification_id == w["cert"].id and decision.criteria_met
    assessment = rs.review_assessment(decision)
    assert assessment.rubric_version.rubric_key == "recertification"
    assert assessment.evidence.subject_person_id == w["person"].id
    assert [a.rater_id for a in assessment.assignments] == [w["master"].id]
    assert rs.stage_of(w["cert"]) is rs.rules.Stage.REVIEW_IN_PROGRESS


def test_evidence_is_frozen_once_the_review_started(world):
    w = world
    gather(w)
    review.start_review(w["master"], w["cert"].id)
    with pytest.raises(DomainError, match="can no longer change"):
        evidence.submit_outcomes_brief(w["coach"], w["cert"].id, BRIEF)
    with pytest.raises(DomainError, match="can no longer change"):
        review.start_review(w["master"], w["cert"].id)


def test_only_the_assigned_rater_scores_and_incomplete_marks_are_refused(world):
    w = world
    gather(w)
    review.start_review(w["master"], w["cert"].id)
    with pytest.raises(NotPermitted):
        review.score_review(w["admin"], w["cert"].id, marks(), {}, submit=True)
    partial = dict(list(marks().items())[:3])
    with pytest.raises(DomainError, match="need attention"):
        review.score_review(w["master"], w["cert"].id, partial, {}, submit=True)
    review.score_review(w["master"], w["cert"].id, partial, {}, submit=False)  # a draft
    assert rs.stage_of(w["cert"]) is rs.rules.Stage.REVIEW_IN_PROGRESS


def test_scored_review_is_recorded_on_the_decision(world):
    decision = reviewed(world)
    assert decision.review_passed is True and decision.review_score == 1.0
    assert decision.review_marks["recert-confidentiality"] == 1
    assert rs.stage_of(world["cert"]) is rs.rules.Stage.AWAITING_APPROVAL


def test_failed_review_cannot_be_approved_until_withdrawn_and_reviewed_again(world):
    w = world
    decision = reviewed(w, passing=False)
    assert decision.review_passed is False
    assert rs.stage_of(w["cert"]) is rs.rules.Stage.REVIEW_NOT_PASSED
    with pytest.raises(DomainError, match="did not pass"):
        rs.approve(w["master"], decision.id, "master_coach")
    with pytest.raises(DomainError, match="reason"):
        rs.withdraw(w["coach"], w["cert"].id, "no")
    rs.withdraw(w["coach"], w["cert"].id, "Gathering a stronger brief first.")
    assert decision.status == "withdrawn" and decision.note.startswith("Gathering")
    assert rs.stage_of(w["cert"]) is rs.rules.Stage.READY_FOR_REVIEW
    evidence.submit_outcomes_brief(w["coach"], w["cert"].id, BRIEF + " More detail.")  # open again
    second = review.start_review(w["master"], w["cert"].id)
    assert second.id != decision.id
    assert "certification.recertification_withdrawn" in actions()


def test_withdraw_needs_a_recertification_in_progress_and_permission(world):
    w = world
    with pytest.raises(DomainError, match="No recertification"):
        rs.withdraw(w["coach"], w["cert"].id, "Nothing to withdraw here.")
    gather(w)
    review.start_review(w["master"], w["cert"].id)
    for other in (w["peer"], UserFactory(roles=[Role.SPONSOR]),
                  UserFactory(roles=[Role.LEAD_COACH])):
        with pytest.raises(NotPermitted):
            rs.withdraw(other, w["cert"].id, "Not mine to withdraw.")


# --- approval and renewal -------------------------------------------------------------------


def test_two_approvals_renew_early_with_no_time_lost(world):
    w = world
    decision = reviewed(w)
    rs.approve(w["master"], decision.id, "master_coach")
    assert decision.status == "pending" and w["cert"].status == "active"
    rs.approve(w["admin"], decision.id, "admin")
    assert decision.status == "approved"
    renewed = db.session.scalar(sa.select(Certification).where(
        Certification.decision_id == decision.id))
    assert renewed.status == "active" and renewed.issued_on == TODAY
    assert renewed.valid_until == date(2028, 3, 1)  # one cycle after the old due date
    assert renewed.last_recertified_on == TODAY and renewed.level == w["cert"].level
    assert renewed.verification_code != w["cert"].verification_code
    assert w["cert"].status == "superseded" and w["cert"].superseded_at is not None
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "certification.renewed")).one()
    assert entry.detail["late"] is False and entry.detail["restored"] is False
    assert rs.stage_of(renewed) is rs.rules.Stage.NOT_YET_OPEN
    assert rs.stage_of(w["cert"]) is rs.rules.Stage.NOT_RECERTIFIABLE


def test_the_generic_approval_path_renews_a_recertification_too(world):
    # The dashboard's approve buttons call services.approve_decision for every kind.
    w = world
    decision = reviewed(w)
    services.approve_decision(w["master"], decision.id, domain.ApproverRole.MASTER_COACH)
    services.approve_decision(w["admin"], decision.id, domain.ApproverRole.ADMIN)
    assert decision.status == "approved" and w["cert"].status == "superseded"
    renewed = db.session.scalars(sa.select(Certification).where(
        Certification.decision_id == decision.id)).one()
    # The brief and peer review written for the old certification today do not count for the
    # new one's cycle, which also starts today.
    met = {r.key: r.met for r in services.evaluate_recertification(renewed).results}
    assert renewed.issued_on == TODAY
    assert any("brief" in k for k in met) and any("peer" in k for k in met), met
    assert not any(met[k] for k in met if "brief" in k or "peer" in k), met


def test_a_lapsed_coach_who_recertifies_is_restored_from_today(world, clock):
    w = world
    gather(w)
    move_to(clock, date(2027, 4, 10))
    assert services.run_tick(w["admin"]).lapsed == 1
    assert w["person"].id in roster_exclusions()
    review.start_review(w["master"], w["cert"].id)
    review.score_review(w["master"], w["cert"].id, marks(), {}, submit=True)
    decision = rs.pending_decision(w["cert"])
    rs.approve(w["admin"], decision.id, "admin")
    rs.approve(w["master"], decision.id, "master_coach")
    renewed = db.session.scalar(sa.select(Certification).where(
        Certification.decision_id == decision.id))
    assert renewed.issued_on == date(2027, 4, 10) and renewed.valid_until == date(2028, 4, 10)
    assert w["cert"].status == "superseded"
    assert w["person"].id not in roster_exclusions()
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "certification.renewed")).one()
    assert entry.detail["late"] is True and entry.detail["restored"] is True


def test_two_person_rule_and_own_recertification(world):
    w = world
    decision = reviewed(w)
    both = UserFactory(roles=[Role.MASTER_COACH, Role.ADMIN])
    rs.approve(both, decision.id, "master_coach")
    with pytest.raises(DomainError, match="two different people"):
        rs.approve(both, decision.id, "admin")
    with pytest.raises(DomainError, match="already been given"):
        rs.approve(w["master"], decision.id, "master_coach")
    with pytest.raises(DomainError, match="Approve as"):
        rs.approve(w["admin"], decision.id, "sponsor")
    with pytest.raises(NotPermitted):
        rs.approve(w["coach"], decision.id, "admin")
    w["coach"].role_grants.append(RoleGrant(role="admin"))
    db.session.flush()
    with pytest.raises(DomainError, match="Nobody approves their own"):
        rs.approve(w["coach"], decision.id, "admin")


def test_approval_refused_while_the_review_is_open(world):
    w = world
    gather(w)
    decision = review.start_review(w["master"], w["cert"].id)
    with pytest.raises(DomainError, match="not scored yet"):
        rs.approve(w["admin"], decision.id, "admin")


def test_criteria_rechecked_at_approval_and_admin_override(world):
    w = world
    decision = reviewed(w)
    # The development hours are queried after the review: no longer verified.
    for entry in db.session.scalars(sa.select(LedgerEntry)):
        entry.status = "queried"
    db.session.flush()
    with pytest.raises(DomainError, match="Not met: At least 10 continuing"):
        rs.approve(w["master"], decision.id, "master_coach")
    services.override_decision(w["admin"], decision.id, "Hours verified on paper by L&D.")
    rs.approve(w["master"], decision.id, "master_coach")
    rs.approve(w["admin"], decision.id, "admin")
    assert decision.status == "approved" and decision.override and not decision.criteria_met


def test_a_revoked_certification_is_not_renewed(world):
    w = world
    decision = reviewed(w)
    services.revoke_certification(w["admin"], w["cert"].id, "Serious ethics breach found.")
    with pytest.raises(DomainError, match="revoked"):
        rs.approve(w["master"], decision.id, "master_coach")


def test_unknown_or_closed_decisions(world):
    w = world
    with pytest.raises(NotFound):
        rs.approve(w["admin"], 99_999, "admin")
    decision = reviewed(w)
    rs.withdraw(w["admin"], w["cert"].id, "Started by mistake, sorry.")
    with pytest.raises(DomainError, match="no longer open"):
        rs.approve(w["admin"], decision.id, "admin")


def test_panel_rows_list_active_and_lapsed_only(world):
    w = world
    revoked = Certification(person_id=w["person"].id, level="senior_coach", status="revoked",
                            issued_on=ISSUED, valid_until=DUE)
    db.session.add(revoked)
    db.session.flush()
    rows = rs.panel_rows([w["cert"], revoked])
    assert [(r.cert.id, r.stage) for r in rows] == [(w["cert"].id, rs.rules.Stage.GATHERING)]
