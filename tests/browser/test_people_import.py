"""Journeys through the HRIS people import: an admin signs in, uploads the CSV, watches the job
page and finds the people in the directory; a file with one bad row imports nobody; the job
page follows a slow job's progress and shows the result when it ends."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.jobs.models import Job
from coachprog.people.jobs import PEOPLE_IMPORT
from coachprog.people.models import Person
from tests.browser.journeys import create_admin, open_menu_item, sign_in

pytestmark = pytest.mark.browser

HEADER = "employee_id,name,email,department,title,manager_employee_id,active\n"
# Managers listed after their reports (E2 before E1, E5 before E4): the import must not care.
GOOD_ROWS = (
    "E2,Ben Okafor,ben@example.com,Sales,Account Executive,E1,true\n"
    "E1,Aisha Chen,aisha@example.com,Sales,VP Sales,,true\n"
    "E3,Carla Rossi,carla@example.com,Sales,Sales Rep,E2,yes\n"
    "E5,Emeka Obi,emeka@example.com,Engineering,Engineer,E4,1\n"
    "E4,Dana Kowalski,dana@example.com,Engineering,Head of Engineering,E1,\n"
)
NAMES = ("Aisha Chen", "Ben Okafor", "Carla Rossi", "Dana Kowalski", "Emeka Obi")
# Line 3 (the header is line 1) carries an address without a domain.
# Ben manages nobody, so the bad row causes no knock-on problem.
BAD_ROWS = (
    "E1,Aisha Chen,aisha@example.com,Sales,VP Sales,,true\n"
    "E2,Ben Okafor,not-an-address,Sales,Account Executive,E1,true\n"
    "E3,Carla Rossi,carla@example.com,Sales,Sales Rep,E1,true\n"
)
JOB_TIMEOUT_MS = 15_000  # the page polls every 500 ms when a real worker runs the job


def _upload(page: Any, filename: str, content: str) -> None:
    open_menu_item(page, "Import people")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import people from the HRIS")
    page.get_by_label("HRIS export (CSV)").set_input_files(
        {"name": filename, "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Import").click()
    # With the in-process queue the job runs inside the upload request itself.
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"), timeout=JOB_TIMEOUT_MS)


def _people_count() -> int:
    db.session.rollback()  # a fresh snapshot: the server thread wrote through its own session
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person)) or 0


def test_import_journey_admin_imports_people_and_signs_out(
    page: Any, console_errors: list[str]
) -> None:
    admin = create_admin()

    sign_in(page, admin.email)
    _upload(page, "hris-export.csv", HEADER + GOOD_ROWS)

    # Wait for either ending, so a failed job shows its own message in the assertion.
    outcome = page.locator("main .flash-success, main .flash-error")
    expect(outcome).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(outcome).to_contain_text("Imported 5 people: 5 created")

    open_menu_item(page, "People")
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(len(NAMES))
    for name in NAMES:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    ben = rows.filter(has=page.get_by_role("link", name="Ben Okafor"))
    expect(ben.locator("td").last).to_have_text("Aisha Chen")  # manager resolved

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto("/people/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fpeople%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    csp = [m for m in console_errors if "Content Security Policy" in m]
    assert csp == [], csp
    assert console_errors == [], console_errors


def test_import_journey_bad_row_is_reported_and_nothing_imported(
    page: Any, console_errors: list[str]
) -> None:
    admin = create_admin()

    sign_in(page, admin.email)
    _upload(page, "broken.csv", HEADER + BAD_ROWS)

    expect(page.get_by_role("alert")).to_contain_text(
        "1 problem(s) found; nothing was imported.", timeout=JOB_TIMEOUT_MS
    )
    problems = page.get_by_role("table").locator("tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.locator("td")).to_have_text(
        ["3", "email", "'not-an-address' is not an e-mail address"]
    )
    expect(page.get_by_role("link", name="Upload a corrected file")).to_be_visible()

    assert _people_count() == 0
    open_menu_item(page, "People")
    expect(page.get_by_text("No one matches.")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    assert console_errors == [], console_errors


def test_job_page_follows_progress_and_reloads_when_done(
    page: Any, console_errors: list[str]
) -> None:
    # A job a slower worker is still running: the row is written directly, never queued, and
    # the test plays the worker while jobs.js polls the status URL.
    admin = create_admin()
    job = Job(kind=PEOPLE_IMPORT, payload={"filename": "large.csv"}, created_by_id=admin.id,
              status="running", progress=10, progress_note="Checking every row")
    db.session.add(job)
    db.session.commit()

    sign_in(page, admin.email)
    page.goto(f"/jobs/{job.id}")
    label, bar = page.locator("#job-progress-label"), page.locator("#job-progress-bar")
    expect(label).to_have_text("Checking every row")

    job.progress, job.progress_note = 60, "Writing 5 people"
    db.session.commit()
    expect(label).to_have_text("Writing 5 people")
    expect(bar).to_have_js_property("value", 60)

    job.status, job.progress, job.finished_at = "succeeded", 100, utcnow()
    job.result = {"total": 5, "created": 5, "updated": 0, "unchanged": 0}
    db.session.commit()
    expect(page.locator(".flash-success")).to_contain_text("Imported 5 people")
    expect(page.locator("#job-progress")).to_have_count(0)
    assert console_errors == [], console_errors
