"""Fixtures of the ledger tests: the injectable clock fixed at builders.NOW."""

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
def clock() -> Iterator[Clock]:
    current = Clock(NOW)
    set_clock(current)
    yield current
    set_clock(None)
