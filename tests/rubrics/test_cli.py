"""`flask --app wsgi rubrics check|load|schema`, and the app's refusal to start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from coachprog import create_app
from coachprog.extensions import db
from coachprog.rubrics.models import RubricVersion
from coachprog.rubrics.schema import rubric_json_schema_text
from tests.rubrics.conftest import PROJECT_RUBRICS, VALID, use_version, variant, write_dir

ROOT = Path(__file__).resolve().parents[2]
BROKEN = variant(v="version: 1|version: 0", s="scale: 1-5|scale: 1-7")


@pytest.fixture
def broken_dir(tmp_path):
    return write_dir(tmp_path, {"demo.yaml": VALID, "broken.yaml":
                                BROKEN.replace("id: demo", "id: broken")})


def check(runner, directory):
    return runner.invoke(args=["rubrics", "check", "--dir", str(directory)])


def test_check_passes_the_shipped_rubrics_and_the_database(runner):
    result = check(runner, PROJECT_RUBRICS)

    assert result.exit_code == 0, result.output
    assert result.stdout == (f"OK: 7 rubric file(s) valid in {PROJECT_RUBRICS} "
                             "(files and recorded versions).\n")
    assert result.stderr == ""


def test_check_uses_the_configured_directory(app, runner, monkeypatch, rubrics_dir):
    monkeypatch.setitem(app.config, "COACHPROG_RUBRICS_DIR", rubrics_dir)

    result = runner.invoke(args=["rubrics", "check"])

    assert result.exit_code == 0
    assert result.stdout.startswith(f"OK: 1 rubric file(s) valid in {rubrics_dir} ")


def test_check_prints_each_problem_as_file_path_reason_and_fails(runner, broken_dir):
    result = check(runner, broken_dir)

    assert result.exit_code == 1
    assert result.stdout == ""
    name = broken_dir / "broken.yaml"
    assert result.stderr.splitlines() == [
        f"{name}:version: Input should be greater than or equal to 1",
        f"{name}:competencies.0.behaviours.1.scale: Input should be 'binary' or '1-5'",
        f"2 problem(s) in {broken_dir}.",
    ]


def test_check_reports_a_missing_directory(runner, tmp_path):
    result = check(runner, tmp_path / "nowhere")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{tmp_path / 'nowhere'}:: no such directory"


def test_check_finds_a_used_version_changed_in_place(runner, rubrics_dir):
    assert runner.invoke(args=["rubrics", "load", "--dir", str(rubrics_dir)]).exit_code == 0
    use_version(db.session.scalar(sa.select(RubricVersion.id)))
    (rubrics_dir / "demo.yaml").write_text(variant(t="Demo rubric|Demo rubric v1b"))

    result = check(runner, rubrics_dir)

    assert result.exit_code == 1
    name = rubrics_dir / "demo.yaml"
    assert result.stderr.splitlines()[0] == (
        f"{name}:version: {name} changes demo v1, which has been used to score assessments "
        "and can never change; bump `version` to 2")


def test_load_records_then_reports_unchanged(runner, rubrics_dir):
    first = runner.invoke(args=["rubrics", "load", "--dir", str(rubrics_dir)])
    second = runner.invoke(args=["rubrics", "load", "--dir", str(rubrics_dir)])

    assert first.exit_code == 0, first.output
    assert first.stdout == "Rubrics: 1 recorded, 0 replaced, 0 unchanged.\n  recorded demo v1\n"
    assert second.stdout == "Rubrics: 0 recorded, 0 replaced, 1 unchanged.\n"
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(RubricVersion.id))) == 1


def test_load_refuses_a_broken_directory_and_records_nothing(runner, broken_dir):
    result = runner.invoke(args=["rubrics", "load", "--dir", str(broken_dir)])

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "2 problem(s) found; nothing was recorded."
    assert f"{broken_dir / 'broken.yaml'}:version: " in result.stderr
    assert db.session.scalar(sa.select(sa.func.count(RubricVersion.id))) == 0


def test_schema_prints_the_committed_json_schema(runner):
    result = runner.invoke(args=["rubrics", "schema"])

    assert result.exit_code == 0
    assert result.stdout == rubric_json_schema_text()


# --- without a database, in a real process --------------------------------------------------


def run_flask(tmp_path: Path, directory: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ,
           "COACHPROG_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nowhere",
           "COACHPROG_RUBRICS_DIR": str(directory),
           "COACHPROG_INSTANCE_PATH": str(tmp_path / "instance"),
           "COACHPROG_SECRET_KEY": "test"}
    flask = Path(sys.executable).parent / "flask"
    return subprocess.run(  # noqa: S603 - our own executable and arguments
        [str(flask), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60, check=False)


def test_check_without_a_database_still_checks_the_files(tmp_path, broken_dir):
    result = run_flask(tmp_path, broken_dir, "rubrics", "check")

    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert f"{broken_dir / 'broken.yaml'}:version: Input should be greater than or equal to 1" \
        in lines
    assert any(line.startswith("Immutability of used versions not checked: the database is "
                               "not reachable") for line in lines)


def test_check_without_a_database_passes_valid_files(tmp_path):
    result = run_flask(tmp_path, PROJECT_RUBRICS, "rubrics", "check")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"OK: 7 rubric file(s) valid in {PROJECT_RUBRICS} (files only).\n"


def test_other_commands_refuse_to_start_with_a_broken_rubric(tmp_path, broken_dir):
    result = run_flask(tmp_path, broken_dir, "routes")

    assert result.returncode != 0
    assert "coachprog refuses to start: invalid rubric file(s)" in result.stderr
    assert f"{broken_dir / 'broken.yaml'}:version: Input should be greater" in result.stderr


# --- start-up -------------------------------------------------------------------------------


def _config(tmp_path: Path, directory: Path) -> dict:
    return {"INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "sqlite://", "COACHPROG_QUEUE": "immediate",
            "COACHPROG_RUBRICS_DIR": directory}


def test_the_app_refuses_to_start_with_an_invalid_rubric(tmp_path, broken_dir):
    with pytest.raises(RuntimeError) as caught:
        create_app(_config(tmp_path, broken_dir))

    message = str(caught.value)
    assert f"{broken_dir / 'broken.yaml'}:version: Input should be greater than or equal to 1" \
        in message.splitlines()
    assert "rubrics check" in message


def test_the_app_starts_with_valid_or_no_rubric_files(tmp_path):
    assert create_app(_config(tmp_path, PROJECT_RUBRICS)).config["COACHPROG_RUBRICS_DIR"] == \
        PROJECT_RUBRICS
    assert create_app(_config(tmp_path, tmp_path / "none")) is not None
