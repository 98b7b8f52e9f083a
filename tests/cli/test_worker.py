"""`flask worker`: job workers for the Redis queue, on any number of hosts; the periodic jobs
can be left to one of them (docs/deployment.md)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask


class Consumer:
    def __init__(self, **options: Any) -> None:
        self.options = options
        self.ran = False

    def run(self) -> None:
        self.ran = True


@pytest.fixture
def consumers(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[Consumer]:
    made: list[Consumer] = []

    def create_consumer(**options: Any) -> Consumer:
        made.append(Consumer(**options))
        return made[-1]

    monkeypatch.setattr(app.extensions["coachprog.queue"].huey, "create_consumer",
                        create_consumer)
    return made


def test_a_worker_schedules_the_periodic_jobs_by_default(runner: Any,
                                                         consumers: list[Consumer]) -> None:
    result = runner.invoke(args=["worker", "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert consumers[0].options == {"workers": 3, "worker_type": "thread", "periodic": True}
    assert consumers[0].ran
    assert "3 worker thread(s)" in result.output and "periodic" not in result.output


def test_a_worker_can_leave_the_periodic_jobs_to_another(runner: Any,
                                                        consumers: list[Consumer]) -> None:
    result = runner.invoke(args=["worker", "--no-periodic"])
    assert result.exit_code == 0, result.output
    assert consumers[0].options["periodic"] is False and consumers[0].ran
    assert "periodic jobs left to another worker" in result.output


def test_a_worker_refuses_an_unknown_option_in_words(runner: Any,
                                                     consumers: list[Consumer]) -> None:
    result = runner.invoke(args=["worker", "--periodical"])
    assert result.exit_code == 2 and "No such option '--periodical'" in result.output
    assert consumers == []
