"""Job rows: enqueued only after commit, claimed once, failures recorded, stale ones re-queued."""

from __future__ import annotations

import contextvars
import os
import socket
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.certification import services as certification_services
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.jobs import queue
from coachprog.jobs.models import Job
from tests.conftest import wait_for_job

CALLS: list[int] = []


@queue.job_handler("test_echo")
def _echo(job: Job, report: queue.Reporter) -> dict[str, Any]:
    CALLS.append(job.id)
    report(40, "half way")
    if job.payload.get("fail"):
        raise queue.JobFailed("asked to fail", result={"why": "test"})
    if job.payload.get("crash"):
        raise RuntimeError("boom")
    return {"echo": job.payload.get("value")}


@pytest.fixture(autouse=True)
def _reset_calls() -> None:
    CALLS.clear()


def test_job_runs_after_commit_and_records_its_result() -> None:
    job = queue.create_job("test_echo", payload={"value": 3}, created_by_id=None)
    assert CALLS == []  # nothing runs before the row is committed
    db.session.commit()
    finished = wait_for_job(job.id)
    assert finished.status == "succeeded"
    assert finished.result == {"echo": 3}
    assert finished.progress == 100
    assert finished.attempts == 1


def test_rolled_back_job_is_never_enqueued(app) -> None:
    job = queue.create_job("test_echo", payload={}, created_by_id=None)
    job_id = job.id
    db.session.rollback()
    db.session.commit()
    assert job_id not in CALLS
    assert db.session.get(Job, job_id) is None


def test_a_released_savepoint_enqueues_nothing_until_the_real_commit(app) -> None:
    with db.session.begin_nested():
        job = queue.create_job("test_echo", payload={"value": 1}, created_by_id=None)
    assert CALLS == []  # the row is not committed yet: no worker may look for it
    db.session.commit()
    assert wait_for_job(job.id).status == "succeeded"


def test_a_rolled_back_savepoint_forgets_only_its_own_jobs(app) -> None:
    outer = queue.create_job("test_echo", payload={"value": "outer"}, created_by_id=None)
    savepoint = db.session.begin_nested()
    inner_id = queue.create_job("test_echo", payload={"value": "inner"}, created_by_id=None).id
    savepoint.rollback()
    db.session.commit()
    assert wait_for_job(outer.id).status == "succeeded"
    assert inner_id not in CALLS
    assert db.session.get(Job, inner_id) is None


def test_handler_failure_is_recorded_for_the_user() -> None:
    job = queue.create_job("test_echo", payload={"fail": True}, created_by_id=None)
    db.session.commit()
    finished = wait_for_job(job.id)
    assert (finished.status, finished.error, finished.result) == (
        "failed", "asked to fail", {"why": "test"})


def test_unexpected_crash_is_recorded_without_leaking_details_to_the_message() -> None:
    job = queue.create_job("test_echo", payload={"crash": True}, created_by_id=None)
    db.session.commit()
    finished = wait_for_job(job.id)
    assert finished.status == "failed"
    assert "boom" not in finished.error
    assert "RuntimeError: boom" in finished.result["trace"]


def test_a_job_is_claimed_only_once() -> None:
    job = Job(kind="test_echo", payload={})
    db.session.add(job)
    db.session.commit()
    assert queue.claim_job(job.id) is True
    assert queue.claim_job(job.id) is False
    queue.run_job(job.id)  # already running elsewhere: does nothing
    assert CALLS == []


def test_unknown_job_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="no handler"):
        queue.create_job("no_such_kind", payload={}, created_by_id=None)


def test_stale_running_jobs_are_requeued_and_eventually_given_up() -> None:
    old = utcnow() - timedelta(minutes=30)
    stale = Job(kind="test_echo", status="running", attempts=1, heartbeat_at=old, payload={})
    hopeless = Job(kind="test_echo", status="running", attempts=queue.MAX_ATTEMPTS,
                   heartbeat_at=old, payload={})
    fresh = Job(kind="test_echo", status="running", attempts=1, heartbeat_at=utcnow(),
                payload={})
    db.session.add_all([stale, hopeless, fresh])
    db.session.commit()
    assert queue.requeue_stale_jobs() == [stale.id]
    db.session.expire_all()
    statuses = dict(db.session.execute(sa.select(Job.id, Job.status)).all())
    assert statuses == {stale.id: "queued", hopeless.id: "failed", fresh.id: "running"}
    queue.run_job(stale.id)
    assert db.session.get(Job, stale.id).attempts == 2


