"""The schedule: periodic entry points of the domains above jobs (the nightly retention purge,
the daily certification tick), registered by the domain that owns each from its own jobs
module. create_app imports those modules before it builds the JobQueue, which hands every
registered entry to huey as a periodic task, so every process that builds the app (the web
process with its in-process worker, `flask worker`) schedules the same tasks; jobs itself never
imports a domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Periodic:
    """One scheduled entry point: it runs in an app context of its own and commits its own
    work. `minute` and `hour` are cron fields (UTC)."""

    run: Callable[[], object]
    minute: str
    hour: str = "*"


_periodic: dict[str, Periodic] = {}


def register_periodic(name: str, run: Callable[[], object], *, minute: str,
                      hour: str = "*") -> None:
    """Schedule `run` under the huey task name `name` (kept stable: a Redis queue remembers
    periodic tasks by name)."""
    _periodic[name] = Periodic(run, minute, hour)


def registered() -> dict[str, Periodic]:
    return dict(_periodic)
