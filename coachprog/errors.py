"""Errors that services raise and every interface (page, API, CLI) translates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """A business rule refused the request; the message is safe to show to the user."""

    def __init__(
        self, message: str, *, field_errors: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors: dict[str, list[str]] = {
            key: list(value) for key, value in (field_errors or {}).items()
        }


class NotPermitted(Exception):  # noqa: N818 - the domain word reads better than "Error"
    """The actor may not do this; interfaces answer 403. `reason`, when given, is safe to show
    and says why in words (e.g. a conflict of interest), instead of the general refusal."""

    def __init__(self, name: str = "", *, reason: str = "") -> None:
        super().__init__(name)
        self.reason = reason


class NotFound(Exception):  # noqa: N818
    """The object does not exist (or must not be revealed); interfaces answer 404."""
