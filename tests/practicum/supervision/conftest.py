"""Fixtures of the supervision tests: the practicum clock starts at builders.T0. Hours come
from real ledger rows (builders.log_hours), never a stub: the gates read the ledger itself."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.practicum.supervision.builders import T0


@pytest.fixture
def clock_start() -> datetime:
    return T0
