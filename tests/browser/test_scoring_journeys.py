"""The rater's and the master coach's journeys through the seeded demo (issue 21), using only
the UI after `flask seed`:

1. rater@ opens the blind review of coach@'s recorded session from home, plays the recording
   from a transcript time (the player seeks there), reads the evidence document, marks every
   behaviour and submits (answering the confirmation);
2. master@ settles the demo's disagreement in moderation, then reviews the fidelity signals of
   the coach whose sessions drift and closes the drift flag with a note.

Screenshots of the key steps go to COACHPROG_SHOTS (when set), at desktop and phone widths."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from coachprog.seed.scoring import SESSION_NOTES
from tests.browser.journeys import open_menu_item, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "demo password for the scoring journeys"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(app: Flask, runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", PASSWORD)
    result = runner.invoke(args=["seed", "--people", "120"])
    assert result.exit_code == 0, result.output
    assert "not seeded" not in result.output, result.output


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("COACHPROG_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _mark_every_behaviour(page: Any) -> None:
    """The first level of each behaviour: "1 — …" on a 1–5 scale, "Present" on a binary one."""
    for fieldset in page.locator("form.scoring fieldset.behaviour").all():
        fieldset.get_by_role("radio").first.check()


def _fits(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))



def _until(page: Any, expression: str, seconds: float = 20) -> None:
    """Wait until `expression` is true in the page. Not `page.wait_for_function`: its polling
    evaluates a string inside the page, which the app's Content-Security-Policy (no
    'unsafe-eval') refuses; `page.evaluate` runs from outside the page's policy."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {seconds} s: {expression}")

def test_the_rater_scores_the_recorded_session_with_player_transcript_and_evidence(
        demo: None, page: Any, dialogs: list[str], console_errors: list[str],
        browser: Any, live_server: str) -> None:
    sign_in(page, "rater@demo.example", PASSWORD)
    page.get_by_role("link", name="assessments to score").click()
    row = page.get_by_role("row").filter(has_text="recorded session").filter(
        has=page.get_by_role("link", name="rater: assigned"))
    expect(row).to_have_count(1)
    row.get_by_role("link", name="rater: assigned").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Score: ")
    main = page.locator("main")
    expect(main).to_contain_text("This assessment is blind")

    # The recording beside the rubric: the player, and the transcript with its times.
    player = page.locator("audio#citation-player")
    expect(player).to_be_visible()
    _until(page, "document.getElementById('citation-player').readyState >= 1")
    material = page.locator("#scoring-material").bounding_box()
    rubric = page.locator(".scoring-rubric").bounding_box()
    assert material["x"] + material["width"] <= rubric["x"] + 1  # side by side
    expect(page.get_by_role("list", name="Session transcript")).to_contain_text("John Dashwood")
    _shot(page, "rater-score-desktop")
    page.get_by_role("link", name="Play from 00:05").click()
    _until(page, "document.getElementById('citation-player').currentTime >= 5.3")
    assert page.evaluate("document.getElementById('citation-player').currentTime") == \
        pytest.approx(5.4, abs=0.6)

    # The evidence document, through the checked download, under a neutral name.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the evidence document").click()
    download = download_info.value
    assert re.fullmatch(r"evidence-\d+\.txt", download.suggested_filename)
    assert Path(download.path()).read_text() == SESSION_NOTES

    # The same page on a phone: one column, nothing wider than the screen.
    phone = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-GB")
    try:
        small = phone.new_page()
        sign_in(small, "rater@demo.example", PASSWORD)
        small.goto(page.url)
        expect(small.locator("audio#citation-player")).to_be_visible()
        top = small.locator("#scoring-material").bounding_box()
        below = small.locator(".scoring-rubric").bounding_box()
        assert below["y"] >= top["y"] + top["height"] - 1  # stacked
        assert _fits(small) <= 0
        _shot(small, "rater-score-phone")
    finally:
        phone.close()

    # Marks for every behaviour, a cited moment, and the submission (asked first).
    _mark_every_behaviour(page)
    page.locator("fieldset.cite-moments").first.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_text("Your marks are submitted.")).to_be_visible()
    assert any("Submit your marks?" in question for question in dialogs)
    expect(main).to_contain_text("You submitted them")
    expect(main).to_contain_text("raters of a blind assessment hear the recording and read "
                                 "its transcript only while they score it")
    _shot(page, "rater-submitted")
    assert not console_errors, console_errors


def test_the_master_coach_moderates_and_reviews_fidelity(
        demo: None, page: Any, dialogs: list[str], console_errors: list[str]) -> None:
    sign_in(page, "master@demo.example", PASSWORD)
    page.get_by_role("link", name="assessments waiting for moderation").click()
    page.get_by_role("row").filter(has_text="moderation").get_by_role("link").first.click()
    page.get_by_role("link", name=re.compile("Moderate")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Moderate: ")
    expect(page.get_by_role("heading", name="Why this needs moderation")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Pass/fail split")
    _shot(page, "master-moderate-desktop")
    _mark_every_behaviour(page)
    page.get_by_label(re.compile("reason", re.IGNORECASE)).fill(
        "Agreed with both raters: the coach met the agreement but advised twice.")
    page.get_by_role("button", name=re.compile("agreed", re.IGNORECASE)).click()
    expect(page.get_by_text("The agreed result is recorded")).to_be_visible()
    assert any("Record these agreed marks?" in question for question in dialogs)

    # Fidelity: the coach whose sessions drift toward advice.
    open_menu_item(page, "Fidelity")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fidelity signals")
    flagged = page.get_by_role("row").filter(has_text="1 open")
    flagged.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fidelity signals: ")
    expect(page.get_by_role("heading", name="Open: worth a conversation")).to_be_visible()
    _shot(page, "master-fidelity-coach-desktop")
    page.get_by_label("Note").fill(
        "Talked it through in supervision: back to questions first.")
    page.get_by_role("button", name=re.compile("Resolve|Close", re.IGNORECASE)).click()
    expect(page.get_by_text("Drift flag resolved")).to_be_visible()
    assert not console_errors, console_errors
