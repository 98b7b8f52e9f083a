"""Conflicts up front on the calibration panel: which seats are conflicted with which
candidate and why (management chain both ways, coaching, own candidacy), the seat replaced with
a reason (audited), a conflicted member kept from the evidence pack (page, API, board export)
and refused in words when they try to decide."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from coachprog.auth.models import User
from coachprog.auth.services import create_api_token
from coachprog.authority import can
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.models import Person
from coachprog.roles import Role
from coachprog.selection import domain
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.models import Candidate, Sprint
from coachprog.selection.panel import services as panel_services
from coachprog.selection.panel.conflicts import sprint_conflicts
from coachprog.selection.sprints import views as sprint_views
from tests.coaching.builders import engagement
from tests.conftest import Auth, post_form
from tests.factories import PersonFactory, UserFactory
from tests.selection.builders import (
    SYSTEM,
    applicant,
    passed_assessment,
    sprint,
    verified_hours,
)


def _to_panel(candidate: Candidate) -> Candidate:
    candidate_services.advance_candidate(SYSTEM, candidate, "interview")
    passed_assessment(candidate, "interview")
    candidate_services.advance_candidate(SYSTEM, candidate, "simulations")
    for key in domain.SIMULATION_RUBRICS:
        passed_assessment(candidate, key)
    candidate_services.advance_candidate(SYSTEM, candidate, "supervised_practice")
    verified_hours(candidate)
    candidate_services.advance_candidate(SYSTEM, candidate, "panel")
    return candidate


def _seat(row: Sprint, panel_role: str) -> User:
    return next(m.user for m in row.panel if m.panel_role == panel_role)


class Story:
    """A seated panel, then entries: the sponsor manages Dan (he entered after the panel was
    seated), the master coach reports to Rosa, the HR/L&D member coaches Cleo; Ada is free of
    conflicts. Everyone but Ada's and Rosa's entries reached the panel."""

    def __init__(self) -> None:
        self.sprint = sprint()
        self.sponsor = _seat(self.sprint, "business_sponsor")
        self.master = _seat(self.sprint, "external_master_coach")
        self.hr = _seat(self.sprint, "hr_ld")
        self.sponsor.person_id = PersonFactory(name="Julia Fischer").id
        rosa = PersonFactory(name="Rosa Lead")
        self.master.person_id = PersonFactory(name="Mateo External", manager_id=rosa.id).id
        self.hr.person_id = PersonFactory(name="Hana Rees").id
        db.session.flush()
        self.dan = _to_panel(applicant(self.sprint, PersonFactory(
            name="Dan Diaz", manager_id=self.sponsor.person_id)))
        self.rosa = applicant(self.sprint, rosa)
        cleo = PersonFactory(name="Cleo Coached")
        engagement(db.session.get(Person, self.hr.person_id), cleo)
        self.cleo = _to_panel(applicant(self.sprint, cleo))
        self.ada = _to_panel(applicant(self.sprint, PersonFactory(name="Ada Free")))
        db.session.commit()


@pytest.fixture
def story(app) -> Story:
    return Story()


def _sign_in(client: FlaskClient, user: User) -> None:
    with client.session_transaction() as session:
        session.clear()
    db.session.commit()
    assert Auth(client).login(user.email).status_code == 302


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


# --- services ---------------------------------------------------------------------------------


def test_each_conflicted_seat_is_named_with_its_candidate_and_why(story: Story) -> None:
    found = {(c.panel_role, c.candidate_name): c.words for c in sprint_conflicts(story.sprint)}
    assert found == {
        ("hr_ld", "Cleo Coached"): "Hana Rees coaches or has coached Cleo Coached.",
        ("external_master_coach", "Rosa Lead"): "Mateo External reports to Rosa Lead.",
        ("business_sponsor", "Dan Diaz"): "Sam Sponsor manages Dan Diaz.",
    }


def test_a_conflicted_member_neither_reads_the_pack_nor_decides(story: Story) -> None:
    assert not can(story.sponsor, "can_view_candidate", story.dan)
    assert not can(story.sponsor, "can_record_panel_decision", story.dan)
    assert can(story.sponsor, "can_view_candidate", story.ada)
    assert can(story.sponsor, "can_record_panel_decision", story.ada)
    with pytest.raises(DomainError, match=r"Sam Sponsor manages Dan Diaz\..*conflict of interest"):
        panel_services.record_panel_decision(story.sponsor, story.dan, verdict="appoint",
                                        reasons="Strong.")
    # A seated admin or master coach loses the pack too, whatever their role allows elsewhere.
    assert not can(story.hr, "can_view_candidate", story.cleo)
    assert not can(story.hr, "can_read_practice_notes", story.cleo)
    assert can(story.hr, "can_view_candidate", story.dan)
    assert not can(story.master, "can_view_candidate", story.rosa)


def test_the_board_export_leaves_out_the_evidence_of_a_conflicted_admin(story: Story) -> None:
    rows = {r["name"]: r for r in candidate_services.export_board(story.hr, story.sprint)}
    assert rows["Cleo Coached"]["interview"] == "" and rows["Cleo Coached"]["panel_outcome"] == ""
    assert rows["Dan Diaz"]["interview"] != ""


def test_replacing_a_seat_needs_a_reason_and_is_audited(story: Story) -> None:
    other = UserFactory(roles=[Role.SPONSOR], display_name="Olu Other")
    with pytest.raises(DomainError) as refused:
        panel_services.seat_panel_member(SYSTEM, story.sprint, "business_sponsor", other.id)
    assert refused.value.field_errors == {"reason": [
        "Say why the Business sponsor seat changes hands; the reason is kept in the audit log."]}
    panel_services.seat_panel_member(SYSTEM, story.sprint, "business_sponsor", other.id,
                                reason="Sam manages Dan Diaz.")
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "sprint.panel_replaced")).one()
    assert entry.detail | {"via": "system"} == {
        "via": "system", "panel_role": "business_sponsor", "user_id": other.id,
        "replaced_user_id": story.sponsor.id, "reason": "Sam manages Dan Diaz."}
    assert [c.panel_role for c in sprint_conflicts(story.sprint)] == ["hr_ld",
                                                                      "external_master_coach"]
    assert can(other, "can_record_panel_decision", story.dan)
    assert not can(story.sponsor, "can_view_candidate", story.dan)


def test_nobody_conflicted_is_seated_or_offered_and_the_list_says_why(story: Story) -> None:
    coach = UserFactory(roles=[Role.MASTER_COACH], display_name="Rosa's report",
                        person_id=PersonFactory(manager_id=story.rosa.person_id).id)
    with pytest.raises(DomainError, match=r"Rosa's report reports to Rosa Lead\. They cannot sit"):
        panel_services.seat_panel_member(SYSTEM, story.sprint, "external_master_coach", coach.id,
                                    reason="Mateo is conflicted.")
    choices, not_offered = panel_services.panel_seat_choices(story.sprint)
    assert coach not in choices["external_master_coach"]
    assert (coach, "Rosa's report reports to Rosa Lead.") in not_offered["external_master_coach"]
    assert story.master not in choices["external_master_coach"]


# --- pages ------------------------------------------------------------------------------------


def test_the_admin_board_marks_conflicted_seats_and_replaces_one_with_a_reason(
        client: FlaskClient, story: Story) -> None:
    admin = UserFactory(roles=[Role.ADMIN])
    other = UserFactory(roles=[Role.SPONSOR], display_name="Olu Other")
    _sign_in(client, admin)
    page = _text(client.get(f"/sprints/{story.sprint.id}"))
    assert "Conflicted seats" in page and "Sam Sponsor manages Dan Diaz." in page
    card = page[page.index(f'id="card-{story.dan.id}"'):]
    assert card.index("Conflicted panel seat: Business sponsor") < card.index("</li>")
    assert "Mateo External reports to Rosa Lead." in page
    assert 'id="seat-reason-business_sponsor"' in page
    assert "Not offered" in page  # the conflicted master coach and HR member, with why
    url = f"/sprints/{story.sprint.id}/panel/business_sponsor"
    refused = post_form(client, url, {"user_id": str(other.id), "reason": " "})
    assert refused.status_code == 302
    page = _text(client.get(refused.headers["Location"]))
    assert 'role="alert"' in page and "Say why the Business sponsor seat changes hands" in page
    bad = post_form(client, url, {"user_id": "nobody", "reason": "x"})
    assert "Choose the Business sponsor." in _text(client.get(bad.headers["Location"]))
    done = post_form(client, url, {"user_id": str(other.id), "reason": "Sam manages Dan."})
    page = _text(client.get(done.headers["Location"]))
    assert "Olu Other sits on the panel as Business sponsor." in page
    assert "<td>Sam Sponsor</td><td>Dan Diaz</td>" not in page
    assert "<td>Mateo External</td><td>Rosa Lead</td>" in page


def test_the_candidate_page_marks_the_conflicted_seat(client: FlaskClient, story: Story) -> None:
    _sign_in(client, UserFactory(roles=[Role.ADMIN]))
    page = _text(client.get(f"/sprints/{story.sprint.id}/candidates/{story.dan.id}"))
    panel = page[page.index('id="panel"'):]
    assert "conflicted" in panel and "Sam Sponsor manages Dan Diaz." in panel


def test_the_board_names_the_first_conflicts_and_links_to_all_a_page_at_a_time(
        app: Flask, client: FlaskClient, story: Story, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sprint_views, "CONFLICTS_ON_BOARD", 1)
    monkeypatch.setitem(app.config, "COACHPROG_PAGE_SIZE", 2)
    _sign_in(client, UserFactory(roles=[Role.LEAD_COACH]))
    url = f"/sprints/{story.sprint.id}/conflicts"
    board = _text(client.get(f"/sprints/{story.sprint.id}"))
    assert board.count('class="conflict-row"') == 1
    assert f'The first 1 of 3 conflicts. <a href="{url}">Show all 3 conflicts</a>' in board
    # The cards still mark every conflicted candidate, those off the table included.
    assert board.count("Conflicted panel seat:") == 3
    first, second = _text(client.get(url)), _text(client.get(f"{url}?page=2"))
    assert first.count('class="conflict-row"') == 2 and "1–2 of 3" in first
    assert second.count('class="conflict-row"') == 1 and "3–3 of 3" in second
    found = {words for words in ("Sam Sponsor manages Dan Diaz.",
                                 "Mateo External reports to Rosa Lead.",
                                 "Hana Rees coaches or has coached Cleo Coached.")
             if words in first + second}
    assert len(found) == 3
    # Past the last page: the last page; the search matches members and candidates.
    assert _text(client.get(f"{url}?page=99")).count('class="conflict-row"') == 1
    assert "Sam Sponsor manages Dan Diaz." in _text(client.get(f"{url}?q=DAN"))
    mateo = _text(client.get(f"{url}?q=mateo"))
    assert mateo.count('class="conflict-row"') == 1 and "reports to Rosa Lead" in mateo
    assert "containing “nobody”" in _text(client.get(f"{url}?q=nobody"))
    assert client.get("/sprints/999999/conflicts").status_code == 404
    # A seated sponsor outside program staff sees only their own conflicts, on their page.
    _sign_in(client, story.sponsor)
    assert client.get(url).status_code == 403


def test_a_sprint_without_conflicts_says_so(client: FlaskClient) -> None:
    row = sprint()
    db.session.commit()
    _sign_in(client, UserFactory(roles=[Role.ADMIN]))
    page = _text(client.get(f"/sprints/{row.id}/conflicts"))
    assert "No panel member is conflicted with a candidate of this sprint." in page
    assert "Conflicted seats" not in _text(client.get(f"/sprints/{row.id}"))


def test_a_conflicted_sponsor_is_told_and_kept_from_the_pack_everywhere(
        client: FlaskClient, story: Story) -> None:
    _sign_in(client, story.sponsor)
    page = _text(client.get(f"/sprints/{story.sprint.id}"))
    assert "Candidates you do not decide on" in page and "Sam Sponsor manages Dan Diaz." in page
    assert f"/candidates/{story.dan.id}\"" not in page
    assert f"/candidates/{story.ada.id}\"" in page
    dan = f"/sprints/{story.sprint.id}/candidates/{story.dan.id}"
    assert client.get(dan).status_code == 403
    assert client.get(f"/sprints/{story.sprint.id}/candidates/{story.ada.id}").status_code == 200
    _, secret = create_api_token(SYSTEM, story.sponsor, name="panel")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}
    assert client.get(f"/api/v1/candidates/{story.dan.id}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/candidates/{story.ada.id}", headers=headers).status_code == 200
    refused = post_form(client, dan + "/decision", {"verdict": "appoint", "reasons": "Good."})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(
        f"/sprints/{story.sprint.id}")
    page = _text(client.get(refused.headers["Location"]))
    summary = page[page.index('role="alert"'):]
    assert "Your decision is not recorded. Sam Sponsor manages Dan Diaz." in summary
    assert "conflict of interest" in summary
    db.session.expire_all()
    assert db.session.get(Candidate, story.dan.id).panel_decisions == []


def test_a_conflicted_admin_cannot_open_the_pack_or_export_its_evidence(
        client: FlaskClient, story: Story) -> None:
    _sign_in(client, story.hr)
    assert client.get(f"/sprints/{story.sprint.id}/candidates/{story.cleo.id}").status_code \
        == 403
    rows = list(csv.DictReader(io.StringIO(_text(
        client.get(f"/sprints/{story.sprint.id}/export.csv")))))
    cleo = next(r for r in rows if r["name"] == "Cleo Coached")
    assert cleo["interview"] == "" and cleo["simulation_performance"] == ""


def test_someone_off_the_panel_posting_a_decision_is_still_refused(client: FlaskClient,
                                                                    story: Story) -> None:
    _sign_in(client, UserFactory(roles=[Role.SPONSOR]))
    response = post_form(client, f"/sprints/{story.sprint.id}/candidates/{story.dan.id}"
                         "/decision", {"verdict": "appoint", "reasons": "Good."})
    assert response.status_code == 403
