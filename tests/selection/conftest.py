"""Fixtures of the selection tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from coachprog.db import set_clock


@pytest.fixture
def frozen() -> Iterator[datetime]:
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
    set_clock(lambda: moment)
    yield moment
    set_clock(None)
