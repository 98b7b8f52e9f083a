"""Engine settings chosen from the database URL (runtime/config.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from coachprog.runtime.config import build_config


def test_postgresql_connections_run_without_jit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("COACHPROG_DATABASE_URL", "postgresql://postgres@db.example/coachprog")
    config = build_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"options": "-c jit=off"}
    assert options["hide_parameters"] is True
    if database_url.startswith("postgresql"):
        # The option is one the server takes: a connection made with it has JIT off.
        engine = sa.create_engine(database_url, **options)
        try:
            with engine.connect() as connection:
                assert connection.execute(sa.text("SHOW jit")).scalar() == "off"
        finally:
            engine.dispose()


def test_sqlite_gets_no_postgresql_options(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COACHPROG_DATABASE_URL", raising=False)
    config = build_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'coachprog.db'}"
    assert "connect_args" not in config["SQLALCHEMY_ENGINE_OPTIONS"]
