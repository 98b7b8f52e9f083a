"""The program outcomes journey: L&D writes the charter and a decision gate before the pilot,
starts the pilot (the gate locks), imports a KPI CSV; the sponsor reads the dashboard — the ROI
as a range, nobody named — and downloads the one-page PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from coachprog.extensions import db
from coachprog.roles import Role
from tests.browser.journeys import create_admin, open_menu_item, sign_in
from tests.factories import UserFactory
from tests.program.builders import kpi_csv

pytestmark = pytest.mark.browser

NUMBERS = {
    "Baseline": "12.1", "Target at 6 months": "11", "Target at 12 months": "10",
    "Leaders in this phase": "30", "Protected coach hours per week": "4",
    "Training cost": "30000", "Supervision hours": "120", "Supervision cost per hour": "150",
    "Platform fees": "12000", "Coaches": "6", "A coach's loaded cost per year": "90000",
    "L&D admin hours": "200", "Admin cost per hour": "60",
    "Value of one KPI unit per leader per year": "4000", "Value, lower bound": "2500",
    "Value, upper bound": "5500",
}


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True,  # noqa: S603, S607
                          capture_output=True, text=True).stdout


def test_program_journey_charter_gate_import_then_sponsor_reads_and_downloads(
    page: Any, console_errors: list[str], tmp_path: Path
) -> None:
    admin = create_admin()
    sponsor = UserFactory(roles=[Role.SPONSOR])
    db.session.commit()

    sign_in(page, admin.email)
    open_menu_item(page, "Program charter")
    page.get_by_label("Program name").fill("Leaders as coaches")
    page.get_by_label("Primary business KPI").fill("approval_cycle_days")
    page.get_by_label("Executive sponsor").fill("Chief Operating Officer")
    for label, value in NUMBERS.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Sponsor sign-off").check()
    page.get_by_role("button", name="Save the charter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Program outcomes")
    expect(page.locator("#charter-heading")).to_contain_text("Leaders as coaches")

    # The gate is written before the data: no reason needed yet.
    page.get_by_role("link", name="Add a decision gate").click()
    page.get_by_label("Gate", exact=True).fill("3-month review")
    page.get_by_label("Due on").fill("2026-06-01")
    page.get_by_label("Go / iterate / stop criteria").fill(
        "kpi_improvement_pct >= 5, stop < 0")
    page.get_by_role("button", name="Save the gate").click()
    expect(page.locator("#gate-status")).to_be_visible()

    # The pilot starts: from now on the gate is locked.
    open_menu_item(page, "Program charter")
    page.get_by_label("Pilot start").fill("2026-03-01")
    page.get_by_role("button", name="Save the charter").click()
    page.get_by_role("link", name="3-month review").click()
    page.get_by_role("link", name="Change the criteria").click()
    expect(page.locator("#locked-note")).to_be_visible()

    open_menu_item(page, "Import indicators")
    page.get_by_label("CSV file").set_input_files(
        {"name": "kpi.csv", "mimeType": "text/csv", "buffer": kpi_csv(coached=15)})
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text(re.compile(r"Imported \d+ rows"))).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, sponsor.email)
    open_menu_item(page, "Program outcomes")
    expect(page.locator("#roi-benefit")).to_contain_text("low")
    expect(page.locator("#roi-benefit")).to_contain_text("high")
    expect(page.locator("#phillips-levels li")).to_have_count(5)
    expect(page.locator("#phillips-levels")).to_contain_text("Level 5, ROI: ROI low")
    expect(page.get_by_role("link", name="Program charter")).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the one-page report (PDF)").click()
    text = _pdf_text(Path(download_info.value.path()).read_bytes(), tmp_path)
    assert "Leaders as coaches" in text and "Return on investment" in text
    assert "Phillips levels" in text and "5. ROI" in text
    assert "E1," not in text
    assert console_errors == []
