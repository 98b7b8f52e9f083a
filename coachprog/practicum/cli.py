"""Practicum commands."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this domain's `flask --app wsgi …` commands."""
