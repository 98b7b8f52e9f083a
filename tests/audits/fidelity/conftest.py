"""Fidelity tests see the real drift: the audits tests' stand-in for it stops here."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def drifting_ids() -> set[int]:
    return set()
