"""Background jobs: a row per job in the application database, and huey to say "row N is ready".

Huey drops a task whose worker dies mid-run, so the row is the source of truth: a task claims
its row with one atomic UPDATE, beats a heartbeat while it works, and a periodic sweeper
re-queues rows whose heartbeat went stale. Jobs are enqueued only after the transaction that
created their row commits, so a worker never looks for a row that is not there yet.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.governance.services import Origin, set_origin
from coachprog.jobs.models import Job

log = logging.getLogger(__name__)

Handler = Callable[[Job, "Reporter"], dict[str, Any]]
_handlers: dict[str, Handler] = {}
STALE_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 3
_PENDING_KEY = "coachprog.jobs_to_enqueue"


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _handlers[kind] = func
        return func

    return register


class JobFailed(Exception):  # noqa: N818
    """A handler's way to fail a job with a message for the user; its transaction rolls back
    and `result` (e.g. the list of problems found) is kept on the row."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result = result


class Reporter:
    """Progress for the page that watches the job; each report commits on its own."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    def __call__(self, percent: int, note: str) -> None:
        # A separate connection: the handler's own transaction stays open until it finishes.
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(Job)
                .where(Job.id == self.job_id)
                .values(progress=max(0, min(99, percent)), progress_note=note[:200],
                        heartbeat_at=utcnow())
            )


def create_job(kind: str, *, payload: dict[str, Any], created_by_id: int | None) -> Job:
    """Add a job row to the current transaction; it is queued when that transaction commits."""
    if kind not in _handlers:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(kind=kind, payload=payload, created_by_id=created_by_id)
    db.session.add(job)
    db.session.flush()
    # Remember the innermost transaction: a rolled-back savepoint forgets only its own jobs.
    session = db.session()  # the request's Session behind the scoped proxy
    transaction = session.get_nested_transaction() or session.get_transaction()
    db.session.info.setdefault(_PENDING_KEY, []).append((job.id, transaction))
    return job


def _within(transaction: Any, ancestor: Any) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    # SQLAlchemy also calls this when a savepoint is released; the rows are not committed
    # until the outermost transaction is, so only then do workers hear of them.
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    queue = _current_queue()
    for job_id, _ in pending:
        queue.enqueue_job(job_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: Any) -> None:
    pending = session.info.get(_PENDING_KEY)
    if pending:
        session.info[_PENDING_KEY] = [(job_id, transaction) for job_id, transaction in pending
                                      if not _within(transaction, previous_transaction)]


def _current_queue() -> JobQueue:
    from flask import current_app

    queue: JobQueue = current_app.extensions["coachprog.queue"]
    return queue


class JobQueue:
    """The app's huey instance with the one task that runs job rows."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.huey = self._build_huey(app)
        self._run_task = self.huey.task(name="coachprog.run_job")(self._run_job)
        self.huey.periodic_task(crontab(minute="*"), name="coachprog.sweep_stale_jobs")(
            self._sweep
        )
        # Recordings and transcripts past their retention period, once a night.
        self.huey.periodic_task(crontab(hour="3", minute="30"),
                                name="coachprog.retention_purge")(self._retention_purge)
        # Certification statuses and recertification reminders, once a day (idempotent).
        self.huey.periodic_task(crontab(hour="4", minute="0"),
                                name="coachprog.certification_tick")(self._certification_tick)
        self._consumer_thread: threading.Thread | None = None
        self._consumer: Any = None

    @staticmethod
    def _build_huey(app: Flask) -> Huey:
        mode = app.config["COACHPROG_QUEUE"]
        if mode == "immediate":
            return MemoryHuey("coachprog", immediate=True)
        if mode == "redis":
            url = app.config.get("COACHPROG_REDIS_URL")
            if not url:
                raise RuntimeError("COACHPROG_QUEUE=redis needs COACHPROG_REDIS_URL")
            return RedisHuey("coachprog", url=url)
        if mode == "sqlite":
            path = Path(app.instance_path) / "queue.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            return SqliteHuey("coachprog", filename=str(path))
        raise RuntimeError(f"unknown COACHPROG_QUEUE {mode!r}: use sqlite, redis or immediate")

    def enqueue_job(self, job_id: int) -> None:
        self._run_task(job_id)

    def _run_job(self, job_id: int) -> None:
        # A fresh app context gives the job its own database session, even in immediate mode;
        # a copied context keeps the job's audit origin from leaking into the caller's.
        def in_worker_context() -> None:
            set_origin(Origin(ip=None, via=f"job:{job_id}"))
            with self.app.app_context():
                run_job(job_id)

        contextvars.copy_context().run(in_worker_context)

    def _sweep(self) -> None:
        with self.app.app_context():
            for job_id in requeue_stale_jobs():
                self.enqueue_job(job_id)

    def _retention_purge(self) -> None:
        from coachprog.recordings.retention import scheduled_purge

        with self.app.app_context():
            scheduled_purge()

    def _certification_tick(self) -> None:
        from coachprog.certification.jobs import scheduled_tick

        with self.app.app_context():
            scheduled_tick()

    def start_in_process_consumer(self) -> None:
        """Run one worker thread inside the web process (the embedded default for `make run`)."""
        if self._consumer_thread is not None:
            return
        consumer = self.huey.create_consumer(workers=1, worker_type="thread",
                                             check_worker_health=False)
        # The consumer installs signal handlers, which only the main thread may do.
        consumer._set_signal_handlers = lambda: None
        self._consumer = consumer
        self._consumer_thread = threading.Thread(target=consumer.run, name="coachprog-worker",
                                                 daemon=True)
        self._consumer_thread.start()

    def stop_in_process_consumer(self, timeout: float = 10.0) -> None:
        """Let the worker thread finish the job in hand and stop (tests, before the database
        goes away under it)."""
        if self._consumer_thread is None:
            return
        self._consumer.shutdown_timeout = timeout  # never wait forever on a stuck job
        self._consumer.stop(graceful=True)
        self._consumer_thread.join(timeout)
        self._consumer_thread = None


