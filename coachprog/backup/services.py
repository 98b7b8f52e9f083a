"""Backup and restore use cases: snapshot the database and copy every stored file into a
folder with a manifest of checksums; restore such a folder into an empty installation.

The database snapshot is consistent on its own: SQLite's online backup API (safe while the
app and worker write, WAL included) or `pg_dump --format=custom` (one transaction). Files are
copied after the snapshot; one that disappears meanwhile (a purge) is listed as skipped, never
copied half. The manifest is written last, so a folder without one is an unfinished backup.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

import coachprog.backup.permissions  # noqa: F401 - registers can_manage_backups
from coachprog.authority import require
from coachprog.backup import domain
from coachprog.db import utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance.services import record
from coachprog.jobs.models import Job
from coachprog.storage import AREA_SETTINGS, LocalStorage, store_for

# Files the app writes into a fresh instance folder on its own start: an instance holding only
# these is empty. The generated secret_key is replaced by the backup's.
SELF_CREATED = frozenset({"secret_key", "queue.db", "queue.db-wal", "queue.db-shm"})
# The job queue's own SQLite file only says "row N is ready"; the job rows are the truth and a
# restore queues the queued ones again, so the file is not backed up.
QUEUE_FILES = frozenset({"queue.db", "queue.db-wal", "queue.db-shm", "queue.db-journal"})
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


class BackupRefused(DomainError):  # noqa: N818 - reads as the refusal it is
    """The backup or restore cannot go ahead; `problems` names each reason."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class BackupResult:
    manifest: domain.Manifest
    folder: Path
    notes: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: domain.Manifest
    upgraded_from: str | None
    queued_job_ids: list[int]
    notes: list[str] = field(default_factory=list)


# --- where things are ----------------------------------------------------------------------


def area_roots() -> dict[str, Path]:
    """Every folder the installation stores files in, by area, as configured (a folder may be
    outside the instance)."""
    roots: dict[str, Path] = {}
    for area in AREA_SETTINGS:
        store = store_for(area)
        # Files in object storage are not on this machine: the bucket keeps its own copies
        # (versioning, replication), as docs/backup.md says.
        if isinstance(store, LocalStorage):
            roots[area] = store.root
    roots["instance"] = Path(current_app.instance_path)
    return roots


def database_kind() -> str:
    url = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    kind = domain.database_kind(url)
    if kind is None:
        raise BackupRefused(f"The database ({sa.engine.make_url(url).drivername}) is neither "
                            "SQLite nor PostgreSQL; back it up with its own tools.")
    return kind


def _sqlite_path() -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupRefused("The SQLite database is not a file on disk; there is nothing to "
                            "back up or restore into.")
    return Path(name).resolve()


def _excluded_from_instance() -> tuple[set[Path], list[Path]]:
    """Files and folders of the instance that the "instance" area leaves out: the database
    (copied through its snapshot), the queue file and the other areas' folders."""
    files: set[Path] = set()
    instance = Path(current_app.instance_path).resolve()
    if database_kind() == "sqlite":
        files.update(Path(f"{_sqlite_path()}{suffix}") for suffix in SQLITE_SIDE_FILES)
    files.update(instance / name for name in QUEUE_FILES)
    folders = [root.resolve() for area, root in area_roots().items() if area != "instance"]
    return files, folders


def _walk(area: str, root: Path) -> Iterator[tuple[Path, str]]:
    """(absolute path, path relative to the area root) of each regular file in `area`, sorted;
    symbolic links and half-written files are left out."""
    root = root.resolve()
    if not root.is_dir():
        return
    skip_files, skip_folders = _excluded_from_instance() if area == "instance" else (set(), [])
    for folder, subfolders, names in os.walk(root):
        here = Path(folder)
        subfolders[:] = sorted(name for name in subfolders
                               if not (here / name).is_symlink()
                               and (here / name).resolve() not in skip_folders)
        for name in sorted(names):
            path = here / name
            if path in skip_files or domain.is_transient(name) or path.is_symlink():
                continue
            if path.is_file():
                yield path, path.relative_to(root).as_posix()


