"""Escalation services: a flag becomes a case through the recordings signal, a coach raises one
by hand, the owner works it through its steps to closure, and only the owner and the people the
path names ever see it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from coachprog.db import utcnow
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.notifications.models import OutboxMessage
from coachprog.recordings.review import services as review
from coachprog.roles import Role
from coachprog.safeguarding.escalations import services
from coachprog.safeguarding.escalations.models import EscalationCase
from tests.factories import UserFactory
from tests.recordings.review.review_builders import master_supervisor, reviewed_recording
from tests.safeguarding.builders import PATH_ADMIN, coach_user, manual_case


def test_a_new_flag_becomes_a_case_owned_by_the_coachs_master_coach(app) -> None:
    r = reviewed_recording()
    master = master_supervisor(r.world.engagement.coach_person_id)
    flags = review.flag_sensitive_topics(r.recording)
    cases = list(db.session.scalars(sa.select(EscalationCase).order_by(EscalationCase.category)))
    assert [(c.category, c.source, c.owner_id, c.status) for c in cases] == [
        ("harassment", "flag", master.id, "open"),
        ("mental_health_crisis", "flag", master.id, "open")]
    assert {c.sensitive_flag_id for c in cases} == {f.id for f in flags}
    assert [s.key for s in cases[1].steps] == ["contact", "signpost", "debrief"]
    assert cases[1].steps[0].due_at - cases[1].raised_at == timedelta(hours=24)
    # Raising again is idempotent: no new flag, no new case.
    review.flag_sensitive_topics(r.recording)
    assert db.session.scalar(sa.select(sa.func.count(EscalationCase.id))) == 2
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "escalation.raised"))
    # A category says what was disclosed: neither the audit log nor the e-mail carries it.
    assert entry is not None and "category" not in entry.detail
    mails = list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "safeguarding.case_owned")))
    assert [m.to_email for m in mails] == [master.email, master.email]
    assert all("harassment" not in m.body.lower() and "crisis" not in m.body.lower()
               and "/safeguarding/escalations/" in m.body for m in mails)


def test_without_a_master_coach_the_fallback_owner_or_nobody_owns_it(app) -> None:
    r = reviewed_recording()
    review.flag_sensitive_topics(r.recording)
    assert {c.owner_id for c in db.session.scalars(sa.select(EscalationCase))} == {None}


def test_a_coach_raises_a_case_by_hand_and_cannot_read_it_afterwards(app) -> None:
    coach = coach_user()
    case = manual_case("legal_risk", raiser=coach)
    assert case.source == "manual" and case.coach_person_id == coach.person_id
    assert case.raised_by_id == coach.id
    with pytest.raises(NotPermitted):
        services.get_case(coach, case.id)
    with pytest.raises(NotPermitted):
        services.list_cases(coach)


def test_raising_refuses_bad_input_in_words(app) -> None:
    coach = coach_user()
    with pytest.raises(DomainError) as refused:
        services.raise_case(coach, category="gossip", summary="  ")
    assert set(refused.value.field_errors) == {"category", "summary"}
    with pytest.raises(NotPermitted):
        services.raise_case(UserFactory(roles=[Role.SPONSOR]), category="harassment",
                            summary="Something happened.")


def test_only_the_owner_and_those_the_path_names_see_a_case(app) -> None:
    r = reviewed_recording()
    master = master_supervisor(r.world.engagement.coach_person_id)
    review.flag_sensitive_topics(r.recording)
    named = UserFactory(roles=[Role.ADMIN], email=PATH_ADMIN)
    other_admin = UserFactory(roles=[Role.ADMIN])
    other_master = UserFactory(roles=[Role.MASTER_COACH])
    case = db.session.scalars(sa.select(EscalationCase)).first()
    assert case is not None
    assert services.get_case(master, case.id).case is case
    assert services.get_case(named, case.id).case is case
    for outsider in (other_admin, other_master, UserFactory(roles=[Role.SPONSOR]),
                     UserFactory(roles=[Role.MANAGER])):
        with pytest.raises(NotPermitted):
            services.get_case(outsider, case.id)
    assert len(services.list_cases(master).rows) == 2
    assert len(services.list_cases(named).rows) == 2
    assert services.list_cases(other_admin).rows == []
    assert services.list_cases(other_master).rows == []


def test_the_case_goes_through_its_steps_to_closure_and_can_be_reopened(app) -> None:
    named = UserFactory(roles=[Role.ADMIN], email=PATH_ADMIN)
    case = manual_case("harassment")
    assert case.owner_id is None  # the demo fallback owner has no account here
    with pytest.raises(DomainError):
        services.complete_step(named, case.id, case.steps[0].id, note="Spoke to the coach.")
    services.take_case(named, case.id)
    assert (case.status, case.owner_id) == ("in_progress", named.id)
    with pytest.raises(DomainError, match="not done yet"):
        services.close_case(named, case.id, outcome="resolved", note="All done.")
    services.complete_step(named, case.id, case.steps[0].id, note="Spoke to the coach.")
    with pytest.raises(DomainError) as refused:
        services.complete_step(named, case.id, case.steps[1].id, note="", not_needed=True)
    assert "note" in refused.value.field_errors
    services.complete_step(named, case.id, case.steps[1].id, note="Coachee already with HR.",
                           not_needed=True)
    services.complete_step(named, case.id, case.steps[2].id, note="")
    with pytest.raises(DomainError) as refused:
        services.close_case(named, case.id, outcome="maybe", note="")
    assert set(refused.value.field_errors) == {"outcome", "note"}
    services.close_case(named, case.id, outcome="referred", note="Referred to HR.")
    assert case.status == "closed" and case.closed_at is not None
    with pytest.raises(DomainError):
        services.reopen_case(named, case.id, reason=" ")
    services.reopen_case(named, case.id, reason="The coachee raised it again.")
    assert case.status == "in_progress" and case.outcome is None


def test_counts_for_the_scorecard_and_the_summary(app) -> None:
    for _ in range(5):
        manual_case("harassment")
    manual_case("legal_risk")
    today = utcnow().date()
    numbers = services.count_escalations(date(today.year, 1, 1), today + timedelta(days=1))
    assert numbers == {"raised": 6, "closed": 0, "open": 6}
    summary = services.case_counts(UserFactory(roles=[Role.SPONSOR]), date(today.year, 1, 1),
                                   today + timedelta(days=1))
    shown = {g.label: g.count for g in summary.by_category.groups}
    # One category under 5: withheld, and the other with it (the total would give it away).
    assert shown == {"Harassment": None, "Legal risk": None}
    assert summary.raised == 6
    with pytest.raises(NotPermitted):
        services.case_counts(UserFactory(roles=[Role.COACH]), today, today)
