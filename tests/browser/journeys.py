"""Steps several journeys share."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from coachprog.auth.models import User
from coachprog.extensions import db
from coachprog.roles import Role
from tests.conftest import TEST_PASSWORD
from tests.factories import UserFactory


def create_admin() -> User:
    user: User = UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    return user


def sign_in(page: Any, email: str, password: str = TEST_PASSWORD) -> None:
    # Up to three tries: a late response to the previous person's page, sent before the test
    # cleared the cookies, can set their session cookie again between loading the form and
    # submitting it; the form's CSRF token then belongs to another session and the server
    # refuses the sign-in (400). A person would simply sign in again.
    for attempt in range(3):
        page.goto("/login")
        if page.get_by_role("button", name="Sign out").count():
            # Still signed in (such a late response came before the form): sign out as a
            # person would, then sign in.
            page.get_by_role("button", name="Sign out").click()
            page.goto("/login")
        # A loaded machine can take a while to paint the form; the journey is not about speed.
        page.get_by_label("E-mail").fill(email, timeout=20_000)
        page.get_by_label("Password").fill(password)
        with page.expect_response(lambda r: r.request.method == "POST"
                                  and r.url.split("?")[0].endswith("/login")) as answer:
            page.get_by_role("button", name="Sign in").click()
        if answer.value.status != 400 or attempt == 2:
            break
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    acknowledge_policy(page)


def acknowledge_policy(page: Any) -> None:
    """The first sign-in after a new policy version shows the use-case matrix and the
    data-use policy to acknowledge before anything else (issue 24): acknowledge, as a person
    would, when it is shown."""
    button = page.get_by_role("button", name="I have read both and acknowledge them")
    if "/governance/acknowledge" in page.url and button.count():
        button.click()
        expect(page.get_by_text("your acknowledgement is recorded")).to_be_visible()


def main_nav(page: Any) -> Any:
    return page.get_by_role("navigation", name="Main")


def open_menu_item(page: Any, name: str) -> None:
    """Click a main-menu item as a person would: open its group first when it sits in one."""
    # A link inside a closed group is hidden, so role queries skip it unless told otherwise.
    link = main_nav(page).get_by_role("link", name=name, exact=True, include_hidden=True)
    # `is_visible` does not wait: on a loaded machine the page may still be arriving after
    # sign-in (or the policy acknowledgement), so wait until the link is in it first.
    link.wait_for(state="attached")
    if not link.is_visible():
        link.locator("xpath=ancestor::details[1]/summary").click()
    main_nav(page).get_by_role("link", name=name, exact=True).click()
