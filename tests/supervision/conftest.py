"""Fixtures of the supervision tests: the injectable clock, and the hours ledger's contract
stubbed until (or regardless of whether) the ledger lands."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from coachprog.db import set_clock
from coachprog.practicum import services as ledger


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    from tests.supervision.builders import T0

    current = Clock(T0)
    set_clock(current)
    yield current
    set_clock(None)


@pytest.fixture
def hours(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """Verified hours the ledger reports for every coach; tests change the values."""
    values = {"coached": 0.0, "lab": 0.0}

    def summary(person_id: int, *, since: object = None) -> ledger.HoursSummary:
        return ledger.HoursSummary(
            coached_hours=values["coached"], lab_hours=values["lab"], development_hours=0.0,
            unique_coachees=1, coached_target_met=values["coached"] >= 20,
            lab_target_met=values["lab"] >= 10)

    monkeypatch.setattr(ledger, "hours_summary", summary)
    monkeypatch.setattr(ledger, "entries_to_verify", lambda actor: [])
    return values
