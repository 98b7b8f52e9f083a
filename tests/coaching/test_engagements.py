"""Matching and every reason it is refused, ending and listing engagements, and coaching
relationships feeding the rater conflict rule (coaching.engagements)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from coachprog.assessments import conflicts as assessment_conflicts
from coachprog.assessments import services as assessment_services
from coachprog.assessments.models import RaterAssignment
from coachprog.coaching.engagements import services
from coachprog.coaching.models import Engagement
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.models import Person
from coachprog.roles import Role
from tests.assessments.builders import assessment, rater
from tests.coaching.builders import (
    actions,
    appointed_coach,
    engagement,
    evaluation,
    paperwork,
    ready_coach,
    user_of,
)
from tests.factories import PersonFactory, UserFactory

# --- matching ------------------------------------------------------------------------------------


def match(admin, coach: Person, coachee: Person, **changes: Any) -> Engagement:
    values: dict[str, Any] = {
        "coach_person_id": coach.id, "coachee_employee_id": coachee.employee_id,
        "start_date": date(2025, 5, 1), "goals": "Delegate more", "kpi_name": "Team eNPS",
        "session_cap": 8, "hours_per_week": 1.0}
    return services.create_engagement(admin, services.EngagementDraft(**{**values, **changes}))


def engagements() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Engagement)) or 0


def refusal(admin, coach: Person, coachee: Person, **changes: Any) -> list[str]:
    before = engagements()
    with pytest.raises(services.MatchRefused) as refused:
        match(admin, coach, coachee, **changes)
    assert engagements() == before
    return refused.value.problems


def test_a_clean_match_is_made_and_audited(admin) -> None:
    coach, coachee = ready_coach(), PersonFactory()
    row = match(admin, coach, coachee)
    assert (row.coach_person_id, row.coachee_person_id, row.status) == \
        (coach.id, coachee.id, "active")
    assert row.created_by_id == admin.id
    entry = db.session.scalar(sa.select(AuditEntry))
    assert entry.action == "coaching.engagement_created"
    assert "goals" not in entry.detail  # coaching content stays out of the log


def test_match_refused_while_paperwork_is_incomplete(admin) -> None:
    coach = appointed_coach()
    paperwork(coach, signed=False)
    problems = refusal(admin, coach, PersonFactory())
    assert problems == [
        "The coach's appointment paperwork is incomplete: The coach's manager has not signed "
        "the time-allocation agreement. The coach has not signed the time-allocation "
        "agreement. The non-evaluator clause (the coach never evaluates the people they "
        "coach) has not been accepted."]


def test_match_refused_for_oneself(admin) -> None:
    coach = ready_coach()
    assert "A coach cannot coach themselves." in refusal(admin, coach, coach)


def test_match_refused_when_the_coach_manages_the_coachee_indirectly(admin) -> None:
    coach = ready_coach()
    middle = PersonFactory(manager=coach)
    coachee = PersonFactory(manager=middle)
    assert refusal(admin, coach, coachee) == [
        "The coach is in the coachee's management chain (they manage the coachee, directly or "
        "indirectly)."]


def test_match_refused_when_the_coachee_manages_the_coach(admin) -> None:
    coach = ready_coach()
    # The coach's manager's manager.
    top = PersonFactory()
    coach.manager.manager_id = top.id
    db.session.flush()
    assert refusal(admin, coach, top) == [
        "The coachee is in the coach's management chain (the coachee manages the coach, "
        "directly or indirectly)."]


def test_match_refused_when_the_coach_evaluates_the_coachee(admin) -> None:
    coach, coachee = ready_coach(), PersonFactory()
    evaluation(coach, coachee)
    assert refusal(admin, coach, coachee) == [
        "The coach evaluates the coachee's performance; a coach never evaluates the people "
        "they coach."]


def test_match_refused_when_the_coachee_evaluates_the_coach(admin) -> None:
    coach, coachee = ready_coach(), PersonFactory()
    evaluation(coachee, coach)
    assert refusal(admin, coach, coachee) == ["The coachee evaluates the coach's performance."]


def test_capacity_is_protected_percent_of_weekly_hours(admin) -> None:
    coach = appointed_coach()
    paperwork(coach, percent=10.0, weekly_hours=40.0)  # 4 hours a week
    for _ in range(3):
        engagement(coach, PersonFactory(), hours=1.0)
    engagement(coach, PersonFactory(), hours=2.0, status="ended")  # frees its hours
    problems = refusal(admin, coach, PersonFactory(), hours_per_week=1.5)
    assert len(problems) == 1
    assert problems[0].startswith("The coach is over their protected-time capacity: 4 hours a "
                                  "week (10 % of 40), 3 hours already booked")
    assert match(admin, coach, PersonFactory(), hours_per_week=1.0)  # exactly full
    assert "capacity" in refusal(admin, coach, PersonFactory(), hours_per_week=0.25)[0]


def test_match_refused_for_someone_not_appointed(admin) -> None:
    person = PersonFactory()
    paperwork(person)  # complete paperwork is not an appointment
    with pytest.raises(DomainError) as refused:
        match(admin, person, PersonFactory())
    assert "is not an appointed coach" in refused.value.field_errors["coach_person_id"][0]


def test_one_active_engagement_per_pair(admin) -> None:
    coach, coachee = ready_coach(), PersonFactory()
    first = match(admin, coach, coachee)
    problems = refusal(admin, coach, coachee)
    assert problems[0].startswith(f"{coach.name} already coaches {coachee.name} in an active "
                                  "engagement")
    services.end_engagement(admin, first.id)
    assert match(admin, coach, coachee).id != first.id


def test_every_reason_is_given_at_once(admin) -> None:
    coach = appointed_coach()
    paperwork(coach, percent=10.0, signed=False)
    coachee = PersonFactory(manager=coach)
    evaluation(coach, coachee)
    evaluation(coachee, coach)
    for _ in range(4):
        engagement(coach, PersonFactory())
    with pytest.raises(services.MatchRefused) as refused:
        match(admin, coach, coachee, goals="", session_cap=0)
    problems = refused.value.problems
    assert len(problems) == 5
    assert refused.value.field_errors["goals"] and refused.value.field_errors["session_cap"]


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"coach_person_id": None}, "coach_person_id", "Choose the coach."),
    ({"coachee_employee_id": ""}, "coachee_employee_id", "Give the coachee's employee id."),
    ({"coachee_employee_id": "NOPE-1"}, "coachee_employee_id", "No person with employee id"),
    ({"start_date": None}, "start_date", "Give the start date."),
    ({"goals": "  "}, "goals", "Write the goals"),
    ({"goals": "g" * 5001}, "goals", "under 5000"),
    ({"kpi_name": "k" * 201}, "kpi_name", "under 200"),
    ({"session_cap": 0}, "session_cap", "from 1 to 50"),
    ({"session_cap": 51}, "session_cap", "from 1 to 50"),
    ({"session_cap": None}, "session_cap", "from 1 to 50"),
    ({"hours_per_week": 0.2}, "hours_per_week", "between 0.25 and 8"),
    ({"hours_per_week": 8.5}, "hours_per_week", "between 0.25 and 8"),
    ({"hours_per_week": math.nan}, "hours_per_week", "between 0.25 and 8"),
])
def test_engagement_fields_are_checked(admin, changes, field, words) -> None:
    coach, coachee = ready_coach(), PersonFactory()
    with pytest.raises(DomainError) as refused:
        match(admin, coach, coachee, **changes)
    assert words in refused.value.field_errors[field][0]
    assert engagements() == 0


def test_inactive_coachee_is_refused(admin) -> None:
    coachee = PersonFactory(active=False)
    with pytest.raises(DomainError) as refused:
        match(admin, ready_coach(), coachee)
    assert "no longer active" in refused.value.field_errors["coachee_employee_id"][0]


def test_only_admins_match() -> None:
    coach, coachee = ready_coach(), PersonFactory()
    for role in (Role.MASTER_COACH, Role.LEAD_COACH, Role.COACH):
        with pytest.raises(NotPermitted):
            match(UserFactory(roles=[role]), coach, coachee)


def test_end_engagement(admin) -> None:
    row = engagement(ready_coach(), PersonFactory())
    ended = services.end_engagement(admin, row.id)
    assert ended.status == "ended" and ended.ended_at is not None
    with pytest.raises(DomainError, match="already ended"):
        services.end_engagement(admin, row.id)
    with pytest.raises(NotFound):
        services.end_engagement(admin, 999_999)
    with pytest.raises(NotPermitted):
        services.end_engagement(UserFactory(roles=[Role.MASTER_COACH]),
                                engagement(ready_coach(), PersonFactory()).id)
    assert actions() == ["coaching.engagement_ended"]


def test_reading_an_engagement_is_audited(admin) -> None:
    row = engagement(ready_coach(), PersonFactory())
    services.get_engagement(admin, row.id)
    entry = db.session.scalar(sa.select(AuditEntry))
    assert (entry.action, entry.object_id, entry.actor_id) == \
        ("coaching.engagement_viewed", str(row.id), admin.id)


def test_engagement_warnings_when_a_review_relationship_appears(admin) -> None:
    coach, coachee = ready_coach(), PersonFactory()
    row = match(admin, coach, coachee, hours_per_week=6.0)  # all of the coach's capacity
    assert services.engagement_warnings(admin, row) == []  # its own hours are not counted twice
    evaluation(coachee, coach)
    assert services.engagement_warnings(admin, row) == [
        "The coachee evaluates the coach's performance."]
    assert services.engagement_warnings(user_of(coach, Role.COACH), row) == []


def test_list_engagements_scopes(admin) -> None:
    coach, other_coach = ready_coach(), ready_coach()
    mine = engagement(coach, PersonFactory())
    theirs = engagement(other_coach, PersonFactory())
    ended = engagement(coach, PersonFactory(), status="ended")
    query = services.EngagementQuery()
    rows, total = services.list_engagements(admin, query)
    assert total == 3
    coach_user = user_of(coach, Role.COACH)
    rows, total = services.list_engagements(coach_user, query)
    assert {r.id for r in rows} == {mine.id, ended.id}
    rows, total = services.list_engagements(coach_user, services.EngagementQuery(status="ended"))
    assert [r.id for r in rows] == [ended.id]
    # A master coach who manages the other coach does not see that coach's engagements.
    boss = user_of(other_coach.manager, Role.MASTER_COACH)
    rows, _ = services.list_engagements(boss, query)
    assert theirs.id not in {r.id for r in rows} and mine.id in {r.id for r in rows}
    with pytest.raises(NotPermitted):
        services.list_engagements(UserFactory(roles=[Role.SPONSOR]), query)


# --- coaching feeds rater conflicts --------------------------------------------------------------


def test_coaching_source_is_registered_at_import() -> None:
    assert services.coachees_of in assessment_conflicts.COACHING_SOURCES


def test_coachees_of_counts_active_and_ended_engagements() -> None:
    coach = ready_coach()
    active, ended, other = PersonFactory(), PersonFactory(), PersonFactory()
    engagement(coach, active)
    engagement(coach, ended, status="ended")
    engagement(ready_coach(), other)
    assert services.coachees_of(coach.id) == {active.id, ended.id}


@pytest.mark.parametrize("status", ["active", "ended"])
def test_a_coach_cannot_rate_their_coachee(admin, status) -> None:
    coach, coachee = ready_coach(), PersonFactory()
    engagement(coach, coachee, status=status)
    coach_as_rater = rater(person_id=coach.id, display_name="Casey Coach")
    row = assessment(subject=coachee)
    with pytest.raises(DomainError) as refused:
        assessment_services.assign_rater(admin, row, coach_as_rater.id)
    assert "Casey Coach coaches the person being assessed." in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RaterAssignment)) == 0
    # Someone they do not coach they may rate.
    assert assessment_services.assign_rater(admin, assessment(subject=PersonFactory()),
                                            coach_as_rater.id)
