"""/api/v1/sprints and /api/v1/candidates: the same services and guards as the board."""

from __future__ import annotations

import sqlalchemy as sa

from coachprog.auth.models import User
from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.notifications.models import OutboxMessage
from coachprog.selection.domain import CandidateStage
from coachprog.selection.models import Candidate
from tests.api.conftest import Api, assert_problem
from tests.assessments.builders import LOW
from tests.conftest import counting_statements
from tests.factories import PersonFactory
from tests.selection.builders import (
    APPLICATION,
    applicant,
    candidate_at,
    line,
    passed_assessment,
    sprint,
)


def test_admin_creates_a_sprint_with_its_calendar(api_as) -> None:
    api = api_as("admin")
    today = utcnow().date().isoformat()
    response = api.post("/api/v1/sprints", json={
        "name": "Winter", "capacity": 5, "start_date": today,
        "stage_days": {"supervised_practice": 30}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["seats_left"] == 5 and body["entries_open"] is True
    assert body["calendar"][0]["stage"] == "nomination_application"
    practice = next(w for w in body["calendar"] if w["stage"] == "supervised_practice")
    assert practice["start"] < practice["end"]
    assert body["stage_counts"]["applied"] == 0


def test_sprint_problems_come_back_by_field(api_as) -> None:
    api = api_as("admin")
    body = assert_problem(api.post("/api/v1/sprints", json={
        "name": "", "capacity": 0, "start_date": "2026-12-01",
        "stage_days": {"simulations": 30}}), 422)
    assert set(body["errors"]) == {"name", "capacity", "days_simulations"}
    body = assert_problem(api.post("/api/v1/sprints", json={
        "name": "X", "capacity": 2, "start_date": "2026-12-01",
        "stage_days": {"holidays": 3}}), 422)
    assert "stage_days" in " ".join(body["errors"])


def test_candidates_list_by_sprint_and_stage(api_as) -> None:
    row = sprint()
    candidate_at(CandidateStage.INTERVIEW, row)
    applicant(row)
    candidate_at(CandidateStage.INTERVIEW, sprint(name="Other"))
    db.session.commit()
    api = api_as("lead_coach")
    body = api.get(f"/api/v1/candidates?sprint_id={row.id}&stage=interview").get_json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["next_stage"] == "simulations"
    assert item["missing"] == ["No interview assessment is recorded (rubric interview)."]
    assert_problem(api.get("/api/v1/candidates?stage=done"), 422)


def test_an_employee_applies_and_nominates_through_the_api(api_as) -> None:
    row = sprint()
    top, report = line(1)
    db.session.commit()
    applicant_api = api_as(person_id=PersonFactory().id)
    response = applicant_api.post("/api/v1/candidates", json={
        "sprint_id": row.id, "route": "application", "application_text": APPLICATION})
    assert response.status_code == 201
    mine = response.get_json()
    assert mine["stage"] == "applied" and mine["missing"] == []  # not staff: no guard text
    manager_api = api_as("manager", person_id=top.id)
    response = manager_api.post("/api/v1/candidates", json={
        "sprint_id": row.id, "route": "nomination", "nominee_employee_id": report.employee_id,
        "why": "Steady under pressure."})
    assert response.status_code == 201
    assert "token" not in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
    body = assert_problem(applicant_api.post("/api/v1/candidates", json={
        "sprint_id": row.id, "route": "application", "application_text": APPLICATION}), 422)
    assert "already has an entry" in body["detail"]
    assert_problem(applicant_api.post("/api/v1/candidates", json={
        "sprint_id": 999999, "route": "application", "application_text": APPLICATION}), 404)


def test_advance_runs_the_same_guard_as_the_board(api_as) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    passed_assessment(candidate, "interview", LOW)
    db.session.commit()
    api = api_as("admin")
    body = assert_problem(api.post(f"/api/v1/candidates/{candidate.id}/advance",
                                   json={"target": "simulations"}), 422)
    assert "did not pass" in body["detail"]
    body = api.post(f"/api/v1/candidates/{candidate.id}/reject",
                    json={"reason": "Failed interview."}).get_json()
    assert body["stage"] == "rejected"
    assert_problem(api.post(f"/api/v1/candidates/{candidate.id}/reject",
                            json={"reason": ""}), 422)


def test_a_candidate_withdraws_themselves_but_moves_nobody(api_as) -> None:
    candidate = applicant(sprint())
    other = applicant(candidate.sprint)
    db.session.commit()
    own = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    api = api_as(person_id=PersonFactory().id)
    assert_problem(api.post(f"/api/v1/candidates/{other.id}/withdraw",
                            json={"reason": "Not mine"}), 403)
    _, secret = create_api_token(SystemActor("test"), own, name="mine")
    db.session.commit()
    mine = Api(api.client, secret)
    assert_problem(mine.post(f"/api/v1/candidates/{candidate.id}/advance",
                             json={"target": "interview"}), 403)
    body = mine.post(f"/api/v1/candidates/{candidate.id}/withdraw",
                     json={"reason": "Family reasons."}).get_json()
    assert body["stage"] == "withdrawn"
    db.session.expire_all()
    assert db.session.get(Candidate, candidate.id).exit_reason == "Family reasons."


def test_sponsors_outside_a_panel_see_no_sprints(api_as) -> None:
    sprint()
    db.session.commit()
    assert api_as("sponsor").get("/api/v1/sprints").get_json() == {"items": []}


def test_a_panel_sponsor_gets_the_sprint_frame_but_no_counts(api_as) -> None:
    row = sprint()
    applicant(row)
    db.session.commit()
    sponsor = next(m.user for m in row.panel if m.panel_role == "business_sponsor")
    _, secret = create_api_token(SystemActor("test"), sponsor, name="panel")
    db.session.commit()
    body = Api(api_as("admin").client, secret).get("/api/v1/sprints").get_json()
    [item] = body["items"]
    assert item["name"] == row.name and item["capacity"] == row.capacity
    assert item["stage_counts"] == {} and item["funnel"] == [] and item["late"] == []


def test_a_candidate_reads_their_own_record_without_guard_reasons(api_as) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    db.session.commit()
    own = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    _, secret = create_api_token(SystemActor("test"), own, name="mine")
    db.session.commit()
    body = Api(api_as("admin").client, secret).get(
        f"/api/v1/candidates/{candidate.id}").get_json()
    assert body["stage"] == "interview" and body["missing"] == [] and body["assessment_ids"] == {}


def test_capacity_must_be_a_whole_number(api_as) -> None:
    body = assert_problem(api_as("admin").post("/api/v1/sprints", json={
        "name": "X", "capacity": 3.5, "start_date": utcnow().date().isoformat()}), 422)
    assert "capacity" in " ".join(body["errors"])


def test_the_candidate_list_costs_the_same_queries_whatever_its_length(api_as) -> None:
    row = sprint()
    candidate_at(CandidateStage.SIMULATIONS, row)
    db.session.commit()
    api = api_as("admin")

    def count() -> int:
        with counting_statements() as statements:
            assert api.get(f"/api/v1/candidates?sprint_id={row.id}").status_code == 200
        return len(statements)

    few = count()
    for _ in range(4):
        candidate_at(CandidateStage.SIMULATIONS, row)
    db.session.commit()
    # One calibration look-up per rater assignment remains (one interview each here).
    assert count() <= few + 4
