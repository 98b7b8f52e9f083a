"""Role journeys through the seeded demo, using only the pages (issue 21): after `flask seed`
nothing is set up behind the browser's back — every step is a click, a choice or typing, as a
visitor walking the demo alone would do it.

1. L&D (admin@) runs the demo sprint from an entry to appointment: moves an applicant to the
   interview, creates the interview and both simulations and assigns the demo raters, who score
   them; logs practice hours that lead@ verifies and reviews; the three panel members appoint;
   the appointment prompts for a supervisor, and the home page keeps reminding.
2. The manager (manager@) nominates a report and signs a coach's time-allocation agreement.
3. The sponsor (sponsor@) reads the aggregates their menu offers and reaches no session
   content.

Screenshots of the key steps go to $TMPDIR/coachprog-shots/ (COACHPROG_SHOTS overrides), never
into the repository.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.journeys import open_menu_item, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "demo password for the journeys"
SHOTS = Path(os.environ.get("COACHPROG_SHOTS") or Path(tempfile.gettempdir()) / "coachprog-shots")
ADMIN, MASTER, LEAD = "admin@demo.example", "master@demo.example", "lead@demo.example"
RATER, SPONSOR, MANAGER = "rater@demo.example", "sponsor@demo.example", "manager@demo.example"
COACH = "coach@demo.example"


@pytest.fixture
def demo(app: Flask, runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", PASSWORD)
    result = runner.invoke(args=["seed", "--people", "120"])
    assert result.exit_code == 0, result.output
    assert "not seeded" not in result.output, result.output


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _as(page: Any, email: str) -> None:
    if page.get_by_role("button", name="Sign out").count():
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/login$"))
    sign_in(page, email, PASSWORD)


def _flash(page: Any, text: str) -> None:
    expect(page.locator(".flash").filter(has_text=text).first).to_be_visible()


def _choose(page: Any, label: str, containing: str) -> None:
    """Pick the option of a select whose text contains `containing`."""
    select = page.get_by_label(label, exact=True)
    value = select.locator("option", has_text=containing).first.get_attribute("value")
    select.select_option(value=value)


def _open_demo_sprint(page: Any) -> None:
    open_menu_item(page, "Selection sprints")
    page.get_by_role("link", name="Demo selection sprint").first.click()
    expect(page.get_by_role("heading", name="Demo selection sprint", level=1)).to_be_visible()


def _score_best(page: Any) -> None:
    """Mark every behaviour at its best (Present, or the top of the scale) and submit."""
    page.get_by_role("link", name="Score this assessment").click()
    for fieldset in page.locator("fieldset.behaviour").all():
        radios = fieldset.locator("input[type=radio]")
        if radios.count() == 2:  # Present / Absent
            fieldset.get_by_label("Present").check()
        else:
            radios.last.check()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Your marks are submitted")).to_be_visible()


def _create_assessment(page: Any, option: str) -> str:
    """On the candidate page: create a stage assessment and assign both demo raters; the
    assessment page's address."""
    page.get_by_label("Assessment").select_option(label=option)
    page.get_by_role("button", name="Create assessment").click()
    _flash(page, "The assessment is created")
    for email in (RATER, LEAD):
        _choose(page, "Rater", email)
        page.get_by_role("button", name="Assign rater").click()
        _flash(page, "is assigned")
    return str(page.url)


def _rate(page: Any, assessment_urls: list[str], shot: str) -> None:
    for index, email in enumerate((RATER, LEAD)):
        _as(page, email)
        for url in assessment_urls:
            page.goto(url)
            _score_best(page)
            if index == 0 and url == assessment_urls[0]:
                _shot(page, shot)


def _move(page: Any, target: str, name: str) -> None:
    page.get_by_role("button", name=f"Move to {target}").click()
    _flash(page, f"{name} moved to {target}")


