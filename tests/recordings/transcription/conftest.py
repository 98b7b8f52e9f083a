"""Fixtures for the speech engine: the shared samples, synthesized recordings, one model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.recordings.transcription.helpers import SAMPLES


@pytest.fixture(scope="session")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"shared audio samples not found at {SAMPLES} (clone ../shared beside the "
                    "repository)")
    return SAMPLES


@pytest.fixture(scope="session")
def whisper() -> Any:
    """The real tiny.en transcriber, loaded once for the whole run."""
    from coachprog.recordings.transcription.engine import TranscriptionSettings, WhisperTranscriber

    return WhisperTranscriber(TranscriptionSettings())
