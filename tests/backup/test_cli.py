"""`flask backup create` and `flask backup restore`: a round trip of the seeded demo into a new
instance folder and a new database (SQLite, or PostgreSQL in the PostgreSQL pass), and every
refusal in words."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from coachprog import create_app
from coachprog.auth import services as auth_services
from coachprog.authority import SystemActor
from coachprog.backup import domain
from coachprog.extensions import db
from coachprog.jobs.models import Job
from tests.conftest import Auth, _settle_background_jobs

DEMO_PASSWORD = "demo password for backup tests"
IGNORED = {"queue.db", "queue.db-wal", "queue.db-shm"}


@pytest.fixture(autouse=True)
def _demo_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", DEMO_PASSWORD)
    monkeypatch.delenv("COACHPROG_SECRET_KEY", raising=False)


@pytest.fixture
def target_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the same kind as the test database."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    import psycopg

    url = sa.engine.make_url(database_url)
    name = f"{url.database}_restore"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def make_target(target_url: str, tmp_path: Path) -> Iterator[Callable[[], Flask]]:
    """Build the app of a new installation (a fresh instance folder, the empty database), as a
    server start would; its secret key comes from its own instance folder."""
    instance = tmp_path / "restored-instance"
    apps: list[Flask] = []

    def build() -> Flask:
        target = create_app({
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": target_url,
            "COACHPROG_PASSWORD_HASH": "argon2id-fast",
            "COACHPROG_UPLOAD_DIR": instance / "uploads",
            "COACHPROG_SMTP_HOST": None,
            # Waiting jobs go to the new installation's own queue file, which nothing consumes.
            "COACHPROG_QUEUE": "sqlite",
            "RATELIMIT_STORAGE_URI": "memory://",
        })
        apps.append(target)
        return target

    yield build
    for target in apps:
        with target.app_context():
            db.engine.dispose()


def _restore(target: Flask, folder: Path) -> Any:
    with target.app_context():
        return target.test_cli_runner().invoke(args=["backup", "restore", str(folder)])


def _rows() -> dict[str, list[str]]:
    """Every row of every table, in a comparable form."""
    rows: dict[str, list[str]] = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows[table.name] = sorted(repr(tuple(row))
                                      for row in connection.execute(table.select()))
    return rows


def _files(instance: Path) -> dict[str, str]:
    """SHA-256 of every file under an instance folder, but the queue and database files and
    half-written uploads."""
    found = {}
    for path in sorted(instance.rglob("*")):
        if (path.is_file() and path.name not in IGNORED and not domain.is_transient(path.name)
                and not path.name.endswith((".db", ".db-wal", ".db-shm"))):
            found[path.relative_to(instance).as_posix()] = hashlib.sha256(
                path.read_bytes()).hexdigest()
    return found


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def stored_files(app: Flask) -> Iterator[Path]:
    """A recording, an evidence file and a certificate batch in the test instance."""
    instance = Path(app.instance_path)
    # Files earlier tests left in the shared test instance (the demo seed stores a recording)
    # would crowd these out of the listings the tests read: start from these alone.
    for area in ("recordings", "evidence", "certificates"):
        for leftover in (instance / area).rglob("*"):
            if leftover.is_file():
                leftover.unlink()
    made = [instance / "recordings" / "5f" / "session.wav",
            instance / "evidence" / "3" / "notes.pdf",
            instance / "certificates" / "batch-1.zip"]
    for index, path in enumerate(made):
        _write(path, os.urandom(20_000 + index))
    # Half-written: never part of a backup.
    _write(instance / "recordings" / ".upload-0a1b.part", b"partial")
    yield instance
    for path in [*made, instance / "recordings" / ".upload-0a1b.part"]:
        path.unlink(missing_ok=True)


def test_round_trip_of_the_demo_restores_rows_files_pages_and_tokens(
        app, runner, stored_files, make_target, tmp_path) -> None:
    assert runner.invoke(args=["rubrics", "load"]).exit_code == 0
    seeded = runner.invoke(args=["seed", "--people", "60"])
    assert seeded.exit_code == 0, seeded.output
    admin = auth_services.get_user_by_email("admin@demo.example")
    _, token = auth_services.create_api_token(SystemActor("test"), admin, name="hris")
    db.session.commit()
    _settle_background_jobs()
    # A job still waiting when the backup is taken: the restore queues it again.
    db.session.add(Job(kind="notifications.deliver", status="queued", payload={}))
    db.session.commit()
    before_rows = _rows()
    before_files = _files(stored_files)
    folder = tmp_path / "backup"

    created = runner.invoke(args=["backup", "create", str(folder)])

    assert created.exit_code == 0, created.output
    assert "Backup written to" in created.output
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = {entry["path"] for entry in manifest["files"]}
    assert {"files/recordings/5f/session.wav", "files/evidence/3/notes.pdf",
            "files/certificates/batch-1.zip", "files/instance/secret_key"} <= listed
    assert not any(".upload-" in path or "queue.db" in path for path in listed)
    assert manifest["schema_revision"] == manifest["schema_head"]
    assert token not in created.output and token not in (folder / "manifest.json").read_text()

    restored = _restore(make_target(), folder)

    assert restored.exit_code == 0, restored.output
    assert "1 waiting job(s) queued again" in restored.output
    server = make_target()  # the restored installation starting up
    with server.app_context():
        after_rows = _rows()
        assert server.extensions["coachprog.queue"].huey.pending_count() == 1
    # Every table has the same rows; the audit log has one more: the restore itself.
    restored_audit = [row for row in after_rows.pop("audit_entries")
                      if "backup.restored" not in row]
    assert restored_audit == before_rows.pop("audit_entries")
    assert after_rows == before_rows
    assert sum(len(rows) for rows in after_rows.values()) > 300
    assert _files(Path(server.instance_path)) == before_files
    # The session-signing key came back with the instance folder.
    assert server.config["SECRET_KEY"] == (stored_files / "secret_key").read_text().strip()

    client = server.test_client()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.get_data(as_text=True)
    assert me.get_json()["email"] == "admin@demo.example"
    assert client.get("/").status_code == 302  # to the sign-in page
    signed_in = Auth(client).login("admin@demo.example", DEMO_PASSWORD)
    assert signed_in.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert b"Program administration" in home.data


@pytest.fixture
def small_backup(app, runner, stored_files, tmp_path) -> Path:
    folder = tmp_path / "backup"
    result = runner.invoke(args=["backup", "create", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _assert_target_untouched(target: Flask) -> None:
    with target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
        instance = Path(target.instance_path)
        assert {p.name for p in instance.rglob("*") if p.is_file()} <= {
            "secret_key", *IGNORED, "restored.db", "restored.db-wal", "restored.db-shm"}


def test_a_tampered_file_is_named_and_nothing_is_restored(small_backup, make_target) -> None:
    wav = small_backup / "files" / "recordings" / "5f" / "session.wav"
    data = bytearray(wav.read_bytes())
    data[-1] ^= 0x01
    wav.write_bytes(bytes(data))
    target = make_target()

    result = _restore(target, small_backup)

    assert result.exit_code == 1
    assert "failed its checksum verification; nothing was restored" in result.output
    assert ("files/recordings/5f/session.wav does not match its SHA-256 checksum"
            in result.output)
    _assert_target_untouched(target)


def test_a_missing_folder_is_refused(make_target, tmp_path) -> None:
    result = _restore(make_target(), tmp_path / "nowhere")

    assert result.exit_code == 1
    assert f"There is no backup folder {tmp_path / 'nowhere'}" in result.output


def test_a_folder_without_a_manifest_is_refused(small_backup, make_target) -> None:
    (small_backup / "manifest.json").unlink()

    result = _restore(make_target(), small_backup)

    assert result.exit_code == 1
    assert "has no manifest.json: it is not a backup, or its creation did not finish" in (
        result.output)


def test_a_corrupt_manifest_is_refused(small_backup, make_target) -> None:
    manifest = small_backup / "manifest.json"
    manifest.write_text(manifest.read_text()[:-40])
    target = make_target()

    result = _restore(target, small_backup)

    assert result.exit_code == 1
    assert "is damaged or not a coachprog manifest" in result.output
    assert "not valid JSON" in result.output
    _assert_target_untouched(target)


def _edit_manifest(folder: Path, **changes: Any) -> None:
    path = folder / "manifest.json"
    raw = json.loads(path.read_text())
    raw.update(changes)
    path.write_text(json.dumps(raw))


def test_a_backup_of_the_other_database_kind_is_refused(small_backup, make_target,
                                                        database_url) -> None:
    other = "postgresql" if database_url.startswith("sqlite") else "sqlite"
    raw = json.loads((small_backup / "manifest.json").read_text())
    _edit_manifest(small_backup, database_kind=other,
                   database={**raw["database"], "path": domain.DATABASE_FILES[other]})
    target = make_target()

    result = _restore(target, small_backup)

    assert result.exit_code == 1
    assert f"The backup holds a {other} database but this installation uses" in result.output
    _assert_target_untouched(target)


def test_a_backup_from_a_newer_schema_is_refused(small_backup, make_target) -> None:
    _edit_manifest(small_backup, schema_revision="9999_from_the_future")
    target = make_target()

    result = _restore(target, small_backup)

    assert result.exit_code == 1
    assert "9999_from_the_future is newer than (or unknown to) this code" in result.output
    _assert_target_untouched(target)


def test_restoring_into_a_used_installation_is_refused(app, small_backup) -> None:
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(small_backup)])

    assert result.exit_code == 1
    assert "The installation to restore into is not empty" in result.output
    assert "the database already has" in result.output
    assert "the recordings folder" in result.output and "5f/session.wav" in result.output


def test_create_refuses_a_folder_that_holds_files(runner, tmp_path) -> None:
    folder = tmp_path / "old-backup"
    _write(folder / "manifest.json", b"{}")

    result = runner.invoke(args=["backup", "create", str(folder)])

    assert result.exit_code == 1
    assert "already exists and is not an empty folder" in result.output
    assert (folder / "manifest.json").read_bytes() == b"{}"


@pytest.mark.parametrize(("inside", "area"), [("recordings/backup", "recordings"),
                                              ("backups/today", "instance")])
def test_create_refuses_a_folder_inside_a_file_area(app, runner, inside, area) -> None:
    folder = Path(app.instance_path) / inside

    result = runner.invoke(args=["backup", "create", str(folder)])

    assert result.exit_code == 1
    assert f"is inside the {area} folder; put backups elsewhere" in result.output
    assert not folder.exists()


def test_restore_refuses_when_the_database_cannot_be_reached(small_backup, tmp_path,
                                                            database_url) -> None:
    unreachable = (f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}"
                   if database_url.startswith("sqlite")
                   else "postgresql+psycopg://coachprog:s3cret-pw@127.0.0.1:1/none")
    target = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "unreachable"),
                         "SQLALCHEMY_DATABASE_URI": unreachable,
                         "COACHPROG_QUEUE": "sqlite", "RATELIMIT_STORAGE_URI": "memory://"})

    result = _restore(target, small_backup)

    assert result.exit_code == 1
    assert "The database cannot be reached (" in result.output
    assert "s3cret-pw" not in result.output
    assert "Traceback" not in result.output


def test_a_backup_from_an_older_schema_is_migrated_to_head(tmp_path) -> None:
    from flask_migrate import upgrade

    from coachprog.backup.services import _migration_history

    def sqlite_app(name: str) -> Flask:
        return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / name),
                           "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.db",
                           "COACHPROG_QUEUE": "sqlite", "RATELIMIT_STORAGE_URI": "memory://"})

    source = sqlite_app("old")
    with source.app_context():
        revisions, head = _migration_history()
        older = revisions[-2]
        upgrade(revision=older)
        created = source.test_cli_runner().invoke(args=["backup", "create",
                                                        str(tmp_path / "backup")])
        assert created.exit_code == 0, created.output
        assert "not this code's head" in created.output
        db.engine.dispose()
    target = sqlite_app("new")

    restored = _restore(target, tmp_path / "backup")

    assert restored.exit_code == 0, restored.output
    assert f"migrated from {older}" in restored.output
    with target.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT version_num FROM alembic_version")
                                      ).scalar_one() == head
        db.engine.dispose()