def test_admin_runs_the_demo_sprint_from_entry_to_appointment(demo: None, page: Any) -> None:
    # An entry: the first applicant on the board goes to the interview.
    _as(page, ADMIN)
    _open_demo_sprint(page)
    _shot(page, "1-01-admin-board")
    card = page.locator(".board-column[data-stage='applied'] .board-card").first
    name = card.locator(".card-name").inner_text().strip()
    card.get_by_role("button", name="Move to interview").click()
    _flash(page, f"{name} moved to interview")
    page.get_by_role("link", name=name, exact=True).first.click()
    sprint_url, candidate_url = None, str(page.url)
    sprint_url = candidate_url.split("/candidates/")[0]

    # The interview: created here, scored by the two calibrated demo raters.
    interview = _create_assessment(page, "Behavioural interview")
    _shot(page, "1-02-interview-raters-assigned")
    _rate(page, [interview], "1-03-rater-scored-interview")

    _as(page, ADMIN)
    page.goto(candidate_url)
    _move(page, "simulations", name)
    simulations = [_create_assessment(page, "Simulation: performance scenario")]
    page.goto(candidate_url)
    simulations.append(_create_assessment(page, "Simulation: transition/identity scenario"))
    _rate(page, simulations, "1-04-rater-scored-simulation")

    # Supervised practice: L&D logs the hours for the candidate; lead@ verifies and reviews.
    _as(page, ADMIN)
    page.goto(candidate_url)
    _move(page, "supervised practice", name)
    page.get_by_label("Date of the session").fill(datetime.now(UTC).date().isoformat())
    page.get_by_label("Length in minutes").fill("480")
    page.get_by_label("Note (optional)").fill("Four practice sessions with two volunteers")
    page.get_by_role("button", name="Log hours").click()
    _flash(page, "480 minutes logged")
    _as(page, LEAD)
    page.goto(candidate_url)
    page.get_by_role("button", name="Verify").click()
    _flash(page, "480 minutes verified")
    page.get_by_label("Session reviewed").fill("Practice session 3: a career conversation")
    page.get_by_label("Review notes").fill("Clear contracting; let the silences run longer.")
    page.get_by_role("button", name="Record review").click()
    _flash(page, "Your review is recorded")
    _shot(page, "1-05-practice-verified")

    _as(page, ADMIN)
    page.goto(candidate_url)
    _move(page, "calibration panel", name)

    # The panel: each member finds the decision on their home page and appoints.
    for email in (ADMIN, MASTER, SPONSOR):
        _as(page, email)
        page.get_by_role("link", name=f"Panel decision to record: {name}").click()
        expect(page.get_by_role("heading", name="Assessments that count")).to_be_visible()
        page.get_by_label("Appoint", exact=True).check()
        page.get_by_label("Reasons").fill("Held a coaching stance in both simulations.")
        if email == SPONSOR:
            _shot(page, "1-06-sponsor-panel-decision")
        page.get_by_role("button", name="Record decision").click()
        _flash(page, "Your decision is recorded")

    # Appointment, and the prompt to assign a supervisor.
    _as(page, ADMIN)
    page.goto(candidate_url)
    expect(page.get_by_text("appoint (unanimous)")).to_be_visible()
    page.get_by_role("button", name="Move to appointed").click()
    _flash(page, f"{name} is appointed. Next: draw up their paperwork and assign a supervisor")
    _shot(page, "1-07-appointed-prompt")
    page.goto(sprint_url)
    final = page.locator(".board-column[data-stage='appointed']")
    expect(final.get_by_role("link", name=name)).to_be_visible()
    page.goto("/")
    _shot(page, "1-08-admin-home-reminder")
    # The home page's reminder leads to the supervisor assignments; once lead@ supervises the
    # new coach, the reminder counts one coach fewer.
    reminder = page.locator("main li").filter(has_text="no supervisor yet")
    waiting = _count_in(reminder.inner_text())
    reminder.get_by_role("link").click()
    page.get_by_label("Search").fill(name)
    page.get_by_role("button", name="Search").click()
    _choose(page, "Coach", name)
    _choose(page, "Supervisor (lead coach or master coach)", LEAD)
    page.get_by_role("button", name="Assign supervisor").click()
    expect(page.locator("main table").first).to_contain_text(name)
    _shot(page, "1-09-supervisor-assigned")
    page.goto("/")
    if waiting == 1:
        expect(reminder).to_have_count(0)
    else:
        assert _count_in(reminder.inner_text()) == waiting - 1


def _count_in(text: str) -> int:
    found = re.search(r"\d+", text)
    assert found, text
    return int(found.group(0))


