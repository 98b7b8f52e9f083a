"""Coaching use cases against the database: paperwork (validation, signatures and who may
sign), matching and every reason it is refused, ending engagements, evaluation relationships,
and coaching relationships feeding the rater conflict rule."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from coachprog.assessments import conflicts as assessment_conflicts
from coachprog.assessments import services as assessment_services
from coachprog.assessments.models import RaterAssignment
from coachprog.authority import SystemActor
from coachprog.coaching import services
from coachprog.coaching.models import CoachPaperwork, Engagement, EvaluationRelationship
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.models import Person
from coachprog.roles import Role
from coachprog.selection.appointment.domain import match_problems
from tests.assessments.builders import assessment, rater
from tests.coaching.builders import (
    appointed_coach,
    candidate,
    engagement,
    evaluation,
    paperwork,
    ready_coach,
)
from tests.factories import PersonFactory, UserFactory


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def admin():
    return UserFactory(roles=[Role.ADMIN])


def draft(**changes: Any) -> services.PaperworkDraft:
    values: dict[str, Any] = {
        "protected_percent": 15.0, "weekly_hours": 40.0,
        "consent_template_version": services.PLACEHOLDER_CONSENT_VERSION,
        "role_scope": "Leadership transitions", "escalation_paths": "HR business partner",
        "supervision_arrangement": "Monthly with a master coach"}
    return services.PaperworkDraft(**{**values, **changes})


def user_of(person: Person, *roles: Role) -> Any:
    return UserFactory(person_id=person.id, roles=list(roles))


# --- appointed coaches ---------------------------------------------------------------------------


def test_only_an_appointed_candidacy_makes_a_coach() -> None:
    appointed, in_panel, nobody = appointed_coach(), PersonFactory(), PersonFactory()
    candidate(in_panel, stage="panel")
    assert services.is_appointed_coach(appointed.id)
    assert not services.is_appointed_coach(in_panel.id)
    assert not services.is_appointed_coach(nobody.id)


# --- paperwork: drafting -------------------------------------------------------------------------


@pytest.mark.parametrize(("percent", "accepted"),
                         [(9.9, False), (10.0, True), (20.0, True), (20.1, False)])
def test_protected_time_must_be_between_10_and_20_percent(admin, percent, accepted) -> None:
    coach = appointed_coach()
    if accepted:
        saved = services.save_paperwork(admin, coach.id, draft(protected_percent=percent))
        assert saved.paperwork.protected_percent == percent
        return
    with pytest.raises(DomainError) as refused:
        services.save_paperwork(admin, coach.id, draft(protected_percent=percent))
    assert "between 10 % and 20 %" in refused.value.field_errors["protected_percent"][0]
    assert services.paperwork_for(coach.id) is None


@pytest.mark.parametrize(("hours", "accepted"), [
    (0.5, False), (1.0, True), (60.0, True), (61.0, False), (None, False),
    (math.nan, False), (math.inf, False)])
def test_weekly_hours_are_between_1_and_60(admin, hours, accepted) -> None:
    coach = appointed_coach()
    if accepted:
        assert services.save_paperwork(admin, coach.id, draft(weekly_hours=hours))
        return
    with pytest.raises(DomainError) as refused:
        services.save_paperwork(admin, coach.id, draft(weekly_hours=hours))
    assert "weekly working hours" in refused.value.field_errors["weekly_hours"][0].lower()


def test_first_save_creates_the_row_with_the_directory_manager(admin) -> None:
    coach = appointed_coach()
    saved = services.save_paperwork(admin, coach.id, draft())
    row = saved.paperwork
    assert row.coach_person_id == coach.id
    assert row.manager_person_id == coach.manager_id
    assert row.candidate_id is not None
    assert saved.missing == [
        "The coach's manager has not signed the time-allocation agreement.",
        "The coach has not signed the time-allocation agreement.",
        "The non-evaluator clause (the coach never evaluates the people they coach) has not "
        "been accepted."]
    assert actions() == ["coaching.paperwork_saved"]
    # A second save updates the same row.
    services.save_paperwork(admin, coach.id, draft(role_scope="New scope"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoachPaperwork)) == 1


def test_paperwork_may_be_saved_in_parts(admin) -> None:
    coach = appointed_coach()
    saved = services.save_paperwork(admin, coach.id, draft(
        protected_percent=None, consent_template_version="", escalation_paths="",
        supervision_arrangement=""))
    assert saved.paperwork.protected_percent is None
    assert saved.paperwork.manager_person_id is None
    assert "The manager time-allocation agreement has not been drawn up." in saved.missing
    assert "The coaching role profile has no escalation paths." in saved.missing
    assert ("No coachee confidentiality and data-use consent template version has been "
            "chosen.") in saved.missing


def test_a_drawn_up_agreement_keeps_its_percentage(admin) -> None:
    coach = appointed_coach()
    services.save_paperwork(admin, coach.id, draft())
    with pytest.raises(DomainError) as refused:
        services.save_paperwork(admin, coach.id, draft(protected_percent=None))
    assert "has been drawn up" in refused.value.field_errors["protected_percent"][0]


def test_paperwork_only_for_appointed_coaches(admin) -> None:
    person = PersonFactory()
    with pytest.raises(DomainError, match="is not an appointed coach"):
        services.save_paperwork(admin, person.id, draft())


def test_agreement_needs_a_manager_in_the_directory(admin) -> None:
    coach = appointed_coach(manager=None)
    with pytest.raises(DomainError) as refused:
        services.save_paperwork(admin, coach.id, draft())
    assert "has no manager in the directory" in refused.value.field_errors[
        "protected_percent"][0]


def test_consent_version_comes_from_the_list(admin) -> None:
    versions = services.consent_template_versions()
    assert [v.version for v in versions] == [services.PLACEHOLDER_CONSENT_VERSION]
    assert versions[0].placeholder
    assert "Placeholder" in versions[0].label
    coach = appointed_coach()
    with pytest.raises(DomainError) as refused:
        services.save_paperwork(admin, coach.id, draft(consent_template_version="v9-made-up"))
    assert refused.value.field_errors["consent_template_version"] == [
        "Choose one of the listed consent templates."]


def test_role_profile_has_length_limits(admin) -> None:
    coach = appointed_coach()
    with pytest.raises(DomainError) as refused:
        services.save_paperwork(admin, coach.id, draft(escalation_paths="x" * 5001))
    assert "under 5000 characters" in refused.value.field_errors["escalation_paths"][0]


def test_only_admins_edit_paperwork() -> None:
    coach = appointed_coach()
    for role in (Role.MASTER_COACH, Role.LEAD_COACH, Role.COACH, Role.MANAGER):
        with pytest.raises(NotPermitted):
            services.save_paperwork(UserFactory(roles=[role]), coach.id, draft())


# --- paperwork: signatures -----------------------------------------------------------------------


@pytest.fixture
def drafted(admin):
    """An appointed coach with drafted, unsigned paperwork, plus the coach's and their
    manager's accounts."""
    coach = appointed_coach()
    services.save_paperwork(admin, coach.id, draft())
    return coach, user_of(coach, Role.COACH), user_of(coach.manager, Role.MANAGER)


