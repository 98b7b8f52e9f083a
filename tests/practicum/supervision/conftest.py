"""Fixtures of the supervision tests: the injectable clock. Hours come from real ledger rows
(builders.log_hours), never a stub: the gates read the ledger itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from coachprog.db import set_clock


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    from tests.practicum.supervision.builders import T0

    current = Clock(T0)
    set_clock(current)
    yield current
    set_clock(None)
