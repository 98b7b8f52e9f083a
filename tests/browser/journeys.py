"""Steps several journeys share."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from coachprog.auth.domain import Role
from coachprog.auth.models import User
from coachprog.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.factories import UserFactory


def create_admin() -> User:
    user: User = UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    return user


def sign_in(page: Any, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def main_nav(page: Any) -> Any:
    return page.get_by_role("navigation", name="Main")
