"""Program commands: `flask --app wsgi program report [--json]`."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from coachprog.authority import SystemActor
from coachprog.governance.services import Origin, set_origin
from coachprog.program import services


def init_app(app: Flask) -> None:
    group = AppGroup("program", help="Program outcomes: charter, gates, metrics, ROI.")

    @group.command("report")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    def report_command(as_json: bool) -> None:
        """The program report: charter, gates, ROI range, tiers and scorecard."""
        set_origin(Origin(ip=None, via="cli"))
        report = services.build_report(SystemActor("program report"))
        if as_json:
            click.echo(json.dumps(report, indent=2, sort_keys=False, default=str))
            return
        charter = report["charter"]
        if charter is None:
            click.echo("No charter yet: write it at /program/charter.")
            return
        click.echo(f"{charter['title']}: {charter['kpi']} (baseline {charter['baseline']:g}, "
                   f"6 months {charter['target_6m']:g}, 12 months {charter['target_12m']:g})")
        for gate in report["gates"]:
            click.echo(f"  gate {gate['name']} due {gate['due']}: {gate['status']}"
                       + (f", decided {gate['decision']['outcome']}" if gate["decision"]
                          else ""))
        roi = report["roi"]
        if roi and roi.get("benefit"):
            b, p = roi["benefit"], roi["percent"] or {}
            click.echo(f"  ROI ({roi['method']}): cost {roi['cost']:,.0f}; benefit "
                       f"{b['low']:,.0f} / {b['base']:,.0f} / {b['high']:,.0f}; ROI "
                       f"{p.get('low')} % / {p.get('base')} % / {p.get('high')} %")
        elif roi:
            click.echo(f"  ROI: {roi.get('reason')}")

    app.cli.add_command(group)
