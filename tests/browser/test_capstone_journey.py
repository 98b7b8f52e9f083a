"""Journey: a trainee writes their capstone brief in the editor, previews it and submits it;
their supervisor finds it in the supervision queue, opens the scoring page and follows the
evidence link to the brief; the brief does not pass, and the trainee revises it as version 2
while version 1 stays readable."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from coachprog.extensions import db
from tests.browser.journeys import open_menu_item, sign_in
from tests.practicum.capstone.builders import FAILING, KPI, capstone_trainee, score, text

pytestmark = pytest.mark.browser


def test_trainee_submits_a_brief_supervisor_finds_it_and_a_revision_follows(
        page: Any, console_errors: list[str]) -> None:
    person, trainee, supervisor, _ = capstone_trainee()
    db.session.commit()

    sign_in(page, trainee.email)
    open_menu_item(page, "My practicum")
    page.get_by_role("link", name="Capstone brief").click()
    page.get_by_role("link", name="Write or upload your brief").click()
    page.get_by_label("Leader engagement").select_option(label="Leader Lena (since 2026-02-23)")
    page.get_by_label("KPI", exact=True).fill(KPI["kpi_name"])
    page.get_by_label("Baseline").fill(KPI["kpi_baseline"])
    page.get_by_label("Target").fill(KPI["kpi_baseline"])  # a slip: the same as the baseline
    page.get_by_label("Data source").fill(KPI["kpi_source"])
    page.get_by_label("Session objectives linked to the KPI").fill(
        "- Holds a monthly career conversation with each report")
    page.get_by_label("The brief").fill(text().replace("# Coaching plan", "## Why this leader"))
    page.get_by_role("button", name="Preview the text").click()
    expect(page.get_by_role("heading", name="Why this leader")).to_be_visible()
    page.get_by_role("button", name="Submit for scoring").click()
    expect(page.locator(".error-summary")).to_contain_text("The target equals the baseline")
    page.get_by_label("Target").fill(KPI["kpi_target"])
    page.get_by_role("button", name="Submit for scoring").click()
    expect(page.get_by_text("Version 1 submitted for scoring.")).to_be_visible()
    expect(page.get_by_text("Being scored", exact=True)).to_be_visible()
    page.context.clear_cookies()

    sign_in(page, supervisor.email)
    open_menu_item(page, "Supervision")
    page.get_by_role("link", name=f"Capstone brief v1 of {person.name}").click()
    page.locator("a[href*='/practicum/capstone/']").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Capstone brief, version 1")
    expect(page.get_by_role("heading", name="Why this leader")).to_be_visible()
    page.context.clear_cookies()

    from coachprog.practicum.capstone.models import CapstoneBrief

    score(db.session.query(CapstoneBrief).one(), supervisor, FAILING)
    db.session.commit()

    sign_in(page, trainee.email)
    page.goto(f"/practicum/{person.id}/capstone")
    expect(page.get_by_text("Not passed: revise and resubmit").first).to_be_visible()
    page.get_by_role("link", name="Submit a revised version").click()
    expect(page.get_by_label("Target")).to_have_value(KPI["kpi_target"])
    page.get_by_label("Baseline").fill("18 % (Q1 2026, HRIS)")
    page.get_by_role("button", name="Submit for scoring").click()
    expect(page.get_by_text("Version 2 submitted for scoring.")).to_be_visible()
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_text("Why it did not pass")).to_be_visible()
    # The refused first submission answers 400 (errors beside the fields); nothing else may fail.
    assert [e for e in console_errors if "status of 400" not in e] == []
