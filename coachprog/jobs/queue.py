"""Background jobs: a row per job in the application database, and huey to say "row N is ready".

Huey drops a task whose worker dies mid-run, so the row is the source of truth: a task claims
its row with one atomic UPDATE that records the worker's identity, the worker process beats a
heartbeat for its running jobs every HEARTBEAT_EVERY, and rows whose worker is gone are put back
in the queue: at once when a worker starts (its own host's dead processes, and stale heartbeats),
and by a periodic sweeper (stale heartbeats). Jobs are enqueued only after the transaction that
created their row commits, so a worker never looks for a row that is not there yet.

A job may be cancelled (`cancel_jobs`, in the transaction that withdraws or deletes what it
works on): the handler finds out at its next progress report or when it asks to save
(`Reporter.hold`), and stops without writing anything. The same checks stop a worker that lost
its job to a re-queue (its heartbeat went stale), so a job's results are never written twice.
"""

from __future__ import annotations

import contextvars
import logging
import os
import secrets
import socket
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.governance.services import Origin, set_origin
from coachprog.jobs import schedule
from coachprog.jobs.backends import huey_factory
from coachprog.jobs.models import Job
from coachprog.runtime.lazy import lazy_module

if TYPE_CHECKING:
    import huey as huey_lib
    from huey import Huey
else:
    huey_lib = lazy_module("huey")

log = logging.getLogger(__name__)

Handler = Callable[[Job, "Reporter"], dict[str, Any]]
_handlers: dict[str, Handler] = {}
# A live worker beats every HEARTBEAT_EVERY; six missed beats and its jobs are orphans.
HEARTBEAT_EVERY = timedelta(seconds=5)
STALE_AFTER = timedelta(seconds=30)
MAX_ATTEMPTS = 3
_PENDING_KEY = "coachprog.jobs_to_enqueue"
CANCELLABLE = ("queued", "running")

_identity: tuple[int, str] | None = None
_running: set[int] = set()  # ids of the jobs this process is running now
_running_lock = threading.Lock()


def worker_id() -> str:
    """This process's identity on the jobs it claims: "host:pid:token" (the token tells a
    restarted process from an earlier one that had the same pid)."""
    global _identity
    pid = os.getpid()
    if _identity is None or _identity[0] != pid:  # a forked child is a new worker
        _identity = (pid, f"{socket.gethostname()[:80]}:{pid}:{secrets.token_hex(4)}")
    return _identity[1]


