"""factory_boy factories; objects are flushed into the test's session, the test commits."""

from __future__ import annotations

from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

from coachprog.auth.models import RoleGrant, User
from coachprog.auth.services import hash_password
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.policy.files import current_policy
from coachprog.policy.models import PolicyAcknowledgement


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class PersonFactory(_Base):
    class Meta:
        model = Person

    employee_id = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    department = "Engineering"
    title = "Engineer"
    active = True


class UserFactory(_Base):
    class Meta:
        model = User
        exclude = ("password",)

    password = "correct horse battery staple"
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password_hash = factory.LazyAttribute(lambda o: hash_password(o.password))
    session_token = factory.Faker("hexify", text="^" * 32)
    is_active = True

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for role in extracted or ():
            self.role_grants.append(RoleGrant(role=str(role)))
        db.session.flush()

    @factory.post_generation
    def acknowledged(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Test users have acknowledged the current policy unless `acknowledged=False`, so
        the gate after sign-in (tests/policy/test_views.py) stays out of the way of
        tests about other things."""
        if extracted is False:
            return
        versions = current_policy().versions
        db.session.add(PolicyAcknowledgement(user_id=self.id,
                                             use_cases_version=versions.use_cases,
                                             data_use_version=versions.data_use))
        db.session.flush()
