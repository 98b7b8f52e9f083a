"""Retention tests store recordings and forms in their own temporary folders, as consent's do."""

from tests.recordings.consent.conftest import _storage  # noqa: F401
