"""`flask --app wsgi rubrics …` commands.

`check` validates every file in COACHPROG_RUBRICS_DIR without needing a database, and adds the
immutability check when the database is reachable and migrated. `load` records the files'
versions (idempotent). `schema` prints the JSON Schema committed as rubrics/schema.json.
The app's own start-up check is skipped for these commands (see `files.startup_check`), so
they can run, and report, while a file is broken.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.governance.services import Origin, set_origin
from coachprog.rubrics.files import check_rubric_directory
from coachprog.rubrics.schema import rubric_json_schema_text
from coachprog.rubrics.services import RubricRejected, check_recorded_versions, load_rubric_files

rubrics_cli = AppGroup("rubrics", help="Rubric files and versions.")


def _directory(directory: Path | None) -> Path:
    return directory or Path(current_app.config["COACHPROG_RUBRICS_DIR"])


def _database_note() -> str | None:
    """Why the immutability check cannot run, or None when it can."""
    try:
        with db.engine.connect() as connection:
            if not sa.inspect(connection).has_table("rubric_versions"):
                return "the database is not migrated"
    except sa.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        return f"the database is not reachable ({reason[0] if reason else type(error).__name__})"
    return None


dir_option = click.option(
    "--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
    help="Rubric directory (default: COACHPROG_RUBRICS_DIR).")


@rubrics_cli.command("check")
@dir_option
def check_command(directory: Path | None) -> None:
    """Validate every rubric file; print each problem as `file:path: reason`."""
    set_origin(Origin(ip=None, via="cli"))
    directory = _directory(directory)
    check = check_rubric_directory(directory)
    problems = list(check.problems)
    note = _database_note()
    if note is None:
        problems += check_recorded_versions(SystemActor("rubrics check"), check.files)
        db.session.rollback()
    for problem in problems:
        click.echo(problem.describe(), err=True)
    if note is not None:
        click.echo(f"Immutability of used versions not checked: {note}.", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {directory}.", err=True)
        sys.exit(1)
    scope = "files and recorded versions" if note is None else "files only"
    click.echo(f"OK: {len(check.files)} rubric file(s) valid in {directory} ({scope}).")


@rubrics_cli.command("load")
@dir_option
def load_command(directory: Path | None) -> None:
    """Record each file's version in the database; unchanged files are left alone."""
    set_origin(Origin(ip=None, via="cli"))
    try:
        summary = load_rubric_files(SystemActor("rubrics load"), _directory(directory))
    except RubricRejected as rejected:
        db.session.rollback()
        for problem in rejected.problems:
            click.echo(problem.describe(), err=True)
        click.echo(rejected.message, err=True)
        sys.exit(1)
    db.session.commit()
    counts = summary.as_dict()
    click.echo(f"Rubrics: {counts['recorded']} recorded, {counts['replaced']} replaced, "
               f"{counts['unchanged']} unchanged.")
    for label in summary.recorded:
        click.echo(f"  recorded {label}")
    for label in summary.replaced:
        click.echo(f"  replaced {label} (not used by any score yet)")


@rubrics_cli.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of a rubric file (commit it as rubrics/schema.json)."""
    click.echo(rubric_json_schema_text(), nl=False)
