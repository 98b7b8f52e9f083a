"""A coachee's first sign-in: the use-case matrix and data-use policy before anything else,
acknowledged; then they opt out of recording on their own page (issue 24)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from coachprog.extensions import db
from coachprog.policy.domain import OptOutKind
from coachprog.policy.services import is_opted_out
from coachprog.roles import Role
from tests.browser.journeys import open_menu_item
from tests.conftest import TEST_PASSWORD
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.browser


def test_first_sign_in_acknowledges_the_policy_then_opts_out_of_recording(page: Any) -> None:
    person = PersonFactory(name="Nia Coachee")
    user = UserFactory(roles=[Role.COACH], person_id=person.id, acknowledged=False)
    db.session.commit()
    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email, timeout=20_000)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Before anything else: the two documents, in words, and the acknowledgement.
    expect(page.get_by_role("heading", name="Please read how your data is used")).to_be_visible()
    expect(page.get_by_text("Session recordings (audio)").first).to_be_visible()
    expect(page.get_by_text("Prohibited").first).to_be_visible()
    page.get_by_role("button", name="I have read both and acknowledge them").click()
    expect(page.get_by_text("your acknowledgement is recorded")).to_be_visible()

    open_menu_item(page, "My opt-outs")
    page.get_by_role("button", name="Opt out of recording").click()  # confirm: answered yes
    expect(page.get_by_text("Your choice is recorded.")).to_be_visible()
    expect(page.get_by_role("button", name="Opt back in to recording")).to_be_visible()
    db.session.expire_all()
    assert is_opted_out(person.id, OptOutKind.RECORDING)
