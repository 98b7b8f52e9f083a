"""Audit commands (`flask --app wsgi audits …`)."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from coachprog.audits import domain
from coachprog.audits.sampling import services
from coachprog.authority import SystemActor
from coachprog.errors import DomainError
from coachprog.extensions import db


def init_app(app: Flask) -> None:
    """Register this domain's `flask --app wsgi …` commands."""
    group = AppGroup("audits", help="Quarterly quality audits.")

    @group.command("sample")
    @click.option("--quarter", required=True, help="The quarter, like 2026Q4.")
    @click.option("--seed", type=int, default=None, help="Seed; random when left out.")
    @click.option("--percent", type=float, default=None,
                  help="Percentage of active coaches (default from config, at least 20).")
    @click.option("--override-reason", default="", help="Required below 20 %.")
    @click.option("--redraw-reason", default="",
                  help="Required when the quarter already has a sample (the old one is kept).")
    @click.option("--json", "as_json", is_flag=True, help="Print the sample record as JSON.")
    def sample_command(quarter: str, seed: int | None, percent: float | None,
                       override_reason: str, redraw_reason: str, as_json: bool) -> None:
        """Draw a quarter's audit sample and assign auditors."""
        try:
            sample = services.draw(SystemActor("audits sample"), quarter, seed=seed,
                                   percent=percent, override_reason=override_reason,
                                   redraw_reason=redraw_reason)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
        if as_json:
            click.echo(json.dumps({
                "id": sample.id, "quarter": sample.quarter, "seed": sample.seed,
                "method_version": sample.method_version, "percent": sample.percent,
                "override_reason": sample.override_reason, "population": sample.population,
                "drawn": sample.drawn,
                "auditors": {str(a.coach_person_id): a.auditor_user_id
                             for a in sample.audits}}, indent=2))
        else:
            click.echo(f"{sample.quarter}: drew {len(sample.drawn)} of "
                       f"{len(sample.population)} active coaches (seed {sample.seed}, "
                       f"method {sample.method_version}).")
            unassigned = sum(1 for a in sample.audits if a.auditor_user_id is None)
            if unassigned:
                click.echo(f"{unassigned} sampled coaches have no eligible auditor yet.")

    @group.command("verify")
    @click.option("--quarter", required=True)
    def verify_command(quarter: str) -> None:
        """Recompute the quarter's current sample from its record."""
        try:
            domain.parse_quarter(quarter)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        sample = services.current_sample(quarter.strip().upper())
        if sample is None:
            raise click.ClickException(f"No sample for {quarter}.")
        result = services.verify(SystemActor("audits verify"), sample.id)
        click.echo("matches" if result.matches else "DOES NOT MATCH")
        if not result.matches:
            raise SystemExit(1)

    app.cli.add_command(group)
