"""Journey: a trainee logs a week on the weekly log form; their supervisor verifies the
entries from the supervision queue and writes feedback on a scored session review within its
48 hours; when the injectable clock passes the 7-day 1:1 deadline, the 1:1 shows as overdue
in the queue and on the program overview. Times are typed and shown in Europe/Berlin and
stored in UTC; the deadline crosses the EU change to summer time.

The live server runs in this process, so `set_clock` moves its clock too; the fixture puts
the real clock (and the display zone) back afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from coachprog.db import set_clock
from coachprog.extensions import db
from coachprog.practicum.ledger.models import LedgerEntry
from coachprog.roles import Role
from tests.browser.journeys import open_menu_item, sign_in
from tests.factories import UserFactory
from tests.practicum.builders import enrolled_trainee
from tests.practicum.supervision.builders import scored

pytestmark = pytest.mark.browser

NOW = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)  # Wednesday, 13:00 CET in Berlin


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: Flask) -> Iterator[_Clock]:
    current = _Clock(NOW)
    zone = app.config.get("COACHPROG_DISPLAY_TIMEZONE")
    app.config["COACHPROG_DISPLAY_TIMEZONE"] = "Europe/Berlin"
    set_clock(current)
    yield current
    set_clock(None)
    app.config["COACHPROG_DISPLAY_TIMEZONE"] = zone


def test_trainee_logs_supervisor_verifies_gives_feedback_and_a_1_1_goes_overdue(
        page: Any, console_errors: list[str], clock: _Clock) -> None:
    person, trainee, supervisor = enrolled_trainee()
    # A session review scored an hour ago (the assessments journeys cover scoring itself).
    review = scored(person, rater=supervisor, at=NOW - timedelta(hours=1))
    admin = UserFactory(roles=[Role.ADMIN])
    db.session.commit()

    # The trainee logs Monday's work in Berlin time.
    sign_in(page, trainee.email)
    open_menu_item(page, "My practicum")
    page.get_by_role("link", name="Log your week").click()
    rows = [("coached_session", "10:00", "60"), ("reflective_lab", "14:00", "90"),
            ("peer_triad", "16:00", "60")]
    for index, (kind, at, minutes) in enumerate(rows):
        page.locator(f"#rows-{index}-kind").select_option(kind)
        page.locator(f"#rows-{index}-day").fill("2026-03-23")
        page.locator(f"#rows-{index}-at").fill(at)
        page.locator(f"#rows-{index}-minutes").fill(minutes)
    page.locator("#rows-0-coachee").fill("Client A")
    page.locator("#rows-2-triad_role").select_option("coach")
    page.get_by_role("button", name="Save these entries").click()
    expect(page.get_by_text("Logged 3 entries (3.5 h)")).to_be_visible()
    starts = db.session.scalars(sa.select(LedgerEntry.starts_at).where(
        LedgerEntry.person_id == person.id).order_by(LedgerEntry.starts_at)).all()
    assert [s.astimezone(UTC).hour for s in starts] == [9, 13, 15]  # CET is UTC+1
    page.context.clear_cookies()

    # The supervisor's queue: three entries to verify, feedback and a 1:1 due.
    sign_in(page, supervisor.email)
    open_menu_item(page, "Supervision")
    expect(page.get_by_role("heading", name="Hours entries to verify (3)")).to_be_visible()
    expect(page.get_by_role("heading", name="Feedback due (1)")).to_be_visible()
    feedback = page.locator("li", has_text="Write feedback for")
    expect(feedback).to_contain_text("by 2026-03-27 12:00 CET (due in 1 day 23 h)")
    expect(page.get_by_text("2026-03-23 10:00 CET")).to_be_visible()  # shown in local time
    for _ in range(3):
        page.get_by_role("button", name=re.compile(r"^Verify ")).first.click()
        expect(page.get_by_text(re.compile("counts now"))).to_be_visible()
    expect(page.get_by_role("heading", name="Hours entries to verify (0)")).to_be_visible()

    # Written feedback on the scored review, inside its 48 hours.
    page.get_by_role("link", name=re.compile("Write feedback for")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback on a scored session")
    page.get_by_label("Written feedback").fill(
        "Clear contracting and good silences. Next time, summarise before you move on.")
    page.get_by_role("button", name="Save feedback").click()
    expect(page.get_by_text("Feedback saved; the trainee can read it now.")).to_be_visible()
    open_menu_item(page, "Supervision")
    expect(page.get_by_text("No feedback is due.")).to_be_visible()
    one_on_one = page.locator("li", has_text="Hold a 1:1 with")
    # Due 7 × 24 h after scoring: 12:00 CET + 168 h is 13:00 CEST after the clocks change.
    expect(one_on_one).to_contain_text("Due")
    expect(one_on_one).to_contain_text("by 2026-04-01 13:00 CEST")

    # Eight days pass: the 1:1 is overdue.
    clock.now = NOW + timedelta(days=8)
    page.reload()
    expect(one_on_one).to_contain_text("Overdue")
    expect(one_on_one).to_contain_text("overdue by 1 day 1 h")
    page.context.clear_cookies()

    # The program overview counts it; the trainee reads the feedback and sees verified hours.
    sign_in(page, admin.email)
    page.goto("/supervision/program")
    expect(page.get_by_text("1 1:1 supervisions overdue (7 days)")).to_be_visible()
    row = page.get_by_role("row", name=re.compile(re.escape(person.name)))
    expect(row).to_contain_text("0 feedback, 1 1:1")
    page.context.clear_cookies()

    sign_in(page, trainee.email)
    open_menu_item(page, "My supervision")
    page.get_by_role("link", name=review.title).click()
    expect(page.get_by_text("summarise before you move on")).to_be_visible()
    open_menu_item(page, "My practicum")
    expect(page.get_by_text("Coached hours: 1 of 20–30 h")).to_be_visible()
    expect(page.get_by_text("Reflective lab and peer-debrief hours: 2.5 of 10–15 h")
           ).to_be_visible()
    assert console_errors == []