# --- small file helpers --------------------------------------------------------------------


def _copy_hashed(source: Path, target: Path) -> tuple[int, str]:
    """Copy `source` to the new file `target` (owner-only), returning the size and SHA-256 of
    the bytes written."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as reader, os.fdopen(fd, "wb") as writer:
        measured = domain.hash_stream(reader, writer.write)
        writer.flush()
        os.fsync(writer.fileno())
    return measured


def _measure(path: Path) -> tuple[int, str]:
    with path.open("rb") as reader:
        return domain.hash_stream(reader)


def _write_atomically(target: Path, data: bytes) -> None:
    temp = target.parent / f".restore-{secrets.token_hex(8)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as writer:
            writer.write(data)
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


# --- schema ---------------------------------------------------------------------------------


def _migration_history() -> tuple[list[str], str]:
    """This code's revisions, base → head, and the head."""
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    revisions = [revision.revision for revision in script.walk_revisions()]
    revisions.reverse()
    head = script.get_current_head()
    return revisions, str(head)


def _database_revision() -> str | None:
    if not sa.inspect(db.engine).has_table("alembic_version"):
        return None
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
        versions = sorted(rows)
    return versions[0] if len(versions) == 1 else None


# --- PostgreSQL tools -----------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists()
                                   else None)
    if found is None:
        raise BackupRefused(f"{name} was not found on PATH; install the PostgreSQL client "
                            "tools of the server's major version.")
    return found


def _pg_environment() -> tuple[dict[str, str], str]:
    """Connection settings for pg_dump/pg_restore as environment variables, so the password
    never appears on a command line (visible to every user in `ps`) or in an error."""
    url = db.engine.url
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password)):
        if value is not None:
            env[key] = str(value)
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY")):
        setting = url.query.get(option)
        if isinstance(setting, str):
            env[variable] = setting
    if not url.database:
        raise BackupRefused("The PostgreSQL URL names no database.")
    return env, url.database


def _run_pg(arguments: list[str], what: str) -> None:
    env, database = _pg_environment()
    completed = subprocess.run(  # noqa: S603 - fixed tool, arguments built here
        [*arguments, f"--dbname={database}"], env=env, capture_output=True, text=True,
        check=False)
    if completed.returncode != 0:
        detail = completed.stderr.strip().splitlines()
        raise BackupRefused(f"{what} failed (exit {completed.returncode}).", detail[-10:])


# --- create ---------------------------------------------------------------------------------


