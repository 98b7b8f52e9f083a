"""`flask --app wsgi governance bias-audit --quarter 2026Q4 [--json]`: the quarterly bias audit
as the system actor; significant gaps open review items (unless `--dry-run`)."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from coachprog.authority import SystemActor
from coachprog.bias_audit import services
from coachprog.bias_audit.report import as_dict
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance.services import Origin, set_origin

GROUP_NAME = "governance"


@click.command("bias-audit")
@click.option("--quarter", required=True, help="The quarter, like 2026Q4.")
@click.option("--json", "as_json", is_flag=True, help="Print the audit as JSON.")
@click.option("--dry-run", is_flag=True, help="Open no review items.")
def bias_audit_command(quarter: str, as_json: bool, dry_run: bool) -> None:
    """The quarterly bias audit (aggregates only; groups under 5 withheld)."""
    set_origin(Origin(ip=None, via="cli"))
    try:
        audit = services.run_audit(SystemActor("governance bias-audit"), quarter,
                                   open_reviews=not dry_run)
    except DomainError as error:
        db.session.rollback()
        click.echo(error.message, err=True)
        sys.exit(2)
    db.session.commit()
    if as_json:
        click.echo(json.dumps(as_dict(audit), indent=2, ensure_ascii=False))
        return
    tables = sum(len(part.report.tables) for part in audit.sections)
    click.echo(f"Bias audit {audit.quarter}: {tables} tables, {len(audit.gaps)} significant "
               f"gap(s); review items open {audit.reviews.open}, closed {audit.reviews.closed}.")
    for gap in audit.gaps:
        click.echo(f"  {gap.transition} · {gap.attribute}: {gap.group} — impact ratio "
                   f"{gap.impact_ratio:.2f}, p = {gap.p_value:.3f}")


def init_app(app: Flask) -> None:
    """Add the command to the `governance` group, creating the group if no other package has
    (policy and retention commands live there too)."""
    group = app.cli.commands.get(GROUP_NAME)
    if not isinstance(group, click.Group):
        group = AppGroup(GROUP_NAME, help="Governance: policy, retention and the bias audit.")
        app.cli.add_command(group)
    group.add_command(bias_audit_command)
