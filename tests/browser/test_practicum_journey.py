"""Journey: a trainee logs a week of practicum activities in one form; their supervisor
verifies one entry and queries another with a comment; only the verified hours count, and the
trainee sees the query waiting for an answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from coachprog.db import utcnow
from coachprog.extensions import db
from tests.browser.journeys import open_menu_item, sign_in
from tests.practicum.builders import enrolled_trainee

pytestmark = pytest.mark.browser


def test_trainee_logs_a_week_supervisor_verifies_and_queries(
        page: Any, console_errors: list[str]) -> None:
    person, trainee, supervisor = enrolled_trainee(start=utcnow().date() - timedelta(weeks=3))
    db.session.commit()
    day = (utcnow() - timedelta(days=2)).date().isoformat()

    sign_in(page, trainee.email)
    open_menu_item(page, "My practicum")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Practicum hours")
    page.get_by_role("link", name="Log your week").click()
    rows = [("coached_session", "10:00", "60"), ("reflective_lab", "14:00", "60"),
            ("peer_triad", "16:00", "90")]
    for index, (kind, at, minutes) in enumerate(rows):
        page.locator(f"#rows-{index}-kind").select_option(kind)
        page.locator(f"#rows-{index}-day").fill(day)
        page.locator(f"#rows-{index}-at").fill(at)
        page.locator(f"#rows-{index}-minutes").fill(minutes)
    page.locator("#rows-0-coachee").fill("Client A")
    page.locator("#rows-2-triad_role").select_option("observer")
    page.get_by_role("button", name="Save these entries").click()
    expect(page.get_by_text("Logged 3 entries (3.5 h)")).to_be_visible()
    expect(page.get_by_text("Logged but not verified: 3.5 h")).to_be_visible()
    page.context.clear_cookies()

    sign_in(page, supervisor.email)
    open_menu_item(page, "Practicum")
    page.get_by_role("link", name=person.name).click()
    # Newest first: the triad, then the lab, then the coached session.
    page.get_by_role("link", name="Verify or query").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Peer triad")
    page.get_by_label("Verify: the hours count").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("Entry verified: its hours count.")).to_be_visible()
    expect(page.get_by_text("Reflective lab and peer-debrief hours: 1.5 of 10–15 h")
           ).to_be_visible()
    page.get_by_role("link", name="Verify or query").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reflective lab")
    page.get_by_label("Query: ask the trainee").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".error-summary")).to_contain_text("Say what needs checking")
    page.get_by_label("Query: ask the trainee").check()
    page.get_by_label("Comment").fill("Was this the Tuesday lab or the Wednesday one?")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("Entry queried: the trainee will answer.")).to_be_visible()
    expect(page.get_by_text("Coached hours: 0 of 20–30 h")).to_be_visible()
    page.context.clear_cookies()

    sign_in(page, trainee.email)
    open_menu_item(page, "My practicum")
    page.get_by_role("link", name="Answer").click()
    expect(page.get_by_text("Was this the Tuesday lab or the Wednesday one?")).to_be_visible()
    expect(page.get_by_role("heading", name="Answer the query")).to_be_visible()
    # The one refused form (a query without its comment) answers 400, as it should.
    assert [e for e in console_errors if "status of 400" not in e] == []
