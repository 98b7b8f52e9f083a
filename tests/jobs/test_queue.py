"""Job rows: enqueued only after commit, claimed once, failures recorded, stale ones re-queued."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

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
    from coachprog.certification import jobs as certification_jobs

    queue_ = app.extensions["coachprog.queue"]
    names = {task.name for task in queue_.huey._registry.periodic_tasks}
    assert "coachprog.certification_tick" in names
    ran: list[bool] = []
    monkeypatch.setattr(certification_jobs, "scheduled_tick", lambda: ran.append(True))
    queue_._certification_tick()
    assert ran == [True]
