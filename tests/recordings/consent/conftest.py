"""Every consent test stores recordings and signed forms in its own temporary folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from coachprog.db import set_clock


@pytest.fixture(autouse=True)
def _storage(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(app.config, "COACHPROG_RECORDINGS_DIR", tmp_path / "recordings")
    monkeypatch.setitem(app.config, "COACHPROG_CONSENT_DIR", tmp_path / "consents")
    monkeypatch.setitem(app.config, "COACHPROG_BASE_URL", "https://coach.example.org")
    yield
    set_clock(None)
