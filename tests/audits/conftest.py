"""Fixtures of the audits tests: a fixed clock inside 2026Q4, no fidelity flags by default."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from coachprog.db import set_clock
from tests.recordings.recording_builders import recordings_dir  # noqa: F401


@pytest.fixture
def clock() -> Iterator[list[datetime]]:
    now = [datetime(2026, 11, 10, 9, 0, tzinfo=UTC)]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)


@pytest.fixture(autouse=True)
def drifting_ids(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    from coachprog.audits.fidelity import services as fidelity_services

    drifting: set[int] = set()
    monkeypatch.setattr(fidelity_services, "drifting_coach_ids", lambda: set(drifting))
    return drifting