def test_both_parties_sign_and_the_paperwork_is_complete(drafted) -> None:
    coach, coach_user, manager_user = drafted
    services.sign_as_manager(manager_user, coach.id)
    row = services.sign_as_coach(coach_user, coach.id, accept_non_evaluator_clause=True)
    assert row.coach_signed_at is not None and row.coach_signed_at.tzinfo is not None
    assert row.manager_signed_at is not None
    assert row.manager_signed_by_id == manager_user.id
    assert row.non_evaluator_clause_accepted
    assert services.missing_paperwork_for(coach.id) == []
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "coaching.agreement_signed").order_by(AuditEntry.id)).all()
    assert [(e.actor_id, e.detail["party"]) for e in entries] == [
        (manager_user.id, "manager"), (coach_user.id, "coach")]


def test_a_new_manager_in_the_directory_voids_the_old_signature(drafted) -> None:
    coach, coach_user, manager_user = drafted
    services.sign_as_manager(manager_user, coach.id)
    services.sign_as_coach(coach_user, coach.id, accept_non_evaluator_clause=True)
    assert services.missing_paperwork_for(coach.id) == []
    coach.manager_id = PersonFactory().id  # a reorganisation
    db.session.flush()
    db.session.expire_all()
    assert services.missing_paperwork_for(coach.id) == [
        "The coach's manager has changed since the agreement was drawn up; it must be "
        "redrawn and signed with the new manager."]
    facts = services.match_facts(coach.id, PersonFactory().id)
    assert "manager has changed" in " ".join(match_problems(facts))


def test_the_former_manager_cannot_sign_after_a_reorganisation(drafted) -> None:
    coach, _, manager_user = drafted
    coach.manager_id = PersonFactory().id
    db.session.flush()
    with pytest.raises(DomainError, match="another manager"):
        services.sign_as_manager(manager_user, coach.id)


def test_coach_signs_only_by_accepting_the_non_evaluator_clause(drafted) -> None:
    coach, coach_user, _ = drafted
    with pytest.raises(DomainError) as refused:
        services.sign_as_coach(coach_user, coach.id, accept_non_evaluator_clause=False)
    assert "non-evaluator clause" in refused.value.field_errors["accept_clause"][0]
    assert services.paperwork_for(coach.id).coach_signed_at is None


