"""Operator commands: `flask --app wsgi <group> <command>`. Each builds on the same services
as the pages, acting as the trusted system actor, and commits once."""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from coachprog.audits.fidelity.cli import init_app as fidelity_cli
from coachprog.audits.sampling.cli import init_app as audits_cli
from coachprog.auth import services as auth_services
from coachprog.auth.models import User
from coachprog.authority import SystemActor
from coachprog.backup.cli import init_app as backup_cli
from coachprog.bias_audit.cli import init_app as bias_audit_cli
from coachprog.certification.cli import init_app as certification_cli
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance.services import Origin, set_origin
from coachprog.people.data_rights import pdf as data_pdf
from coachprog.people.data_rights import services as data_rights
from coachprog.people.domain import parse_people_csv
from coachprog.people.services import ImportRejected, import_people
from coachprog.practicum.cli import init_app as practicum_cli
from coachprog.program.cli import init_app as program_cli
from coachprog.recordings.cli import init_app as recordings_cli
from coachprog.roles import Role, parse_role
from coachprog.rubrics.cli import rubrics_cli
from coachprog.runtime.serving import access_log, waitress_options, wsgi_for_waitress
from coachprog.seed.demo import seed_demo
from coachprog.seed.large import AlreadyGenerated, Sizes, generate
from coachprog.seed.people import DEMO_ACCOUNTS

people_cli = AppGroup("people", help="The people directory.")
users_cli = AppGroup("users", help="Accounts, roles and API tokens.")


def _system(label: str) -> SystemActor:
    set_origin(Origin(ip=None, via="cli"))
    return SystemActor(label)


@people_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_people_command(csv_file: Path) -> None:
    """Import people from an HRIS CSV export; nothing is written unless every row is valid."""
    plan = parse_people_csv(csv_file.read_bytes())
    try:
        summary = import_people(_system("people import"), plan, source=f"cli:{csv_file.name}")
    except ImportRejected as rejected:
        db.session.rollback()
        for error in rejected.errors:
            click.echo(f"{csv_file}:{error.describe()}", err=True)
        if rejected.more:
            click.echo(f"… and {rejected.more} more problem(s).", err=True)
        click.echo(f"{rejected.total} problem(s); nothing was imported.", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Imported {summary.total} people: {summary.created} created, "
               f"{summary.updated} updated, {summary.unchanged} unchanged.")


@people_cli.command("export-data")
@click.argument("employee_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON here (default: standard output).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the readable PDF summary here.")
def export_data_command(employee_id: str, output: Path | None, pdf_path: Path | None) -> None:
    """Everything held about one person, as JSON (and a PDF summary); the export is audited."""
    try:
        export = data_rights.export_person_data(_system("people export-data"), employee_id)
    except NotFound:
        click.echo(f"No person has employee id {employee_id!r}; nothing was exported.", err=True)
        sys.exit(1)
    db.session.commit()
    text = json.dumps(export, indent=2, ensure_ascii=False)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"Wrote {output}.", err=True)
    if pdf_path is not None:
        pdf_path.write_bytes(data_pdf.render_pdf(export))
        click.echo(f"Wrote {pdf_path}.", err=True)


