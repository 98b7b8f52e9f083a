"""Panel services: seats, replacements and decisions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.auth.models import RoleGrant, User
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.selection import domain
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.domain import CandidateStage
from coachprog.selection.entries import services as entry_services
from coachprog.selection.panel import domain as panel_domain
from coachprog.selection.panel import services as panel_services
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
    verified_hours,
)
from tests.selection.helpers import (
    audit_actions,
)


def test_panel_seats_need_their_role_and_three_different_people(app) -> None:
    row = sprint(panel=False)
    coach = UserFactory(roles=[Role.LEAD_COACH], display_name="Lee Lead")
    with pytest.raises(DomainError, match="needs the master coach role"):
        panel_services.seat_panel_member(SYSTEM, row, "external_master_coach", coach.id)
    both = UserFactory(roles=[Role.ADMIN, Role.SPONSOR], display_name="Bo Both")
    panel_services.seat_panel_member(SYSTEM, row, "hr_ld", both.id)
    with pytest.raises(DomainError, match="already sits on this panel"):
        panel_services.seat_panel_member(SYSTEM, row, "business_sponsor", both.id)
    with pytest.raises(DomainError, match="Choose a panel seat"):
        panel_services.seat_panel_member(SYSTEM, row, "chair", both.id)


def test_a_replaced_panel_member_keeps_the_decisions_already_recorded(app) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    panel_decides(candidate)
    other = UserFactory(roles=[Role.SPONSOR], display_name="Olu Other")
    panel_services.seat_panel_member(SYSTEM, candidate.sprint, "business_sponsor", other.id,
                                reason="Away for the rest of the sprint.")
    decision = next(d for d in candidate.panel_decisions if d.panel_role == "business_sponsor")
    assert decision.member_id != other.id
    assert candidate_services.panel_outcome(candidate) is panel_domain.PanelOutcome.APPOINT


def test_a_panel_member_never_decides_on_themselves_or_someone_in_their_line(app) -> None:
    row = sprint()
    sponsor = next(m.user for m in row.panel if m.panel_role == "business_sponsor")
    sponsor.person_id = PersonFactory().id
    with pytest.raises(DomainError, match="sits on this sprint's calibration panel"):
        entry_services.apply(sponsor, row, text=APPLICATION)
    boss, report = line(1)
    member = next(m.user for m in row.panel if m.panel_role == "external_master_coach")
    member.person_id = boss.id
    entry = applicant(row, report)
    candidate_services.advance_candidate(SYSTEM, entry, "interview")
    passed_assessment(entry, "interview")
    candidate_services.advance_candidate(SYSTEM, entry, "simulations")
    for key in domain.SIMULATION_RUBRICS:
        passed_assessment(entry, key)
    candidate_services.advance_candidate(SYSTEM, entry, "supervised_practice")
    verified_hours(entry)
    candidate_services.advance_candidate(SYSTEM, entry, "panel")
    with pytest.raises(DomainError, match="conflict of interest"):
        panel_services.record_panel_decision(member, entry, verdict="appoint", reasons="Good.")
    candidate_user = db.session.scalar(sa.select(User).where(User.person_id == report.id))
    candidate_user.role_grants.append(RoleGrant(role=Role.MASTER_COACH.value))
    db.session.flush()
    with pytest.raises(DomainError, match="has an entry in this sprint"):
        panel_services.seat_panel_member(SYSTEM, row, "external_master_coach", candidate_user.id)


def test_panel_needs_all_three_and_a_unanimous_appointment(app) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    with pytest.raises(DomainError, match="has not recorded a decision"):
        candidate_services.advance_candidate(SYSTEM, candidate, "appointed")
    members = {m.panel_role: m.user for m in candidate.sprint.panel}
    panel_services.record_panel_decision(members["hr_ld"], candidate, verdict="appoint",
                                    reasons="Evidence is strong.")
    panel_services.record_panel_decision(members["external_master_coach"], candidate,
                                    verdict="appoint", reasons="Coaching stance held.")
    panel_services.record_panel_decision(members["business_sponsor"], candidate,
                                    verdict="do_not_appoint", reasons="Capacity worries.")
    with pytest.raises(DomainError, match="The panel is split: 2 of 3 appoint"):
        candidate_services.advance_candidate(SYSTEM, candidate, "appointed")
    # The sponsor reconsiders: the decision is replaced, the audit log keeps both.
    panel_services.record_panel_decision(members["business_sponsor"], candidate, verdict="appoint",
                                    reasons="Manager confirmed the time.")
    assert len(candidate.panel_decisions) == 3
    assert audit_actions(candidate).count("candidate.panel_decision") == 4
    candidate_services.advance_candidate(SYSTEM, candidate, "appointed")
    assert candidate.stage == "appointed"


def test_panel_decisions_come_from_panel_members_with_reasons(app) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    with pytest.raises(NotPermitted):
        panel_services.record_panel_decision(UserFactory(roles=[Role.ADMIN]), candidate,
                                        verdict="appoint", reasons="x")
    member = candidate.sprint.panel[0].user
    with pytest.raises(DomainError) as caught:
        panel_services.record_panel_decision(member, candidate, verdict="maybe", reasons=" ")
    assert set(caught.value.field_errors) == {"verdict", "reasons"}
