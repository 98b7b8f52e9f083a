"""Practicum commands: enrol an appointed coach, print a coach's verified hours."""

from __future__ import annotations

from datetime import date

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from coachprog.authority import SystemActor
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance.services import Origin, set_origin
from coachprog.people.models import Person
from coachprog.practicum.ledger import services


def init_app(app: Flask) -> None:
    """Register this domain's `flask --app wsgi …` commands."""
    group = AppGroup("practicum", help="The practicum hours ledger.")

    def _person_id(employee_id: str) -> int:
        found = db.session.scalar(sa.select(Person.id).where(Person.employee_id == employee_id))
        if found is None:
            raise click.ClickException(f"No person with employee id {employee_id}.")
        return int(found)

    @group.command("enrol")
    @click.argument("employee_id")
    @click.option("--start", "start", required=True, type=click.DateTime(["%Y-%m-%d"]),
                  help="The practicum's start date, YYYY-MM-DD.")
    def enrol_command(employee_id: str, start: object) -> None:
        """Enrol an appointed coach in the standard practicum."""
        set_origin(Origin(ip=None, via="cli"))
        start_date: date = start.date()  # type: ignore[attr-defined]
        try:
            row = services.enrol(SystemActor("practicum enrol"), _person_id(employee_id),
                                 start_date=start_date)
        except DomainError as error:
            db.session.rollback()
            problems = [m for ms in error.field_errors.values() for m in ms]
            raise click.ClickException(" ".join([error.message, *problems])) from None
        db.session.commit()
        click.echo(f"Enrolled {employee_id} in {row.program.name} from {start_date}.")

    @group.command("hours")
    @click.argument("employee_id")
    def hours_command(employee_id: str) -> None:
        """Print a coach's verified hours (the figures certification reads)."""
        s = services.hours_summary(_person_id(employee_id))
        click.echo(f"coached {s.coached_hours:g} h (target met: {s.coached_target_met}), "
                   f"lab {s.lab_hours:g} h (target met: {s.lab_target_met}), development "
                   f"{s.development_hours:g} h, {s.unique_coachees} unique coachees")

    app.cli.add_command(group)
