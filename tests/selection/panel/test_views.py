"""The panel through the Flask client: seats set from the board, a member reading the pack
and recording a decision, what a sponsor on or off the panel sees."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask.testing import FlaskClient

from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.domain import CandidateStage
from tests.conftest import Auth, post_form
from tests.selection.builders import (
    SYSTEM,
    applicant,
    candidate_at,
    panel_decides,
    sprint,
)
from tests.selection.helpers import (
    follow,
    make_user,
    path_of,
    sign_in,
    text_of,
)


def test_panel_seats_are_set_from_the_board(client: FlaskClient, auth: Auth) -> None:
    row = sprint(panel=False)
    sponsor = make_user(Role.SPONSOR, display_name="Sol Sponsor")
    lead = make_user(Role.LEAD_COACH, display_name="Lee Lead")
    auth.login_as(Role.ADMIN)
    page = text_of(client.get(f"/sprints/{row.id}"))
    assert "Sol Sponsor" in page and 'id="seat-business_sponsor"' in page
    response = post_form(client, f"/sprints/{row.id}/panel/business_sponsor",
                         {"user_id": str(sponsor.id)})
    assert "Sol Sponsor sits on the panel as Business sponsor." in follow(client, response)
    response = post_form(client, f"/sprints/{row.id}/panel/external_master_coach",
                         {"user_id": str(lead.id)})
    assert "Lee Lead cannot sit as External master coach: the seat needs the master coach " \
           "role." in follow(client, response)
    response = post_form(client, f"/sprints/{row.id}/panel/chair", {"user_id": "abc"})
    assert "Choose a panel seat." in follow(client, response)


def test_panel_member_reads_the_pack_and_records_a_decision(client: FlaskClient) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    early = applicant(candidate.sprint)
    sponsor = next(m.user for m in candidate.sprint.panel if m.panel_role == "business_sponsor")
    sign_in(client, sponsor)
    board = text_of(client.get(f"/sprints/{candidate.sprint_id}"))
    assert "the calibration panel" in board and candidate.person.name in board
    assert early.person.name not in board and "board-card" not in board
    page = text_of(client.get(path_of(candidate)))
    assert "Your decision (Business sponsor)" in page
    assert 'id="reject"' not in page and "Move to appointed" not in page
    response = post_form(client, path_of(candidate, "/decision"), {"verdict": "maybe",
                                                               "reasons": " "})
    assert response.status_code == 400
    page = text_of(response)
    assert 'id="verdict-error" role="alert">Choose appoint or do not appoint.' in page
    assert 'id="reasons-error" role="alert">Give the reasons for your decision' in page
    response = post_form(client, path_of(candidate, "/decision"),
                         {"verdict": "appoint", "reasons": "Manager confirmed the time."})
    page = follow(client, response)
    assert "Your decision is recorded." in page
    assert re.search(r'checked[^>]*value="appoint"|value="appoint"[^>]*checked', page)
    assert "Manager confirmed the time.</textarea>" in page
    assert client.get(path_of(early)).status_code == 403
    assert post_form(client, path_of(early, "/decision"),
                     {"verdict": "appoint", "reasons": "x"}).status_code == 403


def test_a_sponsor_on_the_panel_sees_hours_but_not_practice_session_notes(
        client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.PANEL)  # notes "Session 1…" and a review
    sponsor = next(m.user for m in candidate.sprint.panel if m.panel_role == "business_sponsor")
    db.session.commit()
    sign_in(client, sponsor)
    page = text_of(client.get(path_of(candidate)))
    assert "Session 1" not in page and "let silences run longer" not in page
    assert "for supervisors and L&amp;D only" in page
    auth.logout()
    auth.login_as("lead_coach")
    page = text_of(client.get(path_of(candidate)))
    assert "Session 1" in page and "let silences run longer" in page
    opened = db.session.scalars(sa.select(AuditEntry.actor_id).where(
        AuditEntry.action == "candidate.evidence_viewed",
        AuditEntry.object_id == str(candidate.id))).all()
    assert len(opened) == 2 and sponsor.id in opened


def test_panel_decision_after_the_panel_stage_is_refused_with_a_reason(
        client: FlaskClient) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    panel_decides(candidate)
    candidate_services.advance_candidate(SYSTEM, candidate, "appointed")
    member = candidate.sprint.panel[0].user
    sign_in(client, member)
    response = post_form(client, path_of(candidate, "/decision"),
                         {"verdict": "do_not_appoint", "reasons": "Changed my mind."})
    assert "Panel decisions are recorded while the candidate is at the calibration panel " \
           "stage." in follow(client, response)


def test_a_sponsor_off_the_panel_sees_no_candidate(client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    auth.login_as(Role.SPONSOR)
    assert client.get(path_of(candidate)).status_code == 403
    assert client.get(f"/sprints/{candidate.sprint_id}").status_code == 403
    assert client.get(f"/sprints/{candidate.sprint_id}/export.csv").status_code == 403
