"""Adverse-impact services against the database: the report's counts for hand-computed sprints,
pooling across sprints, permissions, and the self-report (consent, validation, withdrawal,
audit entries without values)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from scipy.stats import fisher_exact

from coachprog.authority import SystemActor
from coachprog.db import set_clock
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from coachprog.selection.impact import services as monitoring
from coachprog.selection.impact.demographics import DEMOGRAPHICS_CONSENT_VERSION, tally
from coachprog.selection.impact.domain import SUPPRESSED_TEXT, build_impact_report, pool
from coachprog.selection.models import CandidateDemographics
from tests.selection.impact.builders import (
    candidate,
    many,
    new_person,
    new_user,
    report,
    spring_sprint,
    sprint,
)

ALL_ROLES = list(Role)


def _admin() -> Any:
    return new_user(Role.ADMIN)


def _rows(overview: monitoring.ImpactOverview, transition: str, attribute: str) -> dict[str, Any]:
    table = next(t for t in overview.report.tables
                 if (t.transition, t.attribute) == (transition, attribute))
    return {row.label: row for row in table.rows}


# --- the report ----------------------------------------------------------------------------------


def test_sprint_report_counts_decided_candidates_by_group() -> None:
    ids = spring_sprint()
    overview = monitoring.impact_report_for_sprint(_admin(), ids["sprint_id"])
    assert overview.candidates == 30  # 28 decided + 2 pending; nominees are not candidates
    assert overview.nominees == 2
    assert overview.decided == 28
    first, second, *rest = overview.stages
    assert (first.entered, first.passed, first.pending) == (28, 18, 2)
    assert (second.entered, second.passed, second.pending) == (0, 0, 18)
    assert all(s.entered == s.pending == 0 for s in rest)
    # Only the decided transition has tables: one per attribute.
    assert [(t.transition, t.attribute) for t in overview.report.tables] == [
        ("Application → interview", "Gender"), ("Application → interview", "Ethnicity"),
        ("Application → interview", "Age band"), ("Application → interview", "Disability")]

    gender = _rows(overview, "Application → interview", "Gender")
    assert list(gender) == ["Women", "Men", "Non-binary people",
                            "People who preferred not to say"]
    women, men = gender["Women"], gender["Men"]
    assert (women.entered, women.passed, women.is_reference) == (10, 9, True)
    assert (men.entered, men.passed) == (10, 4)  # the withdrawal counts as not passing
    assert men.below_four_fifths and men.ratio_text == "0.44"
    assert men.p_value == pytest.approx(fisher_exact([[4, 6], [9, 1]]).pvalue, rel=1e-12)
    # Three non-binary people: suppressed; the smallest group shown is withheld with them.
    for label in ("Non-binary people", "People who preferred not to say"):
        assert gender[label].suppressed and gender[label].entered_text == SUPPRESSED_TEXT
        assert gender[label].entered is None and gender[label].passed is None
    ethnicity = _rows(overview, "Application → interview", "Ethnicity")
    assert [(r.label, r.entered, r.passed) for r in ethnicity.values()] == [
        ("People who did not report", 28, 18)]


def test_later_transitions_count_exits_at_each_stage_and_carry_suppression_forward() -> None:
    summer = sprint("Summer 2026")
    many(summer, 7, "appointed", gender="woman")
    many(summer, 3, "rejected", "panel", gender="woman")
    many(summer, 5, "panel", gender="man")  # pending at the panel
    many(summer, 3, "withdrawn", "interview", gender="man")
    many(summer, 2, "simulations", gender="non_binary")
    overview = monitoring.impact_report_for_sprint(_admin(), summer.id)
    at = {s.transition.label: (s.entered, s.passed, s.pending) for s in overview.stages}
    assert at == {
        "Application → interview": (20, 20, 0),
        "Interview → simulations": (20, 17, 0),
        "Simulations → supervised practice": (15, 15, 2),
        "Supervised practice → calibration panel": (15, 15, 0),
        "Calibration panel → appointment": (10, 7, 5),
    }
    # Two non-binary people: suppressed from the start, with the men (the smallest group shown)
    # withheld with them; both stay withheld at every later transition.
    for table in (t for t in overview.report.tables if t.attribute == "Gender"):
        rows = {row.label: row for row in table.rows}
        assert rows["Non-binary people"].suppressed and rows["Men"].suppressed, table.transition
    last = _rows(overview, "Calibration panel → appointment", "Gender")
    # Nobody non-binary and no man has been decided at the panel, yet both stay listed.
    assert list(last) == ["Women", "Men", "Non-binary people"]
    # And the women are withheld with them there (issue 19): the stage's total (10) minus the
    # women's 10 would say that nobody of the withheld groups was decided at the panel.
    assert last["Women"].suppressed and last["Women"].entered is None
    decided = _rows(overview, "Supervised practice → calibration panel", "Gender")
    assert (decided["Women"].entered, decided["Women"].passed) == (10, 10)


def test_all_sprints_report_equals_the_pool_of_each_sprints_tallies() -> None:
    spring_sprint()
    autumn = sprint("Autumn 2026")
    many(autumn, 2, "interview", gender="non_binary")
    many(autumn, 3, "rejected", "applied", gender="non_binary")
    many(autumn, 5, "interview", gender="man", age_band="25_34")
    overview = monitoring.impact_report_all(_admin())
    gender = _rows(overview, "Application → interview", "Gender")
    # Pooled, the non-binary group reaches 3 + 5 = 8 people and is shown.
    assert (gender["Non-binary people"].entered, gender["Non-binary people"].passed) == (8, 4)
    assert (gender["Men"].entered, gender["Men"].passed) == (15, 9)
    assert overview.candidates == 40 and overview.nominees == 2
    assert [(s.name, s.candidates) for s in overview.sprints] == [("Autumn 2026", 10),
                                                                  ("Spring 2026", 30)]

    def tallies(sprint_id: int) -> list[Any]:
        return tally(monitoring._entries(sprint_id)[0])

    sprint_ids = [s.id for s in overview.sprints]
    pooled = build_impact_report(pool([t for i in sprint_ids for t in tallies(i)]))
    assert ({(t.transition, t.attribute): {r.label: (r.entered, r.passed) for r in t.rows}
             for t in pooled.tables}
            == {(t.transition, t.attribute): {r.label: (r.entered, r.passed) for r in t.rows}
                for t in overview.report.tables})


def test_a_sprint_without_candidates_has_an_empty_report() -> None:
    empty = sprint("Empty")
    candidate(empty, "nominated")
    overview = monitoring.impact_report_for_sprint(_admin(), empty.id)
    assert overview.report.tables == ()
    assert (overview.candidates, overview.nominees, overview.decided) == (0, 1, 0)


def test_viewing_a_report_is_audited() -> None:
    ids = spring_sprint()
    admin = _admin()
    monitoring.impact_report_for_sprint(admin, ids["sprint_id"])
    monitoring.impact_report_all(admin)
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "adverse_impact.viewed").order_by(AuditEntry.id)).all()
    assert [(e.actor_id, e.object_id, e.detail["scope"]) for e in entries] == [
        (admin.id, str(ids["sprint_id"]), "sprint"), (admin.id, None, "all")]


@pytest.mark.parametrize("role", [r for r in ALL_ROLES if r is not Role.ADMIN])
def test_only_ld_admins_see_the_report(role: Role) -> None:
    ids = spring_sprint()
    user = new_user(role)
    with pytest.raises(NotPermitted):
        monitoring.impact_report_for_sprint(user, ids["sprint_id"])
    with pytest.raises(NotPermitted):
        monitoring.impact_report_all(user)


def test_an_unknown_sprint_is_not_found() -> None:
    with pytest.raises(NotFound):
        monitoring.impact_report_for_sprint(_admin(), 999_999)


# --- the self-report -----------------------------------------------------------------------------


def _candidate_user(stage: str = "applied", furthest: str | None = None) -> tuple[Any, Any]:
    person = new_person()
    row = candidate(sprint(), stage, furthest, person=person)
    return new_user(Role.COACH, person_id=person.id), row


def test_the_candidate_saves_answers_with_consent_and_the_time_of_it() -> None:
    user, row = _candidate_user()
    moment = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
    set_clock(lambda: moment)
    try:
        saved = monitoring.save_self_report(
            user, row.sprint_id, row.id, consent=True,
            answers={"gender": "woman", "ethnicity": "prefer_not_to_say", "age_band": "",
                     "disability": None})
    finally:
        set_clock(None)
    assert (saved.gender, saved.ethnicity, saved.age_band, saved.disability) == (
        "woman", "prefer_not_to_say", "", "")
    assert saved.consent_text_version == DEMOGRAPHICS_CONSENT_VERSION == "2026-11"
    assert saved.consented_at == moment
    # Saving again changes the one row.
    monitoring.save_self_report(user, row.sprint_id, row.id, consent=True,
                                answers={"gender": "man"})
    rows = db.session.scalars(sa.select(CandidateDemographics)).all()
    assert [(r.candidate_id, r.gender, r.ethnicity) for r in rows] == [(row.id, "man", "")]
    page = monitoring.get_self_report(user, row.sprint_id, row.id)
    assert page.answers is not None and page.answers.gender == "man"


def test_nothing_is_saved_without_consent() -> None:
    user, row = _candidate_user()
    with pytest.raises(DomainError) as refused:
        monitoring.save_self_report(user, row.sprint_id, row.id, consent=False,
                                    answers={"gender": "woman"})
    assert "Tick the box" in refused.value.field_errors["consent"][0]
    assert db.session.scalar(sa.select(sa.func.count(CandidateDemographics.id))) == 0


def test_an_answer_outside_the_options_is_refused() -> None:
    user, row = _candidate_user()
    with pytest.raises(DomainError) as refused:
        monitoring.save_self_report(user, row.sprint_id, row.id, consent=True,
                                    answers={"gender": "robot", "age_band": "25_34"})
    assert list(refused.value.field_errors) == ["gender"]
    assert db.session.scalar(sa.select(sa.func.count(CandidateDemographics.id))) == 0


@pytest.mark.parametrize("role", ALL_ROLES)
def test_nobody_but_the_candidate_reads_or_changes_their_answers(role: Role) -> None:
    _, row = _candidate_user()
    report(row, gender="woman")
    other = new_user(role, person_id=new_person().id)
    with pytest.raises(NotPermitted):
        monitoring.get_self_report(other, row.sprint_id, row.id)
    with pytest.raises(NotPermitted):
        monitoring.save_self_report(other, row.sprint_id, row.id, consent=True,
                                    answers={"gender": "man"})
    with pytest.raises(NotPermitted):
        monitoring.withdraw_self_report(other, row.sprint_id, row.id)
    assert db.session.scalar(sa.select(CandidateDemographics.gender)) == "woman"


@pytest.mark.parametrize(("stage", "furthest"), [("nominated", None),
                                                 ("withdrawn", "nominated")])
def test_a_nominee_who_never_accepted_is_not_asked(stage: str, furthest: str | None) -> None:
    user, row = _candidate_user(stage, furthest)
    with pytest.raises(NotPermitted):
        monitoring.get_self_report(user, row.sprint_id, row.id)


def test_the_candidate_is_found_only_in_their_own_sprint() -> None:
    user, row = _candidate_user()
    other = sprint("Other")
    with pytest.raises(NotFound):
        monitoring.get_self_report(user, other.id, row.id)
    with pytest.raises(NotFound):
        monitoring.get_self_report(user, row.sprint_id, 999_999)


def test_withdrawing_deletes_the_answers_and_is_audited_without_them() -> None:
    user, row = _candidate_user()
    monitoring.save_self_report(user, row.sprint_id, row.id, consent=True,
                                answers={"gender": "non_binary", "age_band": "55_plus",
                                         "ethnicity": "mixed", "disability": "yes"})
    assert monitoring.withdraw_self_report(user, row.sprint_id, row.id) is True
    assert db.session.scalar(sa.select(sa.func.count(CandidateDemographics.id))) == 0
    assert monitoring.withdraw_self_report(user, row.sprint_id, row.id) is False
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.object_id, e.actor_id) for e in entries] == [
        ("demographics.saved", str(row.id), user.id),
        ("demographics.withdrawn", str(row.id), user.id)]
    for entry in entries:
        text = repr(entry.detail).lower()
        for value in ("non_binary", "55_plus", "mixed", "yes", "gender", "age"):
            assert value not in text


def test_the_operator_at_the_shell_may_withdraw_for_a_candidate() -> None:
    """A candidate who asks L&D to delete their answers out of band: the CLI's system actor
    passes every check, as everywhere."""
    _, row = _candidate_user()
    report(row, gender="woman")
    assert monitoring.withdraw_self_report(SystemActor("erase"), row.sprint_id, row.id)
