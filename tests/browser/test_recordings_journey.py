"""Journey through a session page's upload with JavaScript on: the form goes up through
XMLHttpRequest with a progress bar, a refused file shows its error in place (nothing stored),
and a good file lands on the recording's page. Without JavaScript the same form posts plainly
(tests/recordings/test_workflow_views.py)."""

# Fixtures come from recording_builders by import, which test parameters then name.
# ruff: noqa: F811
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from coachprog.extensions import db
from coachprog.recordings.models import Recording
from tests.browser.journeys import sign_in
from tests.recordings.recording_builders import (  # noqa: F401 - fixtures
    JFK,
    fake_transcriber,
    recordings_dir,
    sample,
    session,
    world,
)

pytestmark = pytest.mark.browser


def _recordings() -> int:
    db.session.rollback()  # the server thread wrote through its own session
    return db.session.scalar(sa.select(sa.func.count()).select_from(Recording)) or 0


def test_upload_shows_progress_refuses_in_place_and_lands_on_the_recording(
        page: Any, console_errors: list[str], recordings_dir: Path, fake_transcriber,
        tmp_path: Path) -> None:
    w = world()
    row = session(w.engagement)
    db.session.commit()
    sign_in(page, w.coach_user.email)
    url = f"/recordings/sessions/{row.id}"
    page.goto(url)
    progress = page.locator("#upload-progress")
    expect(progress).to_be_hidden()

    # A text file named like audio: refused after the upload, error beside the field.
    fake = tmp_path / "notes.mp3"
    fake.write_text("not audio at all\n" * 200)
    page.get_by_label("Audio file").set_input_files(str(fake))
    with page.expect_request(lambda r: r.method == "POST") as posted:
        page.get_by_role("button", name="Upload").click()
    assert posted.value.resource_type == "xhr"
    expect(page.locator("#file-error")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    assert _recordings() == 0 and list(recordings_dir.glob("*")) == []

    # The re-shown form still goes up by XHR, and a real recording lands on its page.
    page.get_by_label("Audio file").set_input_files(str(sample(JFK)))
    with page.expect_request(lambda r: r.method == "POST") as posted:
        page.get_by_role("button", name="Upload").click()
    assert posted.value.resource_type == "xhr"
    expect(page).to_have_url(re.compile(r"/recordings/\d+$"), timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text(JFK)
    assert _recordings() == 1
    # The refusal's 400 is logged by the browser as a failed resource; nothing else may be.
    assert [e for e in console_errors if "status of 400" not in e] == []
