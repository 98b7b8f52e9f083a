"""After appointment, as pure rules: paperwork and matching a coach with a coachee."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from coachprog.selection.appointment.domain import (
    MatchFacts,
    Paperwork,
    RoleProfile,
    TimeAgreement,
    match_problems,
    missing_paperwork,
)

SIGNED = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


AGREEMENT = TimeAgreement(15, manager_signed_at=SIGNED, coach_signed_at=SIGNED,
                          non_evaluator_clause_accepted=True)
COMPLETE = Paperwork(
    AGREEMENT,
    "consent-v1",
    RoleProfile("Leaders new in role", "Lead coach, then HR", "Monthly with a lead coach"),
)


def test_complete_paperwork_misses_nothing() -> None:
    assert missing_paperwork(COMPLETE) == []


@pytest.mark.parametrize(("percent", "ok"), [(9.9, False), (10, True), (20, True),
                                             (20.1, False), (float("nan"), False)])
def test_protected_time_bounds(percent: float, ok: bool) -> None:
    paperwork = replace(COMPLETE, agreement=replace(AGREEMENT, protected_percent=percent))
    problems = missing_paperwork(paperwork)
    assert (problems == []) is ok
    if not ok:
        assert problems[0].startswith("Protected coaching time must be between 10 % and 20 %")


def test_paperwork_lists_every_gap() -> None:
    assert missing_paperwork(replace(COMPLETE, agreement=replace(
        AGREEMENT, manager_signed_at=None))) == [
        "The coach's manager has not signed the time-allocation agreement."]
    assert missing_paperwork(replace(COMPLETE, agreement=replace(
        AGREEMENT, non_evaluator_clause_accepted=False))) == [
        "The non-evaluator clause (the coach never evaluates the people they coach) has not "
        "been accepted."]
    assert len(missing_paperwork(Paperwork())) == 3
    assert missing_paperwork(Paperwork(
        TimeAgreement(5), " ", RoleProfile(scope="x"))) == [
        "Protected coaching time must be between 10 % and 20 % of working time (it is 5 %).",
        "The coach's manager has not signed the time-allocation agreement.",
        "The coach has not signed the time-allocation agreement.",
        "The non-evaluator clause (the coach never evaluates the people they coach) has not "
        "been accepted.",
        "No coachee confidentiality and data-use consent template version has been chosen.",
        "The coaching role profile has no escalation paths.",
        "The coaching role profile has no supervision arrangement.",
    ]


def test_signatures_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TimeAgreement(10, coach_signed_at=datetime(2025, 3, 1))  # noqa: DTZ001


MATCH = MatchFacts(coach_id=1, coachee_id=2, paperwork=COMPLETE, coach_manager_chain=(10, 20),
                   coachee_manager_chain=(11, 20), evaluations=frozenset({(3, 2)}),
                   coach_weekly_hours=40, active_engagement_hours=(1, 1, 1, 1))


def test_a_clean_match_has_no_problems() -> None:
    # 15 % of 40 h = 6 h a week; 4 booked + 1 new fits.
    assert match_problems(MATCH) == []
    assert match_problems(replace(MATCH, new_engagement_hours=2)) == []  # exactly at capacity


@pytest.mark.parametrize(("change", "expected"), [
    ({"paperwork": replace(COMPLETE, consent_template_version=None)},
     "appointment paperwork is incomplete: No coachee confidentiality"),
    ({"coachee_manager_chain": (11, 1)}, "The coach is in the coachee's management chain"),
    ({"coach_manager_chain": (2,)}, "The coachee is in the coach's management chain"),
    ({"evaluations": frozenset({(1, 2)})}, "a coach never evaluates the people they coach"),
    ({"evaluations": frozenset({(2, 1)})}, "The coachee evaluates the coach's performance"),
    ({"active_engagement_hours": (2, 2, 2)}, "over their protected-time capacity: 6 hours a week "
                                             "(15 % of 40), 6 hours already booked"),
    ({"coachee_id": 1, "coachee_manager_chain": ()}, "cannot coach themselves"),
])
def test_each_refusal_alone(change: dict[str, object], expected: str) -> None:
    problems = match_problems(replace(MATCH, **change))  # type: ignore[arg-type]
    assert len(problems) == 1
    assert expected in problems[0]


def test_all_refusals_together() -> None:
    facts = replace(MATCH, paperwork=replace(COMPLETE, role_profile=None),
                    coachee_manager_chain=(1,), coach_manager_chain=(2,),
                    evaluations=frozenset({(1, 2), (2, 1)}), active_engagement_hours=(6,))
    assert len(match_problems(facts)) == 6


def test_capacity_is_not_judged_without_a_valid_agreement() -> None:
    facts = replace(MATCH, paperwork=replace(COMPLETE, agreement=replace(
        AGREEMENT, protected_percent=30)), active_engagement_hours=(50,))
    problems = match_problems(facts)
    assert len(problems) == 1
    assert "Protected coaching time" in problems[0]


