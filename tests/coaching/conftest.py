"""Fixtures of the coaching tests."""

from __future__ import annotations

import pytest

from coachprog.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def admin():
    return UserFactory(roles=[Role.ADMIN])
