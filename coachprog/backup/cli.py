"""Backup commands (`flask --app wsgi backup create|restore DIR`), run by the operator at the
server's shell as the system actor. Output names files and counts, never a secret."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from coachprog.authority import SystemActor
from coachprog.backup.services import BackupRefused, create_backup, restore_backup
from coachprog.extensions import db
from coachprog.governance.services import Origin, set_origin

backup_cli = AppGroup("backup", help="Back up the installation, or restore a backup.")


def _refuse(error: Exception) -> None:
    db.session.rollback()
    click.echo(f"Error: {getattr(error, 'message', str(error))}", err=True)
    for problem in getattr(error, "problems", []):
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


def _unreachable(error: sa.exc.OperationalError) -> Exception:
    # The driver's first line says what failed (host, refusal); never the URL or password.
    first = str(error.orig).strip().splitlines()[0] if error.orig else "no answer"
    return RuntimeError(f"The database cannot be reached ({first}).")


def _size(total: int) -> str:
    return f"{total / 1024 / 1024:.1f} MiB" if total >= 1024 * 1024 else f"{total} bytes"


def _carry_out(service: Any, command: str, folder: Path) -> Any:
    """Run a backup service as the operator at the shell and commit; a refusal (or a database
    that cannot be reached) is said in words with exit status 1, and None comes back."""
    set_origin(Origin(ip=None, via="cli"))
    try:
        result = service(SystemActor(command), folder)
    except BackupRefused as refused:
        _refuse(refused)
        return None
    except sa.exc.OperationalError as error:
        _refuse(_unreachable(error))
        return None
    db.session.commit()
    return result


@backup_cli.command("create")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def create_command(folder: Path) -> None:
    """Write a consistent snapshot of the database and a copy of every stored file, with a
    manifest of SHA-256 checksums, into FOLDER (new or empty)."""
    started = time.monotonic()
    result = _carry_out(create_backup, "backup create", folder)
    if result is None:
        return
    manifest = result.manifest
    click.echo(f"Backup written to {folder}: {manifest.database_kind} database at schema "
               f"{manifest.schema_revision}, {len(manifest.files)} file(s), "
               f"{_size(manifest.total_bytes)} in {time.monotonic() - started:.1f} s.")
    for path in manifest.skipped:
        click.echo(f"  skipped {path}: deleted while the backup ran", err=True)
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)


@backup_cli.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def restore_command(folder: Path) -> None:
    """Verify the backup in FOLDER and restore it into this empty installation (the instance
    folder and database configured for it)."""
    started = time.monotonic()
    result = _carry_out(restore_backup, "backup restore", folder)
    if result is None:
        return
    # The queue file is not part of a backup: jobs still waiting are queued again, after the
    # commit, as every job is.
    queue = current_app.extensions["coachprog.queue"]
    for job_id in result.queued_job_ids:
        queue.enqueue_job(job_id)
    manifest = result.manifest
    upgraded = (f", migrated from {result.upgraded_from}" if result.upgraded_from else "")
    click.echo(f"Restored the backup of {manifest.created_at:%Y-%m-%d %H:%M} UTC: "
               f"{manifest.database_kind} database{upgraded}, {len(manifest.files)} file(s), "
               f"{len(result.queued_job_ids)} waiting job(s) queued again, in "
               f"{time.monotonic() - started:.1f} s.")
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_cli)
