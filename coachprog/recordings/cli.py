"""Recorded-session commands: transcribe a file, purge by retention."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the commands (filled in by the recordings work)."""
