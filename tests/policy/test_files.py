"""The published policy files: valid as shipped, refused at start when invalid, and the
retention periods they publish agree with the code that enforces them."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from coachprog import create_app
from coachprog.policy import domain
from coachprog.policy.files import (
    check_guards,
    current_policy,
    read_policy,
    unguarded_rows,
)
from coachprog.policy.schema import PolicyInvalid, load_data_use, load_use_cases
from coachprog.runtime.config import build_config

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"


def test_the_shipped_files_are_valid_and_every_guard_is_registered(app: Flask) -> None:
    policy = read_policy(POLICY_DIR)
    assert policy.use_cases.version >= 1 and policy.data_use.version >= 1
    assert policy.data_use.processed_where == "local"
    assert unguarded_rows(current_policy(app)) == []
    categories = {row.category for row in policy.use_cases.rows}
    assert categories == set(domain.Category)


def _matrix(rows: str) -> bytes:
    return (f"id: use-cases\nversion: 1\neffective: 2026-12-07\ntitle: Uses\n"
            f"summary: How data is used\nrows:\n{rows}").encode()


@pytest.mark.parametrize(("rows", "problem"), [
    ("  - {id: a, use: Something, category: prohibited}\n", "names its guard"),
    ("  - {id: a, use: Something, category: permitted, guard: x.y}\n",
     "only prohibited rows"),
    ("  - {id: a, use: Something, category: permitted_with_controls}\n", "lists its controls"),
    ("  - {id: a, use: Something, category: allowed}\n", "category"),
    ("  - {id: a, use: Something, category: permitted}\n"
     "  - {id: a, use: Other thing, category: permitted}\n", "used twice"),
    ("  - {id: a, use: Something, category: permitted, colour: red}\n", "colour"),
])
def test_an_invalid_matrix_is_refused_with_its_problem(rows: str, problem: str) -> None:
    with pytest.raises(PolicyInvalid, match=problem):
        load_use_cases(_matrix(rows))


def test_duplicate_keys_and_bad_yaml_are_refused() -> None:
    with pytest.raises(PolicyInvalid, match="appears twice"):
        load_use_cases(b"id: use-cases\nid: use-cases\n")
    with pytest.raises(PolicyInvalid, match="not valid YAML"):
        load_use_cases(b"rows: [unclosed\n")
    with pytest.raises(PolicyInvalid, match="one YAML mapping"):
        load_use_cases(b"- a list\n")


def test_the_data_use_policy_insists_on_local_processing_and_stated_retention() -> None:
    text = (POLICY_DIR / "data_use.yaml").read_text()
    with pytest.raises(PolicyInvalid, match="processed_where"):
        load_data_use(text.replace("processed_where: local", "processed_where: cloud").encode())
    broken = text.replace("      setting: COACHPROG_RETENTION_AUDIO_DAYS\n", "", 1)
    with pytest.raises(PolicyInvalid, match="names its `setting`"):
        load_data_use(broken.encode())


def test_the_app_refuses_to_start_on_an_invalid_policy_file(tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, folder)
    path = folder / "use_cases.yaml"
    path.write_text(path.read_text().replace("category: prohibited", "category: forbidden", 1))
    with pytest.raises(RuntimeError, match=r"(?s)refuses to start.*use_cases.yaml:rows\.\d+"
                                           r"\.category"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "i"),
                    "COACHPROG_POLICY_DIR": folder})
    (folder / "data_use.yaml").unlink()
    with pytest.raises(RuntimeError, match=r"data_use\.yaml: the file is missing"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "i"),
                    "COACHPROG_POLICY_DIR": folder})


def test_a_row_naming_an_unregistered_guard_stops_the_start(app: Flask,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    policy = current_policy(app)
    row = domain.UseCase(id="new-row", use="Something new", category=domain.Category.PROHIBITED,
                         guard="nowhere.nothing")
    changed = replace(policy, use_cases=replace(policy.use_cases,
                                                rows=(*policy.use_cases.rows, row)))
    monkeypatch.setitem(app.extensions, "coachprog.policy", changed)
    with pytest.raises(RuntimeError, match=r"new-row: guard 'nowhere\.nothing'"):
        check_guards(app)


def test_published_retention_agrees_with_the_code_that_enforces_it(tmp_path: Path) -> None:
    """Every period the data-use policy publishes is the default of the setting (or the
    constant) that the retention purge uses."""
    # Imported here: importing a program package before the app exists would configure its
    # mappers without the others.
    from coachprog.recordings.retention import services as retention

    defaults = build_config(tmp_path)
    policy = read_policy(POLICY_DIR)
    checked = 0
    for kind in policy.data_use.kinds:
        kept = kind.retention
        published = kept.days if kept.days is not None else kept.hours
        if published is None:
            continue
        assert kept.setting, kind.id
        if kept.setting.startswith("COACHPROG_"):
            actual = defaults[kept.setting]
        else:
            module, _, name = kept.setting.rpartition(".")
            assert module == retention.__name__, kept.setting
            actual = getattr(retention, name)
        assert actual == published, (kind.id, kept.setting, actual, published)
        checked += 1
    assert checked >= 3
    assert defaults["COACHPROG_RETENTION_AUDIO_DAYS"] == retention.DEFAULT_AUDIO_DAYS
    assert defaults["COACHPROG_RETENTION_TRANSCRIPT_DAYS"] == retention.DEFAULT_TRANSCRIPT_DAYS


def test_acknowledgement_is_needed_again_after_a_new_version_of_either() -> None:
    current = domain.PolicyVersions(2, 1)
    assert domain.needs_acknowledgement(current, [])
    assert domain.needs_acknowledgement(current, [(1, 1)])
    assert domain.needs_acknowledgement(current, [(2, 0)])
    assert not domain.needs_acknowledgement(current, [(1, 1), (2, 1)])


def test_leaving_the_program_implies_every_opt_out() -> None:
    assert domain.implied_kinds([domain.OptOutKind.PROGRAM]) == frozenset(domain.OptOutKind)
    assert domain.implied_kinds([domain.OptOutKind.ANALYTICS]) == {domain.OptOutKind.ANALYTICS}
    with pytest.raises(ValueError, match="one of recording"):
        domain.parse_opt_out_kind("everything")
