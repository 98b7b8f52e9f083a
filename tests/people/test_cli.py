"""`flask --app wsgi people import FILE`: the operator's import."""

from __future__ import annotations

import sqlalchemy as sa

from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from tests.people.conftest import ORG_ROWS, csv_text, snapshot


def run_import(runner, path):
    return runner.invoke(args=["people", "import", str(path)])


def test_people_import_of_a_good_file(runner, sample_csv):
    result = run_import(runner, sample_csv)

    assert result.exit_code == 0, result.output
    assert result.stdout == "Imported 3 people: 3 created, 0 updated, 0 unchanged.\n"
    assert result.stderr == ""
    people = snapshot()
    assert sorted(people) == ["E1", "E2", "E3"]
    assert people["E2"][4] == "E1"
    assert people["E3"][4:] == ("E2", False)
    (entry,) = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "people.imported"))
    assert entry.actor_label == "system:people import"
    assert entry.detail == {"via": "cli", "source": "cli:people.csv", "created": 3,
                            "updated": 0, "unchanged": 0, "total": 3}


def test_people_import_twice_reports_everyone_unchanged(runner, sample_csv):
    run_import(runner, sample_csv)

    result = run_import(runner, sample_csv)

    assert result.exit_code == 0
    assert result.stdout == "Imported 3 people: 0 created, 0 updated, 3 unchanged.\n"


def test_people_import_of_a_bad_file_lists_each_problem_and_writes_nothing(runner, tmp_path):
    path = tmp_path / "hris.csv"
    path.write_text(csv_text(
        "E1,Aisha Chen,aisha@example.com,Sales,VP Sales,,true",
        "E2,,ben@example.com,Sales,Team Lead,E1,true",
        "",
        "E3,Carla Rossi,carla@example,Sales,Sales Rep,E1,perhaps",
        "E4,Dmitri Ivanov,aisha@example.com,Sales,Analyst,E9,true",
    ))

    result = run_import(runner, path)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}:line 3 (name): is empty",
        f"{path}:line 5 (email): 'carla@example' is not an e-mail address",
        f"{path}:line 5 (active): 'perhaps' is not true/false (or yes/no, 1/0)",
        f"{path}:line 6 (email): aisha@example.com also appears on line 2",
        "4 problem(s); nothing was imported.",
    ]
    assert snapshot() == {}


def test_people_import_of_a_bad_file_leaves_people_on_record_alone(runner, sample_csv, tmp_path):
    run_import(runner, sample_csv)
    before = snapshot()
    path = tmp_path / "update.csv"
    path.write_text(csv_text(
        "E1,Aisha Chen,aisha@example.com,Sales,CRO,,true",
        "E4,Dmitri Ivanov,dmitri@example.com,Sales,Analyst,E1,true",
        "E5,Eve Martin,eve@example.com,Sales,Analyst,NOBODY,true",
    ))

    result = run_import(runner, path)

    assert result.exit_code == 1
    assert f"{path}:line 4 (manager_employee_id): no person with employee id NOBODY" \
        in result.stderr
    assert snapshot() == before


def test_people_import_refuses_a_manager_cycle(runner, sample_csv, tmp_path):
    run_import(runner, sample_csv)  # E3 → E2 → E1
    before = snapshot()
    path = tmp_path / "cycle.csv"
    path.write_text(csv_text("E1,Aisha Chen,aisha@example.com,Sales,VP Sales,E3,true"))

    result = run_import(runner, path)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:line 2 (manager_employee_id): manager chain loops: E1 → E3 → E2 → E1",
        "1 problem(s); nothing was imported.",
    ]
    assert snapshot() == before


def test_people_import_of_a_file_that_is_not_utf8(runner, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(csv_text("E1,Zoë,zoe@example.com,,,,").encode("latin-1"))

    result = run_import(runner, path)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(f"{path}:file: the file is not UTF-8 text")


def test_people_import_of_a_header_only_file(runner, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(csv_text())

    result = run_import(runner, path)

    assert result.exit_code == 1
    assert "the input holds no people" in result.stderr


def test_people_import_of_a_missing_file_is_a_usage_error(runner, tmp_path):
    result = run_import(runner, tmp_path / "nope.csv")

    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_people_import_reports_more_problems_than_it_lists(runner, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(csv_text(*(f"X{i},Name,bad{i},,,," for i in range(1003))))

    result = run_import(runner, path)

    lines = result.stderr.splitlines()
    assert result.exit_code == 1
    assert len(lines) == 1000 + 2
    assert lines[-2:] == ["… and 3 more problem(s).", "1003 problem(s); nothing was imported."]


def test_people_import_in_the_org_fixture_shape(runner, tmp_path):
    path = tmp_path / "org.csv"
    path.write_text(csv_text(*ORG_ROWS))

    result = run_import(runner, path)

    assert result.exit_code == 0
    assert "6 created" in result.stdout
    assert snapshot()["E6"] == ("Farid Haddad", "farid@example.com", "Support", "Agent", "E5",
                                False)
