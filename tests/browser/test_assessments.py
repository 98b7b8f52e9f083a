"""Journey through an assessment: an admin creates a blind assessment with two raters, both
score (far apart), it goes to moderation, and a master coach settles it with a reason."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from coachprog.assessments.models import Assessment
from coachprog.extensions import db
from coachprog.roles import Role
from tests.assessments.builders import rater, rubric_version, subject_person
from tests.browser.journeys import create_admin, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

REFLECTS = "Reflects back the client's words and meaning"
SILENCE = "Allows silence for the client to think"
NO_ADVICE = "Asks rather than tells or advises"


def _sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def _score(page: Any, level: str, silence: str, note: str) -> None:
    page.get_by_role("group", name=REFLECTS).get_by_role(
        "radio", name=re.compile(rf"^{level} ")).check()
    page.get_by_role("group", name=REFLECTS).get_by_label("Evidence notes").fill(note)
    page.get_by_role("group", name=SILENCE).get_by_role("radio", name=silence).check()
    page.get_by_role("group", name=re.compile(NO_ADVICE)).get_by_role(
        "radio", name="Present").check()


def test_assessment_journey_two_raters_disagree_and_a_master_coach_settles(
    page: Any, console_errors: list[str]
) -> None:
    admin = create_admin()
    version = rubric_version()
    person = subject_person()
    ada = rater(display_name="Ada Rater", email="ada.rater@example.com")
    bob = rater(display_name="Bob Rater", email="bob.rater@example.com")
    master = UserFactory(roles=[Role.MASTER_COACH], display_name="Mo Master")
    db.session.commit()

    # The admin records the evidence and creates a blind assessment with two raters.
    sign_in(page, admin.email)
    page.goto("/assessments/")
    page.get_by_role("link", name="New evidence item").click()
    page.get_by_label("Title", exact=True).fill("Practicum session 3")
    page.get_by_label("Employee id of the person assessed (optional)").fill(person.employee_id)
    page.get_by_role("button", name="Create evidence item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New assessment")
    page.get_by_label("Title", exact=True).fill("Practicum review")
    page.get_by_label("Rubric version").select_option(label=version.label)
    page.get_by_label(re.compile("Blind: raters see a pseudonym")).check()
    page.get_by_role("button", name="Create assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practicum review")
    for user in (ada, bob):
        page.get_by_label("Rater", exact=True).select_option(
            label=f"{user.display_name} ({user.email})")
        page.get_by_role("button", name="Assign rater").click()
        expect(page.get_by_text(f"{user.display_name} is assigned.")).to_be_visible()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(2)
    _sign_out(page)

    # Both raters score, far apart: Ada passes the candidate, Bob fails them.
    for user, level, silence, note in ((ada, "5", "Present", "Reflected feelings often"),
                                       (bob, "2", "Absent", "Mostly told the client")):
        sign_in(page, user.email)
        page.goto("/assessments/")
        page.get_by_role("link", name="rater: assigned").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Candidate ")
        expect(page.locator("main")).not_to_contain_text(person.name)
        _score(page, level, silence, note)
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_text("Your marks are submitted.")).to_be_visible()
        _sign_out(page)

    db.session.rollback()
    assessment = db.session.scalar(sa.select(Assessment))
    assert assessment.status == "moderation"

    # The master coach sees the marks side by side and settles with a reason.
    sign_in(page, master.email)
    page.goto(f"/assessments/{assessment.id}")
    expect(page.get_by_role("heading", name="In moderation")).to_be_visible()
    expect(page.get_by_text("Pass/fail split: 1 of 2 raters pass, 1 fail.")).to_be_visible()
    page.get_by_role("link", name="Moderate").click()
    expect(page.get_by_text("Reflected feelings often")).to_be_visible()
    expect(page.get_by_text("Mostly told the client")).to_be_visible()
    _score(page, "4", "Present", "Agreed after reviewing minutes 3-9")
    page.get_by_label("Reason for the agreed result").fill(
        "The recording shows reflective listening; Bob's concern was one exchange.")
    page.get_by_role("button", name="Record agreed result").click()

    expect(page.get_by_text("The agreed result is recorded")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Agreed result: Passed, overall 92"))
           ).to_be_visible()
    expect(page.get_by_text("The recording shows reflective listening")).to_be_visible()
    expect(page.locator(".tag.status-closed")).to_have_text("closed")
    assert console_errors == [], console_errors
