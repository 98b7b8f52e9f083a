"""The levels file: the shipped one is valid, problems are located, the app refuses to start
on an invalid one, and the policy is parsed again only when the file changes."""

from __future__ import annotations

import pytest

from coachprog import create_app
from coachprog.certification.levels.files import DEFAULT_LEVELS_FILE, LevelsInvalid, parse_levels
from coachprog.certification.levels.services import levels_policy


def test_shipped_levels_file_is_valid():
    policy = levels_policy()
    assert {lvl.id for lvl in policy.levels} == {"certified_internal_coach", "senior_coach"}
    assert policy.recertification.cycle_months == 12
    assert policy.recertification.reminder_days == (60, 30, 7)



def test_levels_file_problems_are_located():
    bad = {"version": 1, "recertification": {"rubric": "recertification", "cycle_months": 24,
                                             "criteria": [{"key": "x", "label": "Xxx",
                                                           "evidence": "nope"}]},
           "levels": [{"id": "senior_coach", "name": "Senior", "requires": "senior_coach",
                       "criteria": [{"key": "h", "label": "Hours", "evidence": "hours"}]}]}
    with pytest.raises(LevelsInvalid) as caught:
        parse_levels(bad, known_evidence={"hours"})
    paths = [p for p, _ in caught.value.problems]
    assert "recertification.cycle_months" in paths
    good = {**bad, "recertification": {**bad["recertification"], "cycle_months": 12},
            "levels": [{**bad["levels"][0], "requires": None}]}
    with pytest.raises(LevelsInvalid) as unknown:
        parse_levels(good, known_evidence={"hours"}, numeric_evidence={"hours"})
    assert {p for p, _ in unknown.value.problems} == {
        "levels.0.criteria.0.minimum", "recertification.criteria.0.evidence"}



def test_app_refuses_to_start_on_invalid_levels_file(tmp_path, app):
    bad = tmp_path / "levels.yaml"
    bad.write_text("version: 0\nlevels: []\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="invalid levels file"):
        create_app({**app.config, "COACHPROG_LEVELS_FILE": str(bad)})



def test_levels_policy_is_read_again_when_the_file_changes(tmp_path, app, monkeypatch):
    path = tmp_path / "levels.yaml"
    text = DEFAULT_LEVELS_FILE.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    monkeypatch.setitem(app.config, "COACHPROG_LEVELS_FILE", str(path))
    first = levels_policy()
    assert list(first.recertification.reminder_days) == [60, 30, 7]
    assert levels_policy() is first  # unchanged: not parsed again
    path.write_text(text.replace("reminder_days: [60, 30, 7]", "reminder_days: [45, 14]"),
                    encoding="utf-8")
    assert list(levels_policy().recertification.reminder_days) == [45, 14]
    path.write_text("version: 0\nlevels: []\n", encoding="utf-8")  # broken: refused, not cached
    with pytest.raises(LevelsInvalid):
        levels_policy()
    path.unlink()
    with pytest.raises(LevelsInvalid):
        levels_policy()
