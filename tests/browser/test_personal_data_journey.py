"""A person's data in the browser: a coach downloads what is held about them; an admin asks
for a person's erasure and a second admin approves it (the first cannot)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from coachprog.extensions import db
from coachprog.roles import Role
from tests.browser.journeys import create_admin, open_menu_item, sign_in
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.browser


def test_a_coach_downloads_their_data(page: Any, console_errors: list[str],
                                      tmp_path: Path) -> None:
    person = PersonFactory(name="Bryony Calder", employee_id="BC-77")
    coach = UserFactory(roles=[Role.COACH], person_id=person.id, display_name="Bryony Calder")
    db.session.commit()
    sign_in(page, coach.email)
    open_menu_item(page, "My data")
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download everything (JSON)").click()
    saved = tmp_path / "mine.json"
    download_info.value.save_as(saved)
    export = json.loads(saved.read_text())
    assert export["subject"]["name"] == "Bryony Calder"
    assert export["subject"]["employee_id"] == "BC-77"

    with page.expect_download() as pdf_info:
        page.get_by_role("link", name="Download a readable summary (PDF)").click()
    pdf = tmp_path / "mine.pdf"
    pdf_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert console_errors == []


def test_an_admin_asks_for_an_erasure_and_a_second_admin_approves(
        page: Any, console_errors: list[str], dialogs: list[str]) -> None:
    PersonFactory(name="Cadoc Penhallow", employee_id="CP-12")
    first, second = create_admin(), create_admin()
    sign_in(page, first.email)
    open_menu_item(page, "Erasure requests")
    page.get_by_label("Employee id").fill("CP-12")
    page.get_by_label("Reason").fill("Asked for by the person on 2026-12-01 (ticket 31).")
    page.get_by_role("button", name="Ask for the erasure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erasure of Cadoc Penhallow")
    expect(page.get_by_text("a second admin must approve it").first).to_be_visible()
    # The one who asked is offered no approval.
    expect(page.get_by_role("button", name="Approve and erase")).to_have_count(0)
    request_url = page.url

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, second.email)
    open_menu_item(page, "Erasure requests")
    # In the list itself: the header's account link may hold 4 digits too (a factory e-mail).
    page.locator("#main").get_by_role("link", name=re.compile(r"\d{4}")).first.click()
    expect(page).to_have_url(request_url)
    # Approving without ticking the confirmation is refused in words.
    page.get_by_role("button", name="Approve and erase").click()
    expect(page.get_by_role("alert").first).to_contain_text("Tick the box")
    page.get_by_label(re.compile("I have checked who this is")).check()
    page.get_by_role("button", name="Approve and erase").click()
    expect(page.get_by_text("The person is erased")).to_be_visible()
    expect(page.locator("#erasure-status")).to_have_text(re.compile("Erased", re.I))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Erased person")
    assert any("cannot be undone" in question for question in dialogs)
    # The refused approval answered 400, which the browser logs; nothing else went wrong.
    assert [e for e in console_errors if "status of 400" not in e] == []