def _dead_here(claimed_by: str | None) -> bool:
    """Whether `claimed_by` names a process on this host that no longer exists."""
    if not claimed_by or claimed_by == worker_id():
        return False
    host, _, rest = claimed_by.rpartition(":")[0].rpartition(":")
    if host != socket.gethostname()[:80] or not rest.isdigit():
        return False
    try:
        os.kill(int(rest), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    # Alive: this very process only under another identity (a restart reusing the pid).
    return int(rest) == os.getpid()


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler of a job kind; the domain that owns the kind does it in its own
    jobs module, which create_app imports (this package never imports the domains above it)."""
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


class JobCancelled(Exception):  # noqa: N818
    """The job was cancelled (or re-queued away from this worker) while it ran: the handler
    stops, its transaction rolls back, and the row keeps the status someone else gave it."""


def _ours(job_id: int) -> Any:
    return sa.and_(Job.id == job_id, Job.status == "running", Job.worker_id == worker_id())


class Reporter:
    """Progress for the page that watches the job; each report commits on its own. A report
    is also the handler's cancellation point: it raises JobCancelled once the job is no
    longer this worker's running job."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    def __call__(self, percent: int, note: str) -> None:
        # A separate connection: the handler's own transaction stays open until it finishes.
        with db.engine.begin() as connection:
            result = connection.execute(
                sa.update(Job)
                .where(_ours(self.job_id))
                .values(progress=max(0, min(99, percent)), progress_note=note[:200],
                        heartbeat_at=utcnow())
            )
        if not result.rowcount:
            raise JobCancelled(f"job {self.job_id} is no longer this worker's")

    def check(self) -> None:
        """Raise JobCancelled once the job is no longer this worker's running job (a read on
        its own connection; writes nothing)."""
        with db.engine.connect() as connection:
            ours = connection.execute(sa.select(Job.id).where(_ours(self.job_id))).first()
        if ours is None:
            raise JobCancelled(f"job {self.job_id} is no longer this worker's")

    def hold(self) -> None:
        """Call right before the handler writes its results: in the handler's own
        transaction, lock the job's row while it is still this worker's running job (or raise
        JobCancelled). A cancellation that comes later waits for this transaction, and then
        finds the job finished and its results there to delete."""
        result = db.session.execute(
            sa.update(Job).where(_ours(self.job_id)).values(heartbeat_at=utcnow()))
        if not result.rowcount:  # type: ignore[attr-defined]
            raise JobCancelled(f"job {self.job_id} is no longer this worker's")


def cancel_jobs(job_ids: list[int], reason: str) -> int:
    """Cancel these jobs if they have not finished, in the caller's transaction (the one
    that withdraws or deletes their work; it commits). A running handler stops at its next
    check and writes nothing. Returns how many were cancelled."""
    ids = sorted({job_id for job_id in job_ids if job_id is not None})
    if not ids:
        return 0
    result = db.session.execute(
        sa.update(Job).where(Job.id.in_(ids), Job.status.in_(CANCELLABLE))
        .values(status="cancelled", error=reason[:500], finished_at=utcnow())
        .execution_options(synchronize_session=False))
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        log.info("cancelled %s job(s) of %s: %s", count, ids, reason)
    return count


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
    queue: JobQueue = current_app.extensions["coachprog.queue"]
    return queue


class JobQueue:
    """The app's huey instance with the one task that runs job rows, built on first use (the
    first job enqueued, a worker's start), not at app start (jobs.backends says why)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._new_huey = huey_factory(app)
        # The schedule as create_app leaves it (every domain's jobs module is imported).
        self._periodic = schedule.registered()
        self._built: tuple[Huey, Callable[[int], object]] | None = None
        self._build_lock = threading.Lock()
        self._consumer_thread: threading.Thread | None = None
        self._consumer: Any = None
        self._heartbeat: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def huey(self) -> Huey:
        return self._huey_and_task()[0]

    def _huey_and_task(self) -> tuple[Huey, Callable[[int], object]]:
        with self._build_lock:  # two threads' first jobs build it once
            if self._built is None:
                self._built = self._build()
        return self._built

    def _build(self) -> tuple[Huey, Callable[[int], object]]:
        huey = self._new_huey()
        run_task = huey.task(name="coachprog.run_job")(self._run_job)
        huey.periodic_task(huey_lib.crontab(minute="*"), name="coachprog.sweep_stale_jobs")(
            self._sweep
        )
        for name, periodic in self._periodic.items():
            huey.periodic_task(huey_lib.crontab(minute=periodic.minute, hour=periodic.hour),
                               name=name)(self._in_app_context(periodic.run))
        return huey, run_task

    def enqueue_job(self, job_id: int) -> None:
        self._huey_and_task()[1](job_id)

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

    def start_worker(self) -> list[int]:
        """What a worker process does before it consumes the queue: re-queue at once the jobs
        a dead worker left running (see recover_orphaned_jobs), start beating this process's
        heartbeat, and look once more when a heartbeat that was fresh now could be stale
        (a worker on another host that died just before this one started). Returns the ids
        re-queued now."""
        with self.app.app_context():
            recovered = recover_orphaned_jobs()
            for job_id in recovered:
                self.enqueue_job(job_id)
        if recovered:
            log.info("worker %s re-queued %s orphaned job(s): %s", worker_id(), len(recovered),
                     recovered)
        if self._heartbeat is None:
            self._stopping.clear()
            self._heartbeat = threading.Thread(target=self._beat, name="coachprog-heartbeat",
                                               daemon=True)
            self._heartbeat.start()
        return recovered

    def _beat(self) -> None:
        follow_up: timedelta | None = STALE_AFTER + HEARTBEAT_EVERY
        elapsed = timedelta(0)
        while not self._stopping.wait(HEARTBEAT_EVERY.total_seconds()):
            elapsed += HEARTBEAT_EVERY
            try:
                with self.app.app_context():
                    beat()
                    if follow_up is not None and elapsed >= follow_up:
                        follow_up = None
                        for job_id in requeue_stale_jobs():
                            self.enqueue_job(job_id)
            except Exception:  # a missed beat is retried; the worker goes on
                log.exception("job heartbeat failed")

    def stop_worker(self) -> None:
        self._stopping.set()
        if self._heartbeat is not None:
            self._heartbeat.join(HEARTBEAT_EVERY.total_seconds() * 2)
            self._heartbeat = None

    def _in_app_context(self, run: Callable[[], object]) -> Callable[[], None]:
        def in_app_context() -> None:
            with self.app.app_context():
                run()

        return in_app_context

    def run_periodic(self, name: str) -> None:
        """Run one registered periodic task now, as the schedule would."""
        self._in_app_context(schedule.registered()[name].run)()

    def start_in_process_consumer(self) -> None:
        """Run one worker thread inside the web process (the embedded default for `make run`)."""
        if self._consumer_thread is not None:
            return
        self.start_worker()
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
        self.stop_worker()


def claim_job(job_id: int) -> bool:
    """Take the job for this worker; False when another worker has it or it is finished."""
    now = utcnow()
    result = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="running", attempts=Job.attempts + 1, started_at=now, heartbeat_at=now,
                worker_id=worker_id())
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def beat() -> int:
    """Refresh the heartbeat of the jobs this process is running; returns how many."""
    with _running_lock:
        ids = sorted(_running)
    if not ids:
        return 0  # no write at all: on SQLite an idle worker never takes the write lock
    with db.engine.begin() as connection:
        result = connection.execute(
            sa.update(Job).where(Job.id.in_(ids), Job.status == "running",
                                 Job.worker_id == worker_id())
            .values(heartbeat_at=utcnow()))
    return int(result.rowcount or 0)


def run_job(job_id: int) -> None:
    if not claim_job(job_id):
        return
    job = db.session.get(Job, job_id)
    if job is None:  # pragma: no cover - the row was claimed a moment ago
        return
    kind = job.kind  # read now: after a failed flush the row cannot be loaded again
    handler = _handlers[kind]
    with _running_lock:
        _running.add(job_id)
    try:
        result = handler(job, Reporter(job_id))
    except JobCancelled:
        db.session.rollback()
        log.info("job %s (%s) stopped: it was cancelled or taken over; nothing written",
                 job_id, kind)
        return
    except JobFailed as exc:
        _finish_failed(job_id, str(exc), result=exc.result)
        return
    except Exception:
        # Roll back first: the session may be unusable after a failed statement.
        trace = traceback.format_exc()
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, kind)
        _finish_failed(job_id, "An unexpected error stopped this job; the team has the details.",
                       trace=trace)
        return
    finally:
        with _running_lock:
            _running.discard(job_id)
    # Only while it is still this worker's running job: a job cancelled meanwhile keeps
    # "cancelled", and its handler's writes go with the rollback.
    finished = db.session.execute(
        sa.update(Job).where(_ours(job_id))
        .values(status="succeeded", progress=100, progress_note="Done", result=result,
                finished_at=utcnow())
        .execution_options(synchronize_session=False))
    if not finished.rowcount:  # type: ignore[attr-defined]
        db.session.rollback()
        log.info("job %s (%s) was cancelled or taken over before it finished; nothing written",
                 job_id, kind)
        return
    db.session.commit()


def _finish_failed(
    job_id: int, message: str, *, result: dict[str, Any] | None = None, trace: str | None = None
) -> None:
    db.session.rollback()
    # A job cancelled (or re-queued) meanwhile keeps the status it was given.
    db.session.execute(
        sa.update(Job).where(_ours(job_id))
        .values(status="failed", error=message,
                result={"trace": trace} if trace else result, finished_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()


def _requeue(job: Job, *, condition: Any) -> bool:
    """Put one orphaned job back (or give up on it after MAX_ATTEMPTS); conditional, so two
    workers starting together re-queue it once."""
    gave_up = job.attempts >= MAX_ATTEMPTS
    values: dict[str, Any] = (
        {"status": "failed", "finished_at": utcnow(),
         "error": f"The worker stopped {job.attempts} times; giving up."}
        if gave_up else {"status": "queued", "worker_id": None})
    result = db.session.execute(
        sa.update(Job).where(Job.id == job.id, Job.status == "running", condition)
        .values(**values).execution_options(synchronize_session=False))
    return bool(result.rowcount) and not gave_up  # type: ignore[attr-defined]


def requeue_stale_jobs() -> list[int]:
    """Put back jobs whose worker stopped beating; give up after MAX_ATTEMPTS."""
    cutoff = utcnow() - STALE_AFTER
    stale = db.session.scalars(
        sa.select(Job).where(Job.status == "running", Job.heartbeat_at < cutoff)
    ).all()
    requeued = [job.id for job in stale if _requeue(job, condition=Job.heartbeat_at < cutoff)]
    db.session.commit()
    db.session.expire_all()
    return requeued


def recover_orphaned_jobs() -> list[int]:
    """At a worker's start: put back every job left running by a worker that is gone, at
    once, without waiting for the sweeper. Gone means its heartbeat is older than STALE_AFTER,
    or it names a process on this host that no longer exists (the server killed and
    restarted: with the embedded SQLite worker, every such job). A job of a live worker,
    here or on another host, is never taken."""
    cutoff = utcnow() - STALE_AFTER
    running = db.session.scalars(sa.select(Job).where(Job.status == "running")).all()
    requeued: list[int] = []
    for job in running:
        if job.heartbeat_at is None or job.heartbeat_at < cutoff:
            condition = sa.or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff)
        elif _dead_here(job.worker_id):
            condition = Job.worker_id == job.worker_id
        else:
            continue
        if _requeue(job, condition=condition):
            requeued.append(job.id)
    db.session.commit()
    db.session.expire_all()
    return requeued


def get_job(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)