def test_manager_nominates_a_report_and_signs_a_coachs_agreement(demo: None, page: Any) -> None:
    _as(page, MANAGER)
    _shot(page, "2-01-manager-home")
    # A nomination: someone from their reporting line, with why; the nominee is invited.
    open_menu_item(page, "Selection sprints")
    page.get_by_role("link", name="Nominate someone").first.click()
    select = page.get_by_label("Person you nominate", exact=True)
    option = select.locator("option:not([value=''])").first
    nominee = option.inner_text().split(" — ")[0].strip()
    select.select_option(value=option.get_attribute("value"))
    page.get_by_label("Why you nominate them").fill(
        "People already bring her their dilemmas, and she asks before she answers.")
    _shot(page, "2-02-nomination-form")
    page.get_by_role("button", name="Nominate and invite").click()
    _flash(page, f"{nominee} is nominated")
    # Their nominations say whether each nominee answered, and nothing about the candidacy.
    page.goto("/sprints/nominations")
    expect(page.locator("main")).to_contain_text(nominee)
    _shot(page, "2-03-my-nominations")

    # Paperwork: the home page asks for their signature on a report's agreement, with the
    # protected time and the non-evaluator clause on the page they sign.
    page.goto("/")
    page.get_by_role("link", name=re.compile("coaching time-allocation agreement")).first.click()
    main = page.locator("main")
    expect(main).to_contain_text("Protected coaching time")
    expect(main).to_contain_text(re.compile(r"1\d % of their working time on coaching"))
    expect(page.get_by_role("heading", name="Non-evaluator clause")).to_be_visible()
    expect(main).to_contain_text("you see the agreement and its signatures only")
    _shot(page, "2-04-agreement-to-sign")
    page.get_by_role("button", name="Sign the agreement as the coach's manager").click()
    _flash(page, "You signed the time-allocation agreement as the coach's manager.")
    expect(main).to_contain_text("You signed as")
    _shot(page, "2-05-agreement-signed")
    # The signature is theirs alone to give: nothing is left for them on the home page.
    page.goto("/")
    expect(page.get_by_role("link", name=re.compile("coaching time-allocation agreement"))) \
        .to_have_count(0)


def _status(page: Any, url: str) -> int:
    response = page.goto(url)
    assert response is not None
    return int(response.status)


def test_sponsor_reads_aggregates_and_reaches_no_session_content(demo: None,
                                                                 page: Any) -> None:
    # Where session content lives, as the coach finds it in their own pages.
    _as(page, COACH)
    open_menu_item(page, "Recordings")
    page.locator("main a[href^='/recordings/']").filter(
        has_text=re.compile(r"\S")).first.click()
    recording = str(page.url)
    forbidden = [recording]
    transcript = page.get_by_role("link", name=re.compile("transcript", re.IGNORECASE)).first
    if transcript.count():
        forbidden.append(str(transcript.get_attribute("href")))
    open_menu_item(page, "My practicum")
    forbidden.append(str(page.url))
    open_menu_item(page, "My supervision")
    forbidden.append(str(page.url))

    # The sponsor's menu: aggregates only.
    _as(page, SPONSOR)
    main = page.locator("main")
    expect(main).to_contain_text("Organisation at a glance (aggregates)")
    _shot(page, "3-01-sponsor-home")
    open_menu_item(page, "Audit coverage")
    expect(page.get_by_role("heading", name=re.compile("^Audit coverage"), level=1)) \
        .to_be_visible()
    _shot(page, "3-02-sponsor-audit-coverage")
    open_menu_item(page, "Selection sprints")
    _shot(page, "3-03-sponsor-sprints")
    for name in ("Recordings", "Assessments", "My practicum", "People", "Audit log"):
        expect(page.get_by_role("navigation", name="Main").get_by_role(
            "link", name=name, exact=True, include_hidden=True)).to_have_count(0)

    # Session content is out of reach, typed address or not.
    for url in forbidden:
        assert _status(page, url) in (403, 404), url
        expect(main).not_to_contain_text("Transcript")
    _shot(page, "3-04-sponsor-refused-recording")
    for url in ("/recordings/", "/assessments/", "/practicum/", "/supervision/",
                "/admin/audit"):
        assert _status(page, url) in (403, 404), url
