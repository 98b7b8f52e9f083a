"""Fixtures of the citation tests (defined in the recordings builders)."""

from tests.recordings.recording_builders import recordings_dir  # noqa: F401
