"""Fidelity commands (`flask --app wsgi fidelity …`)."""

from __future__ import annotations

import csv
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from coachprog.audits.fidelity import domain as fidelity
from coachprog.audits.fidelity import services as fidelity_services
from coachprog.extensions import db
from coachprog.jobs.batch import ItemFailure


def init_app(app: Flask) -> None:
    """Register this domain's `flask --app wsgi …` commands."""
    group = AppGroup("fidelity", help="Fidelity signals from transcripts (prompts for review).")

    @group.command("score-csv")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=str))
    def score_csv_command(file: str) -> None:
        """Print one CSV row of signals per transcript of FILE (AnnoMI layout: transcript_id,
        interlocutor with therapist = coach, utterance_text; other columns ignored)."""
        terms = fidelity_services.load_terms()
        try:
            with open(file, newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                fidelity.check_columns(reader.fieldnames)
                transcripts = fidelity.transcripts_from_rows(reader)
        except FileNotFoundError:
            raise click.ClickException(f"{file}: no such file") from None
        except (OSError, UnicodeDecodeError) as error:
            raise click.ClickException(f"{file}: cannot be read as UTF-8 text ({error})") from None
        except csv.Error as error:
            raise click.ClickException(f"{file}: not a readable CSV file ({error})") from None
        except fidelity.CsvLayoutError as error:
            raise click.ClickException(f"{file}: {error}") from None
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(fidelity.CSV_COLUMNS)
        for transcript_id, turns in transcripts.items():
            writer.writerow(fidelity.csv_row(transcript_id,
                                             fidelity.session_signals(turns, terms)))

    @group.command("refresh")
    def refresh_command() -> None:
        """Recompute stale session signals and open drift flags for every coach."""
        failures: list[ItemFailure] = []
        result = fidelity_services.refresh_all(failures)
        db.session.commit()
        open_ids = fidelity_services.open_drift_coach_ids()
        db.session.commit()
        for failure in failures:  # the others were refreshed; each is in the audit log too
            click.echo(failure.line(), err=True)
        failed = f" ({len(failures)} failed, listed above)" if failures else ""
        click.echo(f"Refreshed {result.coaches} coach(es){failed}: {result.checked} "
                   f"transcript(s) changed, {result.recomputed} session(s) recomputed, "
                   f"{result.removed} removed; {len(open_ids)} with an open drift flag.")
        if failures:
            raise SystemExit(1)

    app.cli.add_command(group)
