"""The queue backends: which huey the COACHPROG_QUEUE setting names (SQLite in the instance
folder, Redis, or in memory running each job at once for the tests).

Huey is imported when the first queue is built, not at app start: its storage module imports
the Redis and PostgreSQL clients, a third of a second that `import wsgi` and every `flask`
command would pay for nothing (issue 22)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask

from coachprog.runtime.lazy import lazy_module

if TYPE_CHECKING:
    import huey as huey_lib
    from huey import Huey
else:
    huey_lib = lazy_module("huey")


def huey_factory(app: Flask) -> Callable[[], Huey]:
    """Checks the queue setting now (a wrong one refuses to start); the call builds huey."""
    mode = app.config["COACHPROG_QUEUE"]
    if mode == "immediate":
        return lambda: huey_lib.MemoryHuey("coachprog", immediate=True)
    if mode == "redis":
        url = app.config.get("COACHPROG_REDIS_URL")
        if not url:
            raise RuntimeError("COACHPROG_QUEUE=redis needs COACHPROG_REDIS_URL")
        return lambda: huey_lib.RedisHuey("coachprog", url=url)
    if mode == "sqlite":
        path = Path(app.instance_path) / "queue.db"

        def sqlite() -> Huey:
            path.parent.mkdir(parents=True, exist_ok=True)
            return huey_lib.SqliteHuey("coachprog", filename=str(path))

        return sqlite
    raise RuntimeError(f"unknown COACHPROG_QUEUE {mode!r}: use sqlite, redis or immediate")
