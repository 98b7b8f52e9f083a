"""App start stays light: heavy libraries load where they are used, never at `import wsgi`
(issue 22). Every `flask` command, worker and server start pays for what the import loads.

What is checked is what start does, not how long it takes (a loaded CI machine would make a
wall-clock limit flaky): which modules are loaded, whether the mappers are configured, whether
the start-up objects are frozen out of the collector's reach."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from werkzeug.routing import Rule

from coachprog import create_app
from coachprog.runtime.routing import LazyBuilderRule
from coachprog.validation import UniqueKeyLoader, read_yaml

ROOT = Path(__file__).resolve().parent.parent

# Used by one feature each: PDF rendering, statistics, calibration alpha, audio decoding and
# transcription, object storage.
HEAVY = ("weasyprint", "fontTools", "pydyf", "PIL", "scipy", "numpy", "krippendorff", "av",
         "faster_whisper", "ctranslate2", "tokenizers", "boto3", "botocore")
# Loaded on first use: the job queue (huey, with the Redis and PostgreSQL clients its storage
# imports), migrations (Flask-Migrate, alembic, mako), Markdown briefs, certificate QR codes.
DEFERRED = ("huey", "redis", "psycopg", "flask_migrate", "alembic", "mako", "markdown_it",
            "segno")

_REPORT = f"""
import gc, json, sys
import wsgi
from coachprog.extensions import db
mappers = list(db.Model.registry.mappers)
print(json.dumps({{
    "loaded": sorted(m for m in {HEAVY + DEFERRED!r} if m in sys.modules),
    "mappers": len(mappers),
    "configured": sum(m.configured for m in mappers),
    "frozen": gc.get_freeze_count(),
    "gc_enabled": gc.isenabled(),
}}))
"""


def _run(code: str, instance: Path) -> str:
    env = {**os.environ, "COACHPROG_INSTANCE_PATH": str(instance)}
    env.pop("COACHPROG_DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=True)
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What `import wsgi` left behind, in a fresh interpreter."""
    report: dict[str, Any] = json.loads(_run(_REPORT, tmp_path_factory.mktemp("instance")))
    return report


def test_importing_the_app_loads_no_heavy_library(started: dict[str, Any]) -> None:
    loaded = [name for name in started["loaded"] if name in HEAVY]
    assert loaded == [], f"`import wsgi` loads {', '.join(loaded)}: import it where it is used"


def test_importing_the_app_defers_what_only_some_commands_use(started: dict[str, Any]) -> None:
    loaded = [name for name in started["loaded"] if name in DEFERRED]
    assert loaded == [], f"`import wsgi` loads {', '.join(loaded)}: import it where it is used"


def test_importing_the_app_leaves_the_mappers_unconfigured(started: dict[str, Any]) -> None:
    # A loader option (selectinload, joinedload...) or inspect() at module level configures
    # every mapper at import; build it inside the function that queries.
    assert started["mappers"] > 50
    assert started["configured"] == 0


def test_start_up_objects_are_frozen_out_of_the_collector(started: dict[str, Any]) -> None:
    assert started["frozen"] > 50_000
    assert started["gc_enabled"]


def test_a_command_still_folds_sqlites_log_into_the_database_at_exit(tmp_path: Path) -> None:
    # The frozen pool is not collected at exit; wsgi closes its connections itself.
    _run("import sqlalchemy as sa, wsgi\n"
         "with wsgi.app.app_context():\n"
         "    wsgi.db.session.execute(sa.text('CREATE TABLE t (x INTEGER)'))\n"
         "    wsgi.db.session.commit()\n"
         "print('ok')", tmp_path)
    assert (tmp_path / "coachprog.db").exists()
    assert not (tmp_path / "coachprog.db-wal").exists()


def test_flask_db_is_flask_migrates_group_when_first_used(app: Flask) -> None:
    fresh = create_app({**app.config})  # its migrations not bound yet
    listing = fresh.test_cli_runner().invoke(args=["--help"])
    assert "db" in listing.output and "Perform database migrations." in listing.output
    result = fresh.test_cli_runner().invoke(args=["db", "--help"])
    assert result.exit_code == 0, result.output
    assert "upgrade" in result.output and "--directory" in result.output
    result = fresh.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output


def test_the_migrate_extension_is_flask_migrates_when_first_read(app: Flask) -> None:
    fresh = create_app({**app.config})
    assert fresh.extensions["migrate"].directory == str(ROOT / "migrations")
    assert type(fresh.extensions["migrate"]).__module__ == "flask_migrate"
    assert fresh.extensions["migrate"].configure_args["render_as_batch"] is True


def test_url_builders_compiled_on_first_use_build_what_werkzeugs_build(app: Flask) -> None:
    rules = [rule for rule in app.url_map.iter_rules() if isinstance(rule, LazyBuilderRule)]
    assert len(rules) > 200
    for rule in rules:
        values = dict.fromkeys(rule.arguments, "7")
        for append_unknown, extra in ((False, {}), (True, {"q": "a b", "page": "2"})):
            eager = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            expected = eager(**values, **extra)
            assert rule.build({**values, **extra}, append_unknown) == expected, rule
            assert rule.build({**values, **extra}, append_unknown) == expected, rule  # compiled


@pytest.mark.parametrize("text", [
    "a: 1\nb: [x, y]\nc: {d: 'e'}\n",
    "id: [",  # a syntax error: PyYAML's own words
    "a: 1\na: 2\n",  # a duplicate key, refused with its line
    "a:\n  - 1\n - 2\n",
])
def test_yaml_read_by_libyaml_reads_and_refuses_as_pyyaml(text: str) -> None:
    def outcome(read: Any) -> object:
        try:
            return read()
        except yaml.YAMLError as error:
            return str(error)

    assert outcome(lambda: read_yaml(text, UniqueKeyLoader)) == outcome(
        lambda: yaml.load(text, Loader=UniqueKeyLoader))  # noqa: S506 - a SafeLoader subclass


def test_every_shipped_yaml_file_reads_the_same_with_libyaml() -> None:
    for path in [*ROOT.glob("rubrics/**/*.yaml"), *ROOT.glob("policy/*.yaml")]:
        text = path.read_text(encoding="utf-8")
        pure = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
        assert read_yaml(text, UniqueKeyLoader) == pure, path