def claim_job(job_id: int) -> bool:
    """Take the job for this worker; False when another worker has it or it is finished."""
    now = utcnow()
    result = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="running", attempts=Job.attempts + 1, started_at=now, heartbeat_at=now)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def run_job(job_id: int) -> None:
    if not claim_job(job_id):
        return
    job = db.session.get(Job, job_id)
    if job is None:  # pragma: no cover - the row was claimed a moment ago
        return
    handler = _handlers[job.kind]
    try:
        result = handler(job, Reporter(job.id))
    except JobFailed as exc:
        _finish_failed(job_id, str(exc), result=exc.result)
        return
    except Exception:
        log.exception("job %s (%s) failed", job_id, job.kind)
        _finish_failed(job_id, "An unexpected error stopped this job; the team has the details.",
                       trace=traceback.format_exc())
        return
    job.status = "succeeded"
    job.progress = 100
    job.progress_note = "Done"
    job.result = result
    job.finished_at = utcnow()
    db.session.commit()


def _finish_failed(
    job_id: int, message: str, *, result: dict[str, Any] | None = None, trace: str | None = None
) -> None:
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is None:  # pragma: no cover
        return
    job.status = "failed"
    job.error = message
    job.result = {"trace": trace} if trace else result
    job.finished_at = utcnow()
    db.session.commit()


def requeue_stale_jobs() -> list[int]:
    """Put back jobs whose worker stopped beating; give up after MAX_ATTEMPTS."""
    cutoff = utcnow() - STALE_AFTER
    stale = db.session.scalars(
        sa.select(Job).where(Job.status == "running", Job.heartbeat_at < cutoff)
    ).all()
    requeued: list[int] = []
    for job in stale:
        if job.attempts >= MAX_ATTEMPTS:
            job.status = "failed"
            job.error = f"The worker stopped {job.attempts} times; giving up."
            job.finished_at = utcnow()
        else:
            job.status = "queued"
            requeued.append(job.id)
    db.session.commit()
    return requeued


def get_job(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)
