"""Fixtures of the practicum tests: the injectable clock, fixed at builders.NOW unless a
folder's `clock_start` says otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from coachprog.db import set_clock
from tests.practicum.builders import NOW


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock_start() -> datetime:
    """Where the clock stands when a test starts; a folder's conftest may move it."""
    return NOW


@pytest.fixture
def clock(clock_start: datetime) -> Iterator[Clock]:
    current = Clock(clock_start)
    set_clock(current)
    yield current
    set_clock(None)