def test_progress_reports_commit_on_their_own() -> None:
    job = Job(kind="test_echo", status="running", payload={}, worker_id=queue.worker_id())
    db.session.add(job)
    db.session.commit()
    queue.Reporter(job.id)(250, "x" * 500)
    db.session.expire_all()
    refreshed = db.session.get(Job, job.id)
    assert refreshed.progress == 99 and len(refreshed.progress_note) == 200


def test_a_job_kind_without_its_own_page_gets_the_generic_one(app, client, auth) -> None:
    from coachprog.notifications.services import send_email

    message = send_email(kind="selection.invitation", to_email="a@example.com",
                         subject="Hello", body="Body")
    db.session.commit()
    job = db.session.scalar(sa.select(Job).where(Job.kind == "notifications.deliver"))
    auth.login_as("admin")
    page = client.get(f"/jobs/{job.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Background job" in text and "notifications.deliver" in text
    assert f"/admin/outbox/{message.id}" in text


def test_the_retention_purge_is_scheduled_nightly(app) -> None:
    queue_ = app.extensions["coachprog.queue"]
    names = {task.name for task in queue_.huey._registry.periodic_tasks}
    assert {"coachprog.retention_purge", "coachprog.sweep_stale_jobs"} <= names


def test_the_certification_tick_is_scheduled_daily_and_runs_as_the_system(app, monkeypatch) -> None:
    queue_ = app.extensions["coachprog.queue"]
    names = {task.name for task in queue_.huey._registry.periodic_tasks}
    assert "coachprog.certification_tick" in names
    actors: list[Any] = []

    def run_tick(actor: Any) -> certification_services.TickSummary:
        actors.append(actor)
        return certification_services.TickSummary()

    monkeypatch.setattr(certification_services, "run_tick", run_tick)
    queue_.run_periodic("coachprog.certification_tick")
    assert [type(actor) for actor in actors] == [SystemActor]


# --- issue 19: failures roll back first, cancellation, ids, orphans after a restart ----------


@queue.job_handler("test_bad_save")
def _bad_save(job: Job, report: queue.Reporter) -> dict[str, Any]:
    # A save the database refuses (here: a NOT NULL column left empty), as when the row a
    # job writes for was purged under it.
    db.session.add(Job(kind=None, payload={}))
    db.session.flush()
    return {}


@queue.job_handler("test_cancellable")
def _cancellable(job: Job, report: queue.Reporter) -> dict[str, Any]:
    # Like the transcription handler: reports while working, writes only after hold() (on
    # SQLite a write would keep the withdrawing request waiting until the job ends).
    when = job.payload["cancel"]
    if when == "between_chunks":
        _cancel_elsewhere(job.id)
        report(50, "chunk 2")  # the cancellation point between chunks
    elif when == "before_save":
        _cancel_elsewhere(job.id)
        report.hold()
    elif when == "after_hold":
        report.hold()  # holds the row: a cancellation must wait for this transaction
    db.session.add(Job(kind="test_echo", status="succeeded", payload={"written_by": job.id}))
    db.session.flush()
    CALLS.append(job.id)
    return {"wrote": True}


def _cancel_elsewhere(job_id: int) -> None:
    """Cancel as the withdrawing request would: its own session, committed."""
    from flask import current_app

    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def cancel() -> None:
        with app.app_context():
            queue.cancel_jobs([job_id], "Cancelled: test.")
            db.session.commit()

    contextvars.Context().run(cancel)


def _written_by(job_id: int) -> int:
    rows = db.session.scalars(sa.select(Job).where(Job.kind == "test_echo")).all()
    return sum(1 for row in rows if (row.payload or {}).get("written_by") == job_id)


def test_a_failed_save_rolls_back_before_the_failure_is_recorded() -> None:
    job = Job(kind="test_bad_save", payload={})
    db.session.add(job)
    db.session.commit()
    queue.run_job(job.id)  # must not raise: before, reading job.kind here crashed
    db.session.expire_all()
    failed = db.session.get(Job, job.id)
    assert failed.status == "failed" and failed.finished_at is not None
    assert "IntegrityError" in failed.result["trace"]


@pytest.mark.parametrize("when", ["between_chunks", "before_save"])
def test_a_cancelled_job_stops_and_writes_nothing(when: str) -> None:
    job = Job(kind="test_cancellable", payload={"cancel": when})
    db.session.add(job)
    db.session.commit()
    queue.run_job(job.id)
    db.session.expire_all()
    cancelled = db.session.get(Job, job.id)
    assert cancelled.status == "cancelled" and cancelled.error == "Cancelled: test."
    assert cancelled.result is None and CALLS == []
    assert _written_by(job.id) == 0


def test_a_job_that_saved_first_finishes_and_a_later_cancel_finds_nothing_to_cancel() -> None:
    job = Job(kind="test_cancellable", payload={"cancel": "after_hold"})
    db.session.add(job)
    db.session.commit()
    queue.run_job(job.id)
    assert queue.cancel_jobs([job.id], "too late") == 0
    db.session.commit()
    assert db.session.get(Job, job.id).status == "succeeded"
    assert _written_by(job.id) == 1


def test_cancel_jobs_leaves_finished_jobs_alone() -> None:
    done = Job(kind="test_echo", status="succeeded", payload={})
    waiting = Job(kind="test_echo", status="queued", payload={})
    db.session.add_all([done, waiting])
    db.session.commit()
    assert queue.cancel_jobs([done.id, waiting.id, None], "withdrawn") == 1  # type: ignore[list-item]
    db.session.commit()
    db.session.expire_all()
    assert (db.session.get(Job, done.id).status, db.session.get(Job, waiting.id).status) == (
        "succeeded", "cancelled")
    assert db.session.get(Job, waiting.id).is_finished
    queue.run_job(waiting.id)  # its task arrives later: nothing runs
    assert CALLS == []


def test_job_ids_are_never_reused() -> None:
    first = Job(kind="test_echo", payload={})
    db.session.add(first)
    db.session.commit()
    first_id = first.id
    db.session.delete(first)
    db.session.commit()
    second = Job(kind="test_echo", payload={})
    db.session.add(second)
    db.session.commit()
    assert second.id > first_id  # SQLite without AUTOINCREMENT gave the same id again


def test_a_worker_that_lost_its_job_stops_at_its_next_report() -> None:
    job = Job(kind="test_echo", status="running", payload={}, worker_id="elsewhere:1:ab")
    db.session.add(job)
    db.session.commit()
    with pytest.raises(queue.JobCancelled):
        queue.Reporter(job.id)(10, "mine?")
    assert db.session.get(Job, job.id).progress == 0


def _exited_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def test_worker_start_requeues_jobs_of_dead_workers_at_once_and_leaves_live_ones() -> None:
    host, now = socket.gethostname(), utcnow()
    rows = {
        # Killed on this host a moment ago: the heartbeat is still fresh.
        "dead_here": Job(kind="test_echo", status="running", attempts=1, heartbeat_at=now,
                         worker_id=f"{host}:{_exited_pid()}:dead", payload={}),
        # A live worker on this host (the test runner's parent) and one on another host.
        "alive_here": Job(kind="test_echo", status="running", attempts=1, heartbeat_at=now,
                          worker_id=f"{host}:{os.getppid()}:live", payload={}),
        "alive_there": Job(kind="test_echo", status="running", attempts=1, heartbeat_at=now,
                           worker_id="other-host:4242:live", payload={}),
        # Gone quiet on another host.
        "silent_there": Job(kind="test_echo", status="running", attempts=1,
                            heartbeat_at=now - queue.STALE_AFTER - timedelta(seconds=1),
                            worker_id="other-host:4243:gone", payload={}),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    ids = {name: row.id for name, row in rows.items()}
    assert sorted(queue.recover_orphaned_jobs()) == sorted(
        [ids["dead_here"], ids["silent_there"]])
    db.session.expire_all()
    status = {name: db.session.get(Job, job_id).status for name, job_id in ids.items()}
    assert status == {"dead_here": "queued", "alive_here": "running",
                      "alive_there": "running", "silent_there": "queued"}
    assert queue.recover_orphaned_jobs() == []  # twice: nothing is re-queued twice
    queue.run_job(ids["dead_here"])
    job = db.session.get(Job, ids["dead_here"])
    assert job.status == "succeeded" and job.attempts == 2
    assert job.worker_id == queue.worker_id()


def test_the_heartbeat_keeps_a_running_jobs_row_fresh() -> None:
    job = Job(kind="test_echo", status="running", payload={}, worker_id=queue.worker_id(),
              heartbeat_at=utcnow() - timedelta(minutes=1))
    other = Job(kind="test_echo", status="running", payload={}, worker_id="x:1:y",
                heartbeat_at=utcnow() - timedelta(minutes=1))
    db.session.add_all([job, other])
    db.session.commit()
    queue._running.add(job.id)
    try:
        assert queue.beat() == 1
    finally:
        queue._running.discard(job.id)
    db.session.expire_all()
    assert db.session.get(Job, job.id).heartbeat_at > utcnow() - timedelta(seconds=5)
    assert queue.requeue_stale_jobs() == [other.id]
