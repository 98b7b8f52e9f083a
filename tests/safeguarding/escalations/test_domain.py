"""Escalation rules without the app: the state machine, due steps, who sees a case, and the
path file's validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from coachprog.safeguarding.escalations import domain
from coachprog.safeguarding.escalations.paths import (
    DEFAULT_FILE,
    PathsInvalid,
    load_paths,
    parse_paths,
)

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PATH = domain.EscalationPath(
    category="harassment", label="Harassment", owner="flag_reviewer",
    fallback_owner="lead@x.example", visible_roles=frozenset({"admin"}),
    visible_people=frozenset({"dpo@x.example"}),
    steps=(domain.StepSpec("contact", "Talk to the coach", 48),
           domain.StepSpec("debrief", "Debrief the coach", 240)))


def test_the_state_machine_moves_only_forward_or_by_reopening() -> None:
    assert domain.next_status("open", "take") is domain.CaseStatus.IN_PROGRESS
    assert domain.next_status("in_progress", "close") is domain.CaseStatus.CLOSED
    assert domain.next_status("closed", "reopen") is domain.CaseStatus.IN_PROGRESS
    for status, action in (("open", "close"), ("closed", "take"), ("in_progress", "reopen"),
                           ("open", "reopen"), ("in_progress", "take")):
        with pytest.raises(ValueError, match="cannot"):
            domain.next_status(status, action)


@given(st.sampled_from(["open", "in_progress", "closed"]),
       st.lists(st.booleans(), max_size=4), st.sampled_from(["resolved", "x", ""]),
       st.text(max_size=20))
def test_a_case_closes_only_in_progress_with_every_step_done_an_outcome_and_a_note(
        status: str, done: list[bool], outcome: str, note: str) -> None:
    steps = [domain.StepState(NOW, d) for d in done]
    problems = domain.close_problems(status, steps, outcome, note)
    closable = (status == "in_progress" and all(done) and outcome == "resolved"
                and bool(note.strip()))
    assert (problems == {}) is closable


def test_steps_are_due_after_their_hours_and_overdue_once_past() -> None:
    planned = domain.plan_steps(PATH, NOW)
    assert [(p.position, p.key, p.due_at) for p in planned] == [
        (0, "contact", NOW + timedelta(hours=48)), (1, "debrief", NOW + timedelta(hours=240))]
    first = domain.StepState(planned[0].due_at, done=False)
    assert not domain.is_overdue(first, NOW + timedelta(hours=48))
    assert domain.is_overdue(first, NOW + timedelta(hours=49))
    assert not domain.is_overdue(domain.StepState(planned[0].due_at, True),
                                 NOW + timedelta(days=30))
    assert domain.case_overdue([first], NOW + timedelta(days=3))


def test_only_the_owner_and_those_the_path_names_may_see_a_case() -> None:
    def sees(**kw: object) -> bool:
        base: dict[str, object] = {"user_id": 7, "roles": frozenset(), "email": "x@x.example",
                                   "owner_id": 1, "path": PATH}
        return domain.may_see_case(**{**base, **kw})  # type: ignore[arg-type]

    assert sees(owner_id=7)
    assert sees(roles=frozenset({"admin"}))
    assert sees(email="DPO@x.example")
    assert not sees()
    assert not sees(roles=frozenset({"master_coach", "sponsor"}))
    assert not sees(path=None)
    assert not sees(user_id=None, owner_id=None)
    book = domain.PathBook(1, (PATH,))
    assert book.categories_visible_to({"admin"}, "") == {"harassment"}
    assert book.categories_visible_to({"coach"}, "dpo@x.example") == {"harassment"}
    assert book.categories_visible_to({"coach"}, "someone@x.example") == frozenset()


def test_the_repository_path_file_is_valid_and_covers_every_flag_category() -> None:
    book = load_paths(DEFAULT_FILE)
    assert {"mental_health_crisis", "harassment", "discrimination", "legal_risk"} <= set(
        book.categories())


def _document() -> dict[str, object]:
    return yaml.safe_load(DEFAULT_FILE.read_text())


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["paths"].pop("legal_risk"), "no path for the flag categories legal_risk"),
    (lambda d: d["paths"]["harassment"].update(owner="somebody"), "owner must be"),
    (lambda d: d["paths"]["harassment"]["steps"].append(
        d["paths"]["harassment"]["steps"][0]), "two steps share a key"),
    (lambda d: d["paths"]["harassment"]["visible_to"].update(roles=["chief"]),
     "paths.harassment.visible_to.roles.0"),
    (lambda d: d["paths"]["harassment"]["steps"][0].update(due_hours=0),
     "paths.harassment.steps.0.due_hours"),
    (lambda d: d.update(extra=1), "extra"),
])
def test_an_invalid_path_file_is_refused_naming_the_problem(change, where: str) -> None:
    document = _document()
    change(document)
    with pytest.raises(PathsInvalid) as refused:
        parse_paths(document)
    assert where in str(refused.value)


def test_the_app_refuses_to_start_on_an_invalid_file(tmp_path: Path) -> None:
    from coachprog import create_app

    bad = tmp_path / "paths.yaml"
    bad.write_text("version: 1\npaths: {}\n")
    with pytest.raises(RuntimeError, match="refuses to start: invalid escalation-path file"):
        create_app({"TESTING": True, "COACHPROG_ESCALATION_PATHS": str(bad),
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    (tmp_path / "broken.yaml").write_text("version: [")
    with pytest.raises(PathsInvalid, match="not valid YAML"):
        load_paths(tmp_path / "broken.yaml")