def test_signing_twice_is_refused(drafted) -> None:
    coach, coach_user, manager_user = drafted
    services.sign_as_coach(coach_user, coach.id, accept_non_evaluator_clause=True)
    services.sign_as_manager(manager_user, coach.id)
    with pytest.raises(DomainError, match="needs no second signature"):
        services.sign_as_coach(coach_user, coach.id, accept_non_evaluator_clause=True)
    with pytest.raises(DomainError, match="needs no second signature"):
        services.sign_as_manager(manager_user, coach.id)


def test_signing_before_the_agreement_is_drawn_up_is_refused(admin) -> None:
    coach = appointed_coach()
    coach_user = user_of(coach)
    with pytest.raises(DomainError, match="no agreement to sign yet"):
        services.sign_as_coach(coach_user, coach.id, accept_non_evaluator_clause=True)
    # Saved without a percentage: still nothing to sign, and no manager named to sign it.
    services.save_paperwork(admin, coach.id, draft(protected_percent=None))
    with pytest.raises(DomainError, match="no agreement to sign yet"):
        services.sign_as_coach(coach_user, coach.id, accept_non_evaluator_clause=True)
    with pytest.raises(NotPermitted):
        services.sign_as_manager(user_of(coach.manager, Role.MANAGER), coach.id)


def test_nobody_signs_for_someone_else(drafted, admin) -> None:
    coach, coach_user, manager_user = drafted
    stranger = user_of(PersonFactory(), Role.MANAGER)
    for actor in (admin, stranger, manager_user, SystemActor("test")):
        with pytest.raises(NotPermitted):
            services.sign_as_coach(actor, coach.id, accept_non_evaluator_clause=True)
    for actor in (admin, stranger, coach_user, SystemActor("test")):
        with pytest.raises(NotPermitted):
            services.sign_as_manager(actor, coach.id)
    row = services.paperwork_for(coach.id)
    assert row.coach_signed_at is None and row.manager_signed_at is None


@pytest.mark.parametrize("change", [{"protected_percent": 12.0}, {"weekly_hours": 32.0}])
def test_changing_the_terms_clears_both_signatures(drafted, admin, change) -> None:
    coach, coach_user, manager_user = drafted
    services.sign_as_coach(coach_user, coach.id, accept_non_evaluator_clause=True)
    services.sign_as_manager(manager_user, coach.id)
    saved = services.save_paperwork(admin, coach.id, draft(**change))
    assert saved.signatures_cleared
    row = saved.paperwork
    assert row.coach_signed_at is None and row.manager_signed_at is None
    assert row.manager_signed_by_id is None and not row.non_evaluator_clause_accepted
    assert len(saved.missing) == 3
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.detail["signatures_cleared"] is True
    # They sign the new terms.
    services.sign_as_coach(coach_user, coach.id, accept_non_evaluator_clause=True)
    assert services.paperwork_for(coach.id).coach_signed_at is not None


def test_other_changes_keep_the_signatures(drafted, admin) -> None:
    coach, coach_user, manager_user = drafted
    services.sign_as_coach(coach_user, coach.id, accept_non_evaluator_clause=True)
    services.sign_as_manager(manager_user, coach.id)
    saved = services.save_paperwork(admin, coach.id, draft(role_scope="Wider scope"))
    assert not saved.signatures_cleared
    assert saved.missing == []


def test_a_new_manager_in_the_directory_redraws_the_agreement(drafted, admin) -> None:
    coach, coach_user, manager_user = drafted
    services.sign_as_coach(coach_user, coach.id, accept_non_evaluator_clause=True)
    services.sign_as_manager(manager_user, coach.id)
    new_manager = PersonFactory()
    coach.manager_id = new_manager.id
    db.session.flush()
    file = services.get_coach_file(admin, coach.id)
    assert services.describe_paperwork(admin, file).manager_changed
    saved = services.save_paperwork(admin, coach.id, draft())
    assert saved.signatures_cleared
    assert saved.paperwork.manager_person_id == new_manager.id
    # The old manager may no longer sign; the new one may.
    with pytest.raises(NotPermitted):
        services.sign_as_manager(manager_user, coach.id)
    services.sign_as_manager(user_of(new_manager), coach.id)


def test_missing_paperwork_by_document() -> None:
    coach = appointed_coach()
    paperwork(coach, signed=False, consent=None, profile=False)
    split = services.missing_by_document(services.to_domain(services.paperwork_for(coach.id)))
    assert not split["agreement"].complete
    assert all("agreement" in item or "non-evaluator" in item
               for item in split["agreement"].missing)
    assert split["consent"].missing == [
        "No coachee confidentiality and data-use consent template version has been chosen."]
    assert split["role_profile"].missing == ["The coaching role profile has not been written."]
    assert sorted(services.missing_paperwork_for(coach.id)) == sorted(
        split["agreement"].missing + split["consent"].missing + split["role_profile"].missing)


