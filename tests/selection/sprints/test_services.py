"""Sprint services: creating, closing, lateness, the funnel and the start-date bounds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from coachprog.db import utcnow
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from coachprog.selection import domain
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.domain import CandidateStage
from coachprog.selection.entries import services as entry_services
from coachprog.selection.sprints import services as sprint_services
from tests.factories import PersonFactory, UserFactory
from tests.selection.builders import (
    APPLICATION,
    SYSTEM,
    applicant,
    candidate_at,
    sprint,
)
from tests.selection.helpers import (
    applicant_in_window,
)


def test_create_sprint_reports_every_problem_next_to_its_field(app) -> None:
    with pytest.raises(DomainError) as caught:
        sprint_services.create_sprint(SYSTEM, sprint_services.SprintDraft(
            name=" ", capacity=0, start_date=None,
            stage_days={"supervised_practice": 10, "nonsense": 3}))
    errors = caught.value.field_errors
    assert set(errors) == {"name", "capacity", "start_date", "days_supervised_practice",
                           "stage_days"}
    assert "28–42 days" in errors["days_supervised_practice"][0]


def test_create_sprint_keeps_only_real_overrides_and_audits(app, frozen) -> None:
    row = sprint_services.create_sprint(SYSTEM, sprint_services.SprintDraft(
        name="Autumn", capacity=6, start_date=frozen.date(),
        stage_days={"interview": 7, "supervised_practice": 28}))
    assert row.stage_days == {"supervised_practice": 28}
    windows = sprint_services.calendar(row)
    assert windows[3].days == 28 and windows[0].start == frozen.date()
    assert db.session.scalar(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "sprint")) == "sprint.created"


def test_only_admins_create_sprints(app) -> None:
    coach = UserFactory(roles=[Role.MASTER_COACH])
    with pytest.raises(NotPermitted):
        sprint_services.create_sprint(coach, sprint_services.SprintDraft("X", 2, utcnow().date()))


def test_lateness_counts_stages_whose_last_day_passed_with_people_waiting(app, frozen) -> None:
    row = sprint(start=frozen.date() - timedelta(days=10))
    candidate = applicant_in_window(row, frozen)
    db.session.commit()
    late = sprint_services.lateness(row, frozen.date())
    assert [item.stage.stage for item in late] == [domain.SprintStage.NOMINATION_APPLICATION]
    assert late[0].waiting == 1 and late[0].stage.days_late == 4
    candidate_services.advance_candidate(SYSTEM, candidate, "interview")
    assert sprint_services.lateness(row, frozen.date()) == []


def test_close_sprint_refused_while_candidates_wait(app) -> None:
    row = sprint()
    candidate = applicant(row)
    with pytest.raises(DomainError, match="1 candidate still has no decision"):
        sprint_services.close_sprint(SYSTEM, row)
    candidate_services.reject_candidate(SYSTEM, candidate, "Did not meet the eligibility notes.")
    sprint_services.close_sprint(SYSTEM, row)
    assert row.status == "closed"
    with pytest.raises(DomainError, match="closed"):
        entry_services.apply(UserFactory(person_id=PersonFactory().id), row, text=APPLICATION)


def test_funnel_counts_people_at_their_furthest_stage(app) -> None:
    row = sprint()
    candidate_at(CandidateStage.SIMULATIONS, row)
    rejected = candidate_at(CandidateStage.INTERVIEW, row)
    candidate_services.reject_candidate(SYSTEM, rejected, "Not this time.")
    applicant(row)
    counts = {r.stage.value: r.count for r in sprint_services.funnel(row)}
    assert counts == {"nominated": 3, "applied": 3, "interview": 2, "simulations": 1,
                      "supervised_practice": 0, "panel": 0, "appointed": 0}


@pytest.mark.parametrize("start", [date(9999, 12, 31), date(1, 1, 1), date(2020, 1, 1)])
def test_a_start_date_far_from_today_is_refused(app, frozen, start) -> None:
    with pytest.raises(DomainError) as caught:
        sprint_services.create_sprint(SYSTEM, sprint_services.SprintDraft("Typo", 3, start))
    assert caught.value.field_errors["start_date"] == [
        "Choose a day within two years of today (2026-03-02)."]
