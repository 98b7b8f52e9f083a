"""Paperwork against the database: validation, signatures and who may sign
(coaching.paperwork)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.coaching.engagements import services as engagement_services
from coachprog.coaching.models import CoachPaperwork
from coachprog.coaching.paperwork import consent_templates, services
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from coachprog.selection.appointment.domain import match_problems
from tests.coaching.builders import (
    actions,
    appointed_coach,
    paperwork,
    user_of,
)
from tests.factories import PersonFactory, UserFactory


def draft(**changes: Any) -> services.PaperworkDraft:
    values: dict[str, Any] = {
        "protected_percent": 15.0, "weekly_hours": 40.0,
        "consent_template_version": consent_templates.PLACEHOLDER_CONSENT_VERSION,
        "role_scope": "Leadership transitions", "escalation_paths": "HR business partner",
        "supervision_arrangement": "Monthly with a master coach"}
    return services.PaperworkDraft(**{**values, **changes})


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
    versions = consent_templates.consent_template_versions()
    assert [v.version for v in versions] == [consent_templates.PLACEHOLDER_CONSENT_VERSION]
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
    facts = engagement_services.match_facts(coach.id, PersonFactory().id)
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