def test_paperwork_for_someone_without_any() -> None:
    person = PersonFactory()
    assert services.paperwork_for(person.id) is None
    assert "The manager time-allocation agreement has not been drawn up." in \
        services.missing_paperwork_for(person.id)


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


def test_list_coaches_summarises_paperwork_and_capacity(admin) -> None:
    ready = ready_coach(name="Ada Ready")
    unsigned = appointed_coach(name="Bo Unsigned")
    paperwork(unsigned, signed=False)
    bare = appointed_coach(name="Cy Bare")
    engagement(ready, PersonFactory(), hours=1.5)
    engagement(ready, PersonFactory(), hours=1.0)
    engagement(ready, PersonFactory(), status="ended")
    summaries = services.list_coaches(admin)
    assert [s.coach.id for s in summaries] == [ready.id, unsigned.id, bare.id]
    first, second, third = summaries
    assert first.paperwork_complete
    assert (first.capacity.protected_hours, first.capacity.booked_hours,
            first.capacity.active_engagements, first.capacity.free_hours) == (6.0, 2.5, 2, 3.5)
    assert not second.paperwork_complete and len(second.missing) == 3
    assert third.capacity.protected_hours is None and third.paperwork is None


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


# --- evaluation relationships --------------------------------------------------------------------


def test_record_and_list_evaluations(admin) -> None:
    person, report, boss = PersonFactory(), PersonFactory(), PersonFactory()
    services.record_evaluation(admin, person.id, direction=services.EVALUATES,
                               other_employee_id=report.employee_id, note="Project lead")
    services.record_evaluation(admin, person.id, direction=services.EVALUATED_BY,
                               other_employee_id=f"  {boss.employee_id} ")
    listed = services.list_evaluations(admin, person.id)
    assert [(r.evaluator_person_id, r.evaluated_person_id, r.note)
            for r in listed.evaluates] == [(person.id, report.id, "Project lead")]
    assert [r.evaluator_person_id for r in listed.evaluated_by] == [boss.id]
    assert actions() == ["coaching.evaluation_recorded"] * 2


@pytest.mark.parametrize(("direction", "who", "field", "words"), [
    ("evaluates", "self", "other_employee_id", "their own performance"),
    ("evaluates", "", "other_employee_id", "Give the other person's employee id."),
    ("evaluates", "NOPE-9", "other_employee_id", "No person with employee id NOPE-9."),
    ("sideways", "other", "direction", "Choose who reviews whom."),
])
def test_bad_evaluations_are_refused(admin, direction, who, field, words) -> None:
    person, other = PersonFactory(), PersonFactory()
    employee_id = {"self": person.employee_id, "other": other.employee_id}.get(who, who)
    with pytest.raises(DomainError) as refused:
        services.record_evaluation(admin, person.id, direction=direction,
                                   other_employee_id=employee_id)
    assert words in refused.value.field_errors[field][0]


def test_duplicate_evaluations_are_refused(admin) -> None:
    person, other = PersonFactory(name="Pat"), PersonFactory(name="Oli")
    evaluation(other, person)
    with pytest.raises(DomainError) as refused:
        services.record_evaluation(admin, person.id, direction=services.EVALUATED_BY,
                                   other_employee_id=other.employee_id)
    assert refused.value.field_errors["other_employee_id"] == [
        "It is already recorded that Oli reviews Pat."]
    # The other direction is a different relationship.
    assert services.record_evaluation(admin, person.id, direction=services.EVALUATES,
                                      other_employee_id=other.employee_id)


def test_recording_an_evaluation_between_coach_and_coachee_warns(admin) -> None:
    coach, coachee = ready_coach(), PersonFactory()
    engagement(coach, coachee)
    recorded = services.record_evaluation(admin, coach.id, direction=services.EVALUATES,
                                          other_employee_id=coachee.employee_id)
    assert len(recorded.warnings) == 1
    assert "must not review each other's performance" in recorded.warnings[0]


def test_remove_evaluation(admin) -> None:
    person, other = PersonFactory(), PersonFactory()
    row = evaluation(person, other)
    with pytest.raises(NotFound):
        services.remove_evaluation(admin, PersonFactory().id, row.id)
    with pytest.raises(NotPermitted):
        services.remove_evaluation(UserFactory(roles=[Role.MASTER_COACH]), person.id, row.id)
    services.remove_evaluation(admin, other.id, row.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationRelationship)) == 0
    entry = db.session.scalar(sa.select(AuditEntry))
    assert entry.action == "coaching.evaluation_removed"
    assert entry.detail["evaluator_person_id"] == person.id
