"""Conflicts up front on the calibration panel, in a browser: L&D sees the conflicted seat with
why, replaces it with a reason; the conflicted sponsor is told which candidate they do not
decide on and cannot open that candidate's pack. (The panel and entries are set up with the
selection test builders: the demo's panel is conflict-free.)"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from coachprog.extensions import db
from coachprog.roles import Role
from tests.browser.journeys import sign_in
from tests.factories import UserFactory
from tests.selection.panel.test_conflicts import Story

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("COACHPROG_SHOTS") or Path(tempfile.gettempdir()) / "coachprog-shots")


def test_admin_replaces_a_conflicted_seat_and_the_member_is_told(app: Any, page: Any) -> None:
    story = Story()
    admin = UserFactory(roles=[Role.ADMIN], display_name="Ada Admin")
    UserFactory(roles=[Role.SPONSOR], display_name="Olu Other")
    db.session.commit()

    sign_in(page, story.sponsor.email)
    page.goto(f"/sprints/{story.sprint.id}")
    notice = page.locator("#panel-conflicts")
    expect(notice).to_contain_text("Dan Diaz: Sam Sponsor manages Dan Diaz.")
    expect(page.get_by_role("link", name="Dan Diaz")).to_have_count(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "4-01-sponsor-conflict-notice.png"), full_page=True)
    response = page.goto(f"/sprints/{story.sprint.id}/candidates/{story.dan.id}")
    assert response is not None and response.status == 403
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, admin.email)
    page.goto(f"/sprints/{story.sprint.id}#panel")
    conflicts = page.locator("#panel-conflicts")
    expect(conflicts).to_contain_text("Sam Sponsor manages Dan Diaz.")
    expect(conflicts).to_contain_text("Mateo External reports to Rosa Lead.")
    page.screenshot(path=str(SHOTS / "4-02-admin-conflicted-seats.png"), full_page=True)
    seat = page.get_by_label("Business sponsor", exact=True)
    seat.select_option(value=seat.locator("option", has_text="Olu Other").get_attribute("value"))
    page.get_by_role("button", name="Replace").last.click()
    expect(page.locator(".error-summary, [role=alert]").first).to_contain_text(
        "Say why the Business sponsor seat changes hands")
    seat = page.get_by_label("Business sponsor", exact=True)
    seat.select_option(value=seat.locator("option", has_text="Olu Other").get_attribute("value"))
    page.get_by_label("Why the Business sponsor seat changes hands").fill(
        "Sam manages Dan Diaz.")
    page.get_by_role("button", name="Replace").last.click()
    expect(page.locator(".flash").filter(
        has_text="Olu Other sits on the panel as Business sponsor.")).to_be_visible()
    expect(page.locator("#panel-conflicts")).not_to_contain_text("Sam Sponsor manages Dan Diaz.")
    page.screenshot(path=str(SHOTS / "4-03-admin-seat-replaced.png"), full_page=True)
