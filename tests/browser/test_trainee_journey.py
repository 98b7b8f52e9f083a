"""Journey of the demo trainee (issue 21), from the seeded demo and through the UI only:
coach@ logs practicum hours, revises the capstone brief lead@ scored not passed, records the
coachee's signed consent form, adds a session and uploads its recording, and reads the
transcript of the demo recording the seed already transcribed.

The upload is a one-second tone made here: the real Whisper engine transcribes it (nothing to
hear, so it is quick), and the journey only checks that its transcription was queued or has
finished; the transcript it reads is the demo clip's, which the seed shipped ready."""

from __future__ import annotations

import math
import re
import struct
import wave
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from coachprog.db import utcnow
from tests.browser.journeys import open_menu_item, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "demo password for the trainee journey"
# The smallest thing the consent form accepts as a scan: a PNG by its first bytes.
SCAN = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def demo(app: Flask, runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", PASSWORD)
    result = runner.invoke(args=["seed", "--people", "120"])
    assert result.exit_code == 0, result.output


def _tone(path: Path, seconds: float = 1.0, rate: int = 16_000) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(
            struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(int(seconds * rate))))
    return path


def test_demo_trainee_logs_hours_revises_capstone_records_consent_uploads_and_reads(
        demo: None, page: Any, console_errors: list[str], tmp_path: Path) -> None:
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    sign_in(page, "coach@demo.example", PASSWORD)

    # Hours: one coached session logged in the week form; it waits for lead@ to verify it.
    open_menu_item(page, "My practicum")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Practicum hours")
    page.get_by_role("link", name="Log your week").click()
    page.locator("#rows-0-kind").select_option("coached_session")
    page.locator("#rows-0-day").fill(yesterday)
    page.locator("#rows-0-at").fill("10:00")
    page.locator("#rows-0-minutes").fill("60")
    page.locator("#rows-0-coachee").fill("Client A")
    page.get_by_role("button", name="Save these entries").click()
    expect(page.get_by_text("Logged 1 entry (1 h)")).to_be_visible()

    # Capstone: lead@ scored version 1 not passed (undated baseline and target); revise it.
    page.get_by_role("link", name="Capstone brief").first.click()
    expect(page.get_by_text("Not passed: revise and resubmit").first).to_be_visible()
    page.get_by_role("link", name="Submit a revised version").click()
    expect(page.get_by_label("KPI", exact=True)).to_have_value(
        "Decisions the team takes without escalating")
    page.get_by_label("Baseline").fill("3 a week (the first fortnight of the engagement)")
    page.get_by_label("Target").fill("8 a week by the sixth session")
    page.get_by_role("button", name="Submit for scoring").click()
    expect(page.get_by_text("Version 2 submitted for scoring.")).to_be_visible()

    # Consent: the coach reads what the coachee's consent allows and records the form the
    # coachee signed, now covering audit as well.
    open_menu_item(page, "Engagements")
    page.get_by_role("row").filter(has_text="active").get_by_role("link").first.click()
    page.get_by_role("link", name="Consent for recorded sessions").click()
    current = page.get_by_role("region", name="Current consent")
    expect(current).to_contain_text("transcribe the recordings to text")
    # The demo coachee agreed to audit too (the blind review of this session needs it).
    expect(current).to_contain_text("let auditors of the coaching programme")
    expect(page.get_by_role("region", name=re.compile("wants to withdraw"))).to_be_visible()
    scan = tmp_path / "signed-consent.png"
    scan.write_bytes(SCAN)
    page.get_by_label("Record the coaching sessions (audio)").check()
    page.get_by_label("Transcribe the recordings to text").check()
    page.get_by_label("Let the coach's supervisors listen to and read them").check()
    page.get_by_label("Let auditors of the coaching programme listen to and read them").check()
    page.get_by_label("Signed consent form", exact=True).set_input_files(str(scan))
    page.get_by_role("button", name="Record the consent").click()
    expect(page.get_by_text("The signed consent is recorded")).to_be_visible()
    expect(page.get_by_role("region", name="Current consent")).to_contain_text(
        "let auditors of the coaching programme")

    # A new session of the engagement and its recording.
    page.get_by_role("link", name="Back to the engagement").click()
    page.get_by_role("link", name="Record a coaching session").click()
    page.get_by_label("Date of the session").fill(yesterday)
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_role("button", name="Add session").click()
    expect(page.get_by_text("covers recording")).to_be_visible()
    page.get_by_label("Audio file").set_input_files(str(_tone(tmp_path / "session.wav")))
    page.get_by_role("button", name="Upload recording").click()
    # The upload waits for the engine where the queue runs inline (the SQLite pass).
    expect(page).to_have_url(re.compile(r"/recordings/\d+$"), timeout=60_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text("session.wav")
    expect(page.locator("#recording-status")).to_have_text(
        re.compile("queued|transcribing|done"))

    # The transcript of the demo recording, which the seed shipped transcribed.
    open_menu_item(page, "Recordings")
    page.get_by_role("link", name="demo-session.wav").click()
    page.get_by_role("link", name="Read the transcript").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Transcript")
    expect(page.get_by_text("John Dashwood").first).to_be_visible()
    assert console_errors == []
