"""The API helpers (bearer-token clients) for the assessment API tests."""

from tests.api.conftest import api_as, make_token

__all__ = ["api_as", "make_token"]
