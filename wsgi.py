"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`."""

import atexit
import gc

# What start-up makes (modules, classes, mappers, routes: ~150,000 objects) lives as long as
# the process, so the collector's passes over it find nothing to free. None while the app is
# built, and afterwards it is frozen out of the collector's reach: no later full collection
# walks it again, neither a long-running server's (issue 20) nor those at the exit of every
# `flask` command (issue 22: together about a third of the command's time).
gc.disable()
try:
    from coachprog import create_app
    from coachprog.extensions import db

    app = create_app()
    gc.freeze()
finally:
    gc.enable()


@atexit.register
def _close_database_connections() -> None:
    # Frozen, the connection pool is no longer collected at exit, which is what closed its
    # connections: closed here, SQLite still folds its write-ahead log into the database file.
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()
