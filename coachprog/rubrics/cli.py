"""`flask --app wsgi rubrics …` commands."""

from __future__ import annotations

from flask.cli import AppGroup

rubrics_cli = AppGroup("rubrics", help="Rubric files and versions.")
