"""The API helpers (bearer-token clients) for the assessment API tests."""

from tests.api.conftest import api_as, make_token
from tests.recordings.recording_builders import recordings_dir

__all__ = ["api_as", "make_token", "recordings_dir"]
