"""Shared fixtures: one app per run, schema from the migrations, every test on clean tables.

The database comes from COACHPROG_TEST_DATABASE_URL (PostgreSQL in the second `make test`
pass) and defaults to a SQLite file in a temporary folder.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings

from coachprog import create_app
from coachprog.extensions import db, limiter
from coachprog.roles import Role

TEST_PASSWORD = "correct horse battery staple"

# Property tests check results, not speed: `make test` runs two passes side by side on two
# cores, where an example can take longer than Hypothesis's 200 ms deadline or its health
# check's patience through no fault of the code.
settings.register_profile("coachprog", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("coachprog")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("COACHPROG_TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset_schema(url: str) -> None:
    if url.startswith("sqlite"):
        return
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (fresh `g`, its own database session), as in
    production, even though the test itself holds an app context for factories and asserts."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        def in_fresh_context() -> Any:
            _cv_app.set(None)  # type: ignore[arg-type]
            return super(IsolatedClient, self).open(*args, **kwargs)

        return contextvars.copy_context().run(in_fresh_context)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    _reset_schema(database_url)
    redis_url = os.environ.get("COACHPROG_TEST_REDIS_URL")
    queue_config: dict[str, Any] = {"COACHPROG_QUEUE": "immediate",
                                    "RATELIMIT_STORAGE_URI": "memory://"}
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        queue_config = {"COACHPROG_QUEUE": "redis", "COACHPROG_REDIS_URL": redis_url,
                        "RATELIMIT_STORAGE_URI": redis_url}
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "COACHPROG_PASSWORD_HASH": "argon2id-fast",
        "COACHPROG_UPLOAD_DIR": instance / "uploads",
        # Never send real mail from tests, whatever the developer's environment says.
        "COACHPROG_SMTP_HOST": None,
        **queue_config,
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    if redis_url:
        # A real worker thread consumes the Redis queue, as `flask worker` would.
        app.extensions["coachprog.queue"].start_in_process_consumer()
    # Huey is built on the queue's first use (issue 22); built now, as `flask serve` does at
    # start, so that a test timing a request does not time the queue's construction.
    app.extensions["coachprog.queue"].huey  # noqa: B018
    yield app
    with app.app_context():
        if redis_url:
            # Finish the last test's jobs and stop the worker before the engine goes away.
            _settle_background_jobs()
            app.extensions["coachprog.queue"].stop_in_process_consumer()
        db.engine.dispose()


def _settle_background_jobs(timeout: float = 10.0) -> None:
    """With the Redis worker thread (second pass), let the jobs the previous test queued
    (e-mail deliveries, mostly) finish before their rows are deleted under them."""
    if not os.environ.get("COACHPROG_TEST_REDIS_URL"):
        return
    from coachprog.jobs.models import Job

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.engine.connect() as connection:
            busy = connection.execute(sa.select(sa.func.count()).select_from(Job).where(
                Job.status.in_(("queued", "running")))).scalar()
        if not busy:
            return
        time.sleep(0.05)


def _clean_tables() -> None:
    # Children first; the audit log's append-only guard is an ORM rule, so a plain DELETE
    # through the connection clears it between tests.
    _settle_background_jobs()
    for attempt in range(3):
        try:
            with db.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    # One round trip for all the deletes: on PostgreSQL the per-statement
                    # round trips were about a quarter of the access matrix's time.
                    connection.exec_driver_sql("; ".join(
                        str(table.delete().compile(dialect=connection.dialect))
                        for table in reversed(db.metadata.sorted_tables)))
                else:
                    for table in reversed(db.metadata.sorted_tables):
                        connection.execute(table.delete())
            return
        except sa.exc.OperationalError:
            # A worker still finishing a job can deadlock with the deletes: try again.
            if attempt == 2:
                raise
            time.sleep(0.2)


@pytest.fixture(autouse=True)
def _isolated(app: Flask) -> Iterator[None]:
    from coachprog.governance.services import Origin, set_origin

    with app.app_context():
        _clean_tables()
        limiter.reset()
        set_origin(Origin())
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, page: str = "/login") -> str:
    response = client.get(page)
    match = CSRF_PATTERN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, Any] | None = None,
              *, token_page: str = "/account", **kwargs: Any) -> Any:
    """POST a form as the browser would, carrying a valid CSRF token."""
    form = dict(data or {})
    form["csrf_token"] = csrf_token(client, token_page)
    return client.post(url, data=form, **kwargs)


def wait_for_job(job_id: int, timeout: float = 30.0) -> Any:
    """The finished job row (immediately, in the in-process queue; polled on Redis)."""
    import time

    from coachprog.jobs.models import Job

    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        assert job is not None, f"no job {job_id}"
        if job.is_finished:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.status} after {timeout}s"
        time.sleep(0.05)
        db.session.rollback()


class Auth:
    """Create users and sign them in through the real sign-in form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = TEST_PASSWORD, *,
              acknowledge: bool = True) -> Any:
        """Sign in; a person who has not acknowledged the current policy (the demo's people)
        then acknowledges it as they would, unless `acknowledge=False` (the gate's tests)."""
        token = csrf_token(self.client, "/login")
        response = self.client.post("/login", data={"email": email, "password": password,
                                                    "csrf_token": token})
        if acknowledge and response.status_code == 302:
            self._acknowledge_if_asked(email)
        return response

    def _acknowledge_if_asked(self, email: str) -> None:
        from coachprog.auth.models import User
        from coachprog.policy.services import needs_acknowledgement

        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        if user is not None and needs_acknowledgement(user):
            answer = post_form(self.client, "/governance/acknowledge",
                               token_page="/governance/acknowledge")
            assert answer.status_code == 302, answer.get_data(as_text=True)

    def login_as(self, *roles: Role | str, **user_fields: Any) -> Any:
        from tests.factories import UserFactory

        user = UserFactory(roles=[Role(r) for r in roles], **user_fields)
        db.session.commit()
        response = self.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    def logout(self) -> Any:
        return post_form(self.client, "/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def sample_csv(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(
        "employee_id,name,email,department,title,manager_employee_id,active\n"
        "E2,Ben Okafor,ben@example.com,Sales,Account Executive,E1,true\n"
        "E1,Aisha Chen,aisha@example.com,Sales,VP Sales,,true\n"
        "E3,Carla Rossi,carla@example.com,Sales,Sales Rep,E2,false\n"
    )
    return path


@contextlib.contextmanager
def counting_statements() -> Iterator[list[str]]:
    """Every SQL statement this thread runs inside the block (to prove a page's queries do not
    grow). The Redis pass has a worker thread delivering e-mails meanwhile: not counted."""
    statements: list[str] = []
    here = threading.get_ident()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if threading.get_ident() == here:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def statements_for(client: FlaskClient, url: str) -> int:
    """How many statements one GET of `url` runs (it must answer 200)."""
    with counting_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)
