"""Irreversible submits ask first (static/js/confirm.js): saying no leaves everything as it was,
saying yes carries the submit out."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from coachprog.extensions import db
from coachprog.roles import Role
from tests.browser.journeys import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def _wait_for(page: Any, dialogs: list[str], count: int) -> None:
    for _ in range(100):  # up to 10 s on a loaded machine
        if len(dialogs) >= count:
            return
        page.wait_for_timeout(100)


def test_revoking_a_token_asks_first_and_no_keeps_it(page: Any, dialogs: list[str]) -> None:
    user = UserFactory(roles=[Role.RATER])
    db.session.commit()
    sign_in(page, user.email)
    page.goto("/account/tokens")
    page.get_by_label("Token name").fill("nightly HRIS sync")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_be_visible()

    page.dismiss_dialogs = True
    page.get_by_role("button", name="Revoke").click()
    _wait_for(page, dialogs, 1)  # the dialog event reaches Python after the click returns
    assert dialogs == ["Revoke this token? Integrations using it stop working at once."]
    expect(page.get_by_role("button", name="Revoke")).to_be_visible()
    expect(page.get_by_role("table")).not_to_contain_text("revoked")

    page.dismiss_dialogs = False
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("table")).to_contain_text("revoked")
    _wait_for(page, dialogs, 2)
    assert len(dialogs) == 2