def _prepare_folder(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupRefused(f"{folder} already exists and is not an empty folder; give a new "
                            "folder so no earlier backup is overwritten.")
    for area, root in area_roots().items():
        if folder.resolve().is_relative_to(root.resolve()):
            # It would be copied into the next backup, and restored as data.
            raise BackupRefused(f"{folder} is inside the {area} folder; put backups elsewhere.")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (folder / domain.FILES_FOLDER).mkdir(mode=0o700)


def _snapshot_database(kind: str, target: Path) -> None:
    if kind == "sqlite":
        source_path = _sqlite_path()
        if not source_path.exists():
            raise BackupRefused(f"The SQLite database {source_path} does not exist.")
        source = sqlite3.connect(source_path, timeout=30)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        copy = sqlite3.connect(target)
        try:
            # One step: the copy is a single consistent read of the database, WAL included.
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    _run_pg([_pg_tool("pg_dump"), "--format=custom", "--compress=6", f"--file={target}"],
            "pg_dump")
    target.chmod(0o600)


def create_backup(actor: Any, folder: Path, *, now: datetime | None = None) -> BackupResult:
    """Write a backup of the whole installation into `folder` (new or empty)."""
    require(actor, "can_manage_backups")
    kind = database_kind()
    _prepare_folder(folder)
    try:
        return _write_backup(actor, folder, kind, now or utcnow())
    except BaseException as error:
        # The folder was new or empty: an unfinished backup is removed, never left to restore.
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(error, OSError):
            raise BackupRefused(f"The backup could not be written ({error.strerror or error}); "
                                f"nothing was kept in {folder}.") from error
        raise


def _write_backup(actor: Any, folder: Path, kind: str, created_at: datetime) -> BackupResult:
    database_file = folder / domain.DATABASE_FILES[kind]
    _snapshot_database(kind, database_file)
    size, sha = _measure(database_file)
    database_entry = domain.FileEntry(domain.DATABASE_FILES[kind], size, sha)
    revision = _database_revision()
    _, head = _migration_history()

    entries: list[domain.FileEntry] = []
    skipped: list[str] = []
    for area, root in area_roots().items():
        for source, relative in _walk(area, root):
            backup_path = domain.file_path(area, relative)
            target = folder / backup_path
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                size, sha = _copy_hashed(source, target)
            except FileNotFoundError:
                # Deleted after it was listed (a purge or withdrawal): not half copied.
                target.unlink(missing_ok=True)
                skipped.append(backup_path)
                continue
            entries.append(domain.FileEntry(backup_path, size, sha))

    manifest = domain.Manifest(created_at=created_at, database_kind=kind,
                               schema_revision=revision, schema_head=head,
                               database=database_entry, files=tuple(entries),
                               skipped=tuple(skipped))
    _write_atomically(folder / domain.MANIFEST_NAME, manifest.to_json().encode())
    notes: list[str] = []
    if current_app.config.get("COACHPROG_STORAGE_URL"):
        notes.append("Files in object storage (COACHPROG_STORAGE_URL) are not in this backup: "
                     "keep them with the bucket's versioning or replication.")
    if os.environ.get("COACHPROG_SECRET_KEY"):
        notes.append("COACHPROG_SECRET_KEY signs sessions and is not in the backup: keep it "
                     "with your other secrets.")
    if revision != head:
        notes.append(f"The database is at schema revision {revision}, not this code's head "
                     f"{head}; run `flask db upgrade`.")
    # Who copied everyone's data is worth knowing; the entry is written after the snapshot.
    record("backup.created", actor=actor, object_type="backup", object_id=None,
           detail={"folder": str(folder.resolve()), "files": len(entries),
                   "bytes": manifest.total_bytes, "database": kind})
    db.session.flush()
    return BackupResult(manifest=manifest, folder=folder, notes=notes)


# --- restore --------------------------------------------------------------------------------


def read_manifest(folder: Path) -> domain.Manifest:
    if not folder.exists():
        raise BackupRefused(f"There is no backup folder {folder}.")
    if not folder.is_dir():
        raise BackupRefused(f"{folder} is not a folder.")
    path = folder / domain.MANIFEST_NAME
    if not path.is_file():
        raise BackupRefused(f"{folder} has no {domain.MANIFEST_NAME}: it is not a backup, or "
                            "its creation did not finish.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BackupRefused(f"{path} cannot be read ({error}).") from None
    try:
        return domain.parse_manifest(text)
    except domain.ManifestInvalid as invalid:
        raise BackupRefused(f"{path} is damaged or not a coachprog manifest.",
                            invalid.problems) from None


def verify_backup(folder: Path, manifest: domain.Manifest) -> None:
    """Check every listed file's size and SHA-256; refuse naming each file that differs."""
    base = folder.resolve()

    def measure(relative: str) -> tuple[int, str] | None:
        path = folder / relative
        if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(base):
            return None
        return _measure(path)

    problems = domain.verify_entries(manifest.entries, measure)
    if problems:
        raise BackupRefused(f"The backup in {folder} failed its checksum verification; "
                            "nothing was restored.", problems)


def _target_problems() -> list[str]:
    """Why the installation is not an empty target (its database and every file area)."""
    problems: list[str] = []
    tables = sa.inspect(db.engine).get_table_names()
    if tables:
        problems.append(f"the database already has {len(tables)} table(s) "
                        f"({', '.join(sorted(tables)[:3])}, …)")
    for area, root in area_roots().items():
        found = [relative for _, relative in _walk(area, root)
                 if not (area == "instance" and relative in SELF_CREATED)]
        if found:
            problems.append(f"the {area} folder {root} already holds {len(found)} file(s) "
                            f"({', '.join(found[:3])})")
    return problems


def _restore_database(kind: str, snapshot: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        target_path = _sqlite_path()
        target_path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
        target = sqlite3.connect(target_path, timeout=30)
        try:
            # One step, one transaction on the target: all pages or none.
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        _run_pg([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                 "--single-transaction", str(snapshot)], "pg_restore")
    db.engine.dispose()


def _restore_files(folder: Path, manifest: domain.Manifest) -> None:
    roots = {area: root.resolve() for area, root in area_roots().items()}
    for entry in manifest.files:
        area = entry.area
        if area is None:
            continue
        root = roots[area]
        target = (root / entry.relative).resolve()
        if not target.is_relative_to(root):
            raise BackupRefused(f"{entry.path} would be written outside the {area} folder.")
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temp = target.parent / f".restore-{secrets.token_hex(8)}"
        try:
            size, sha = _copy_hashed(folder / entry.path, temp)
            if (size, sha) != (entry.size, entry.sha256):
                raise BackupRefused(f"{entry.path} changed while it was being restored; the "
                                    "database is restored but the files are incomplete: "
                                    "empty the installation and restore again.")
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)


def restore_backup(actor: Any, folder: Path) -> RestoreResult:
    """Restore the backup in `folder` into this (empty) installation.

    Every check comes before the first write: the manifest, the database kind, the schema
    revision, the target being empty, and the size and checksum of every file.
    """
    require(actor, "can_manage_backups")
    manifest = read_manifest(folder)
    kind = database_kind()
    if manifest.database_kind != kind:
        raise BackupRefused(f"The backup holds a {manifest.database_kind} database but this "
                            f"installation uses {kind}; restore it into a {manifest.database_kind}"
                            " installation.")
    revisions, head = _migration_history()
    plan = domain.plan_schema(manifest.schema_revision, revisions, head)
    if plan.refusal:
        raise BackupRefused(f"Refused: {plan.refusal}.")
    problems = _target_problems()
    if problems:
        raise BackupRefused("The installation to restore into is not empty; restore only into "
                            "a new instance folder and an empty database.", problems)
    verify_backup(folder, manifest)

    _restore_database(kind, folder / manifest.database.path)
    try:
        _restore_files(folder, manifest)
    except OSError as error:
        raise BackupRefused(f"A file could not be restored ({error}); the database is restored "
                            "but the files are incomplete: empty the installation and restore "
                            "again.") from error
    upgraded_from = None
    if plan.upgrade:
        from flask_migrate import upgrade

        upgrade()
        upgraded_from = manifest.schema_revision
        db.engine.dispose()
    queued = list(db.session.scalars(sa.select(Job.id).where(Job.status == "queued")
                                      .order_by(Job.id)))
    notes: list[str] = []
    if os.environ.get("COACHPROG_SECRET_KEY"):
        notes.append("COACHPROG_SECRET_KEY is set: it, not the restored instance/secret_key, "
                     "signs sessions.")
    record("backup.restored", actor=actor, object_type="backup", object_id=None,
           detail={"folder": str(folder.resolve()), "created_at": manifest.created_at.isoformat(),
                   "files": len(manifest.files), "upgraded_from": upgraded_from})
    db.session.flush()
    return RestoreResult(manifest=manifest, upgraded_from=upgraded_from, queued_job_ids=queued,
                         notes=notes)