@people_cli.command("erase")
@click.argument("employee_id")
@click.option("--reason", required=True, help="Why (kept with the erasure record).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(employee_id: str, reason: str, yes: bool) -> None:
    """Erase a person: identifiers replaced by a pseudonym everywhere, their text and session
    recordings removed, counts kept. Cannot be undone."""
    if not yes:
        click.confirm(f"Erase the person with employee id {employee_id!r}? This cannot be "
                      "undone.", abort=True)
    try:
        erasure = data_rights.erase_now(_system("people erase"), employee_id, reason)
    except DomainError as error:
        db.session.rollback()
        problems = [m for ms in error.field_errors.values() for m in ms] or [error.message]
        for problem in problems:
            click.echo(problem, err=True)
        click.echo("Nothing was erased.", err=True)
        sys.exit(1)
    db.session.commit()
    compacted = data_rights.compact_database()
    removed = ", ".join(f"{key}: {count}" for key, count in erasure.summary.items())
    click.echo(f"Erased. The person is now {erasure.person.name}. Removed: {removed or 'nothing'}.")
    if compacted.get("busy"):
        click.echo("The database's write-ahead log could not be truncated while other "
                   "connections were reading; see docs/deployment.md (erasure) for the "
                   "step to run when the app is idle.", err=True)


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Display name (defaults to the e-mail).")
@click.password_option(help="Prompted for when not given.")
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an account with the admin role (the first sign-in on a new installation)."""
    try:
        auth_services.create_user(_system("users create-admin"), email=email,
                                  display_name=name or email, password=password,
                                  roles=(Role.ADMIN,))
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Admin account {email.strip().lower()} created.")


@users_cli.command("grant-role")
@click.argument("email")
@click.argument("role")
def grant_role_command(email: str, role: str) -> None:
    """Grant ROLE (admin, master_coach, lead_coach, coach, rater, sponsor, manager)."""
    user = _user_or_fail(email)
    try:
        auth_services.grant_role(_system("users grant-role"), user, parse_role(role))
    except (DomainError, ValueError) as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{user.email} now holds {role}.")


@users_cli.command("revoke-role")
@click.argument("email")
@click.argument("role")
def revoke_role_command(email: str, role: str) -> None:
    """Revoke ROLE from the account."""
    user = _user_or_fail(email)
    try:
        auth_services.revoke_role(_system("users revoke-role"), user, parse_role(role))
    except (DomainError, ValueError) as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{user.email} no longer holds {role}.")


@users_cli.command("create-token")
@click.argument("email")
@click.option("--name", default="created on the command line", show_default=True)
def create_token_command(email: str, name: str) -> None:
    """Create a personal API token for EMAIL and print it once."""
    user = _user_or_fail(email)
    try:
        _, secret = auth_services.create_api_token(_system("users create-token"), user, name=name)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(secret)
    click.echo("Store it now: it is not shown again.", err=True)


def _user_or_fail(email: str) -> User:
    user = auth_services.get_user_by_email(email)
    if user is None:
        click.echo(f"No account with e-mail {email}.", err=True)
        sys.exit(1)
    return user


def _fail(error: Exception) -> None:
    message = getattr(error, "message", str(error))
    click.echo(f"Error: {message}", err=True)
    for field, problems in getattr(error, "field_errors", {}).items():
        for problem in problems:
            click.echo(f"  {field}: {problem}", err=True)
    sys.exit(1)


@click.command("seed")
@click.option("--people", default=320, show_default=True, help="Size of the demo organisation "
              "(with --coaches and the other sizes: of the whole directory).")
@click.option("--coaches", type=click.IntRange(min=1), help="Generate a large organisation "
              "with this many appointed coaches beside the demo (see docs/performance.md).")
@click.option("--sessions", type=click.IntRange(min=0), help="Coaching sessions to generate.")
@click.option("--hour-entries", type=click.IntRange(min=0), help="Practicum hour entries.")
@click.option("--seed", "random_seed", default=1, show_default=True,
              help="Random seed of the large organisation.")
def seed_command(people: int, coaches: int | None, sessions: int | None,
                 hour_entries: int | None, random_seed: int) -> None:
    """Seed the demo organisation, one login per role, and demo calibration and assessments
    (running it again adds nothing); with --coaches, --sessions or --hour-entries, also a
    large organisation generated in bulk (once per database)."""
    large = any(size is not None for size in (coaches, sessions, hour_entries))
    password = seed_demo(_system("seed"), people=320 if large else people)
    db.session.commit()
    if large:
        _seed_large(password, people, coaches, sessions, hour_entries, random_seed)
    base = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
    click.echo("\nDemo logins (one per role), all with the password: " + password)
    for email, role, _ in DEMO_ACCOUNTS:
        click.echo(f"  {email:<24} {role}")
    click.echo(f"Sign in at {base}/login\n")


def _seed_large(password: str, people: int, coaches: int | None, sessions: int | None,
                hour_entries: int | None, random_seed: int) -> None:
    """The large organisation; sizes not given follow from the others (a coach in five
    people, fifty sessions and five hour entries per coach session)."""
    coaches = coaches or max(1, people // 5)
    sizes = Sizes(people=people, coaches=coaches,
                  sessions=coaches * 50 if sessions is None else sessions,
                  hour_entries=coaches * 250 if hour_entries is None else hour_entries)
    click.echo(f"Generating {sizes.people} people, {sizes.coaches} coaches, {sizes.sessions} "
               f"sessions, {sizes.hour_entries} hour entries (seed {random_seed}):")
    try:
        counts = generate(auth_services.hash_password(password), sizes, seed=random_seed,
                          echo=click.echo)
    except (AlreadyGenerated, ValueError) as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Planner statistics for the bulk-loaded tables now, not whenever autovacuum (off on
        # some installations) gets to them: without them PostgreSQL guesses a few hundred rows
        # per table and plans the large aggregates badly (sorts spilled to disk).
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    click.echo(f"  {sum(counts.values())} rows written.")


@click.command("serve")
@click.option("--threads", default=8, show_default=True)
def serve_command(threads: int) -> None:
    """Serve the app with waitress on HOST:PORT, running the job worker in-process."""
    from waitress import serve


    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["COACHPROG_QUEUE"] == "sqlite":
        app.extensions["coachprog.queue"].start_in_process_consumer()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    options = waitress_options(app)
    app.logger  # noqa: B018 - creating it gives the "coachprog" loggers Flask's handler
    if access_log.level == logging.NOTSET:
        access_log.setLevel(logging.INFO)
    click.echo(f"coachprog is serving on http://{host}:{port}/ (Ctrl-C stops it)")
    if options:
        click.echo(f"Trusting {options['trusted_proxy_count']} proxy hop(s) from "
                   f"{options['trusted_proxy']} for the client's address and scheme")
    # Objects made at start (modules, the app, SQLAlchemy's mappers) live as long as the
    # process: moved out of the collector's reach, full collections stop walking them on
    # every pass (the ~170 ms p95 spikes of light pages on a large organisation, issue 20).
    gc.collect()
    gc.freeze()
    serve(wsgi_for_waitress(app), host=host, port=port, threads=threads, ident="coachprog",
          **options)


@click.command("worker")
@click.option("--workers", default=2, show_default=True)
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Also schedule the periodic jobs (stale-job sweeper, nightly retention "
                   "purge, daily certification tick). With workers on several hosts, leave "
                   "it on one of them (docs/deployment.md).")
def worker_command(workers: int, periodic: bool) -> None:
    """Run job workers (for COACHPROG_REDIS_URL deployments; `serve` runs one in-process)."""
    queue = current_app.extensions["coachprog.queue"]
    click.echo(f"coachprog worker: {workers} worker thread(s) on the "
               f"{current_app.config['COACHPROG_QUEUE']} queue"
               + ("" if periodic else ", periodic jobs left to another worker"))
    queue.start_worker()  # jobs a dead worker left running go back in the queue at once
    queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic).run()


def init_app(app: Flask) -> None:
    app.cli.add_command(rubrics_cli)
    app.cli.add_command(people_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(worker_command)
    recordings_cli(app)
    practicum_cli(app)
    audits_cli(app)
    fidelity_cli(app)
    certification_cli(app)
    backup_cli(app)
    program_cli(app)
    bias_audit_cli(app)
