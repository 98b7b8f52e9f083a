"""The sign-in page by keyboard alone, and its one generic refusal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import create_admin

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  return el.id || el.getAttribute('name') || el.textContent.trim();
}"""


def _tab_from_top(page: Any, limit: int = 12) -> list[str | None]:
    """Focus order from the top of the page: Tab until the skip link (the first stop) has
    focus, then record each stop until the page runs out."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == "Skip to content":
            break
    else:
        raise AssertionError("Tab never reached the skip link")
    order: list[str | None] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop is None:
            break
        order.append(stop)
    return order


def test_sign_in_keyboard_order_and_generic_refusal(page: Any) -> None:
    user = create_admin()
    page.goto("/login")

    # The e-mail field takes focus on load (autofocus); from the top of the page Tab still
    # reaches e-mail, password and the button in reading order, with nothing in between.
    expect(page.get_by_label("E-mail")).to_be_focused()
    order = _tab_from_top(page)
    assert "email" in order, order
    start = order.index("email")
    assert order[start:start + 3] == ["email", "password", "submit"], order

    page.get_by_label("E-mail").focus()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("not the password")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    page.keyboard.press("Enter")

    # One generic message whatever was wrong, next to the password field and announced.
    error = page.locator("#password-error")
    expect(error).to_have_text(re.compile("do not match an active account"))
    expect(error).to_have_attribute("role", "alert")
    password = page.get_by_label("Password")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", "password-error")
    expect(password).to_have_value("")
    expect(page.get_by_label("E-mail")).to_have_value(user.email)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
