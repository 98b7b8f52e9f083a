"""Fixtures of the seed tests: the demo password (the seed refuses to run without one) and the
demo accounts it makes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.auth.models import User
from coachprog.extensions import db

PASSWORD = "demo password for tests"
SMALL = ["seed", "--people", "60"]  # a small organisation: enough people for every story


@pytest.fixture(autouse=True)
def _demo_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", PASSWORD)


def demo_user(email: str) -> User:
    user: User | None = db.session.scalar(sa.select(User).where(User.email == email))
    assert user is not None, email
    return user
