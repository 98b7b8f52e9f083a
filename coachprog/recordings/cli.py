"""Recorded-session commands: transcribe a file, purge by retention."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.governance.services import Origin, set_origin
from coachprog.recordings.retention.services import purge_expired, retention_periods
from coachprog.recordings.storage import max_bytes, max_seconds
from coachprog.recordings.transcription.audio import InvalidAudio, probe
from coachprog.recordings.transcription.engine import (
    ModelUnavailable,
    TranscriptionSettings,
    WhisperTranscriber,
    transcribe_file,
)


def init_app(app: Flask) -> None:
    """Register the commands (filled in by the recordings work)."""
    register_retention_cli(app)
    register_transcribe_cli(app)


# --- retention (consent work) --------------------------------------------------------------------


def register_retention_cli(app: Flask) -> None:
    """`flask --app wsgi retention purge [--dry-run]`: delete audio and transcripts past their
    retention periods and print what was deleted. Idempotent."""
    retention_cli = AppGroup("retention", help="Retention of recorded sessions.")

    @retention_cli.command("purge")
    @click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
    def purge_command(dry_run: bool) -> None:
        """Delete audio and transcripts past their retention periods."""
        set_origin(Origin(ip=None, via="cli"))
        periods = retention_periods()
        summary = purge_expired(SystemActor("retention purge"), dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        for line in summary.lines():
            click.echo(line)
        verb = "Would delete" if dry_run else "Deleted"
        click.echo(f"{verb} audio of {len(summary.audio_deleted)} recording(s) (kept "
                   f"{periods.audio_days} days after their assessments closed) and "
                   f"{len(summary.transcripts_deleted)} transcript(s) (kept "
                   f"{periods.transcript_days} days).")
        if summary.failures:  # listed above; the others were purged
            click.echo(f"{len(summary.failures)} recording(s) could not be purged; they are "
                       "tried again at the next run.", err=True)
            raise SystemExit(1)

    app.cli.add_command(retention_cli)


# --- transcribe (speech engine) ------------------------------------------------------------------


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{rest:04.1f}" if hours else f"{minutes:02d}:{rest:04.1f}"


def register_transcribe_cli(app: Flask) -> None:
    """`flask --app wsgi transcribe FILE [--json]`: the upload's validation and the worker's
    transcription, run here on a file, with no database record (for operators checking a
    model or a microphone, and for benchmarks)."""
    @app.cli.command("transcribe")
    @click.argument("audio_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--json", "as_json", is_flag=True, help="Print JSON with the model details.")
    def transcribe_command(audio_file: Path, as_json: bool) -> None:
        """Validate AUDIO_FILE by decoding it, transcribe it and print the segments."""
        try:
            info = probe(audio_file, max_bytes=max_bytes(), max_seconds=max_seconds())
        except InvalidAudio as error:
            click.echo(f"{audio_file}: {error.message}", err=True)
            sys.exit(1)
        settings = TranscriptionSettings.from_config(current_app.config)
        try:
            transcriber = WhisperTranscriber(settings)
        except ModelUnavailable as error:
            click.echo(str(error), err=True)
            sys.exit(1)
        result = transcribe_file(audio_file, transcriber, settings, info=info)
        if as_json:
            click.echo(json.dumps({"file": str(audio_file), "container": info.container,
                                   "codec": info.codec, "channels": info.channels,
                                   "sample_rate": info.sample_rate, **result.as_dict()},
                                  indent=2))
            return
        click.echo(f"{audio_file}: {info.container} / {info.codec}, {info.channels} channel(s), "
                   f"{info.sample_rate} Hz, {info.duration_seconds:.1f} s; model "
                   f"{result.model_name} ({result.model_version})", err=True)
        for segment in result.segments:
            speaker = "" if segment.speaker == "unknown" else f" {segment.speaker}:"
            click.echo(f"[{_clock(segment.start)}–{_clock(segment.end)}]{speaker} {segment.text}")
