"""Fixtures of the recordings tests (defined in recording_builders, where other folders' tests
import them from)."""

from tests.recordings.recording_builders import (  # noqa: F401
    failing_transcriber,
    fake_transcriber,
    recordings_dir,
)
