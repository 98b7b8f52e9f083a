"""Certification commands (`flask --app wsgi certification …`)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from coachprog.certification.jobs import scheduled_tick
from coachprog.certification.levels.files import LevelsInvalid
from coachprog.certification.levels.services import levels_file, levels_policy
from coachprog.governance.services import Origin, set_origin

certification_cli = AppGroup("certification", help="Certification levels and clocks.")


@certification_cli.command("tick")
def tick_command() -> None:
    """Lapse certifications past due and send the 60/30/7-day reminders (idempotent)."""
    summary = scheduled_tick()
    set_origin(Origin(ip=None, via="cli"))
    for failure in summary.failures:  # the rest went ahead; each is in the audit log too
        click.echo(failure.line(), err=True)
    click.echo(f"{'OK' if not summary.failures else 'Done with failures'}: {summary.line()}.")
    if summary.failures:
        sys.exit(1)


@certification_cli.command("check-levels")
def check_levels_command() -> None:
    """Validate the levels file; print each problem as `file:path: reason`."""
    try:
        policy = levels_policy()
    except LevelsInvalid as invalid:
        for path, reason in invalid.problems:
            click.echo(f"{levels_file()}:{path}: {reason}", err=True)
        sys.exit(1)
    click.echo(f"OK: {levels_file()} version {policy.version}, {len(policy.levels)} level(s).")


def init_app(app: Flask) -> None:
    """Register this domain's `flask --app wsgi …` commands."""
    app.cli.add_command(certification_cli)
