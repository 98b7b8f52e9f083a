"""Fixtures of the recordings tests (defined in recording_builders)."""

from tests.recordings.recording_builders import recordings_dir  # noqa: F401
