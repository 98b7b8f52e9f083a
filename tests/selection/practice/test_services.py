"""Practice services: hours and their verification."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coachprog.auth.models import RoleGrant, User
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.domain import CandidateStage
from coachprog.selection.practice import services as practice_services
from tests.factories import UserFactory
from tests.selection.builders import (
    SYSTEM,
    candidate_at,
)


def test_practice_needs_eight_verified_hours_and_a_review(app) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    for _ in range(8):
        practice_services.log_practice_hours(SYSTEM, candidate, session_date=utcnow().date(),
                                     minutes=60)
    with pytest.raises(DomainError) as caught:
        candidate_services.advance_candidate(SYSTEM, candidate, "panel")
    assert "0 hours of coached practice verified" in caught.value.message
    assert "(8 hours logged await a supervisor's verification)" in caught.value.message
    assert "No recorded session" in caught.value.message


def test_practice_hours_are_validated(app) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    tomorrow = utcnow().date() + timedelta(days=1)
    with pytest.raises(DomainError) as caught:
        practice_services.log_practice_hours(SYSTEM, candidate, session_date=tomorrow, minutes=0)
    assert set(caught.value.field_errors) == {"session_date", "minutes"}
    with pytest.raises(DomainError) as caught:
        practice_services.log_practice_hours(SYSTEM, candidate, minutes=60,
                                     session_date=candidate.sprint.start_date
                                     - timedelta(days=1))
    assert caught.value.field_errors == {
        "session_date": ["The date is before the sprint started."]}
    with pytest.raises(DomainError):
        practice_services.log_practice_hours(SYSTEM, candidate, session_date=utcnow().date(),
                                     minutes=481)


def test_only_another_supervisor_verifies_hours(app) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    lead = UserFactory(roles=[Role.LEAD_COACH])
    entry = practice_services.log_practice_hours(lead, candidate, session_date=utcnow().date(),
                                         minutes=90)
    with pytest.raises(DomainError, match="Someone other than the person who logged"):
        practice_services.verify_practice_hours(lead, candidate, entry.id)
    self_user = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    self_user.role_grants.append(RoleGrant(role=Role.LEAD_COACH.value))
    db.session.flush()
    with pytest.raises(NotPermitted):
        practice_services.verify_practice_hours(self_user, candidate, entry.id)
    with pytest.raises(NotPermitted):
        practice_services.verify_practice_hours(UserFactory(roles=[Role.RATER]), candidate,
                                                entry.id)
    other = UserFactory(roles=[Role.MASTER_COACH])
    practice_services.verify_practice_hours(other, candidate, entry.id)
    with pytest.raises(DomainError, match="already verified"):
        practice_services.verify_practice_hours(other, candidate, entry.id)
    with pytest.raises(NotFound):
        practice_services.verify_practice_hours(other, candidate, 999999)
    assert practice_services.hours_summary(candidate).verified == 1.5
