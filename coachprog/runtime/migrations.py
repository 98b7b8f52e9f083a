"""Flask-Migrate, bound to the app when first used rather than at app start.

Flask-Migrate imports alembic, which imports every dialect it supports and mako: about a third
of a second that `import wsgi`, the server, the workers and every `flask` command but
`flask db ...` would pay for nothing (issue 22). Until then `app.extensions["migrate"]` and the
`flask db` command are stand-ins: the first attribute read of the one (`flask_migrate.upgrade`,
`migrations/env.py`, the backup) or the first `flask db ...` runs Flask-Migrate's own
`init_app`, which puts its real extension and command group in their places.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask

# The words of flask_migrate.cli.db's docstring, which `flask --help` shows beside `db`.
DB_HELP = "Perform database migrations."


def init_app(app: Flask, db: Any, **options: Any) -> None:
    """What `Migrate().init_app(app, db, **options)` sets up, bound on first use."""
    binding = _Binding(app, db, options)
    app.extensions["migrate"] = _ExtensionStandIn(binding)
    app.cli.add_command(_CommandStandIn(binding))


class _Binding:
    def __init__(self, app: Flask, db: Any, options: dict[str, Any]) -> None:
        self.app = app
        self.db = db
        self.options = options
        self.bound = False

    def bind(self) -> None:
        if not self.bound:
            from flask_migrate import Migrate

            Migrate(self.app, self.db, **self.options)  # replaces both stand-ins
            self.bound = True


class _ExtensionStandIn:
    """app.extensions["migrate"] until the first read of any of its attributes."""

    def __init__(self, binding: _Binding) -> None:
        self._binding = binding

    def __getattr__(self, name: str) -> Any:
        self._binding.bind()
        return getattr(self._binding.app.extensions["migrate"], name)


class _CommandStandIn(click.Command):
    """`flask db` as `flask --help` lists it; used, it is Flask-Migrate's group that parses
    the arguments and runs (click runs the command of the context `make_context` returns)."""

    def __init__(self, binding: _Binding) -> None:
        super().__init__("db", help=DB_HELP)
        self._binding = binding

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        self._binding.bind()
        from flask_migrate.cli import db as group

        return group.make_context(info_name, args, parent=parent, **extra)
