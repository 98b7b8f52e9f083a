"""Privacy incidents and adverse effects: the recording rules (pure) and the counts the
scorecard reads."""

from __future__ import annotations

from datetime import date

import pytest

from coachprog.errors import DomainError, NotPermitted
from coachprog.roles import Role
from coachprog.safeguarding import scorecard
from coachprog.safeguarding.incidents import domain, services
from tests.factories import UserFactory
from tests.safeguarding.builders import SYSTEM

TODAY = date(2026, 12, 7)


def _entry(**kw: object) -> domain.IncidentInput:
    base: dict[str, object] = {
        "kind": "privacy_incident", "severity": "low", "title": "Transcript e-mailed",
        "description": "Sent to the wrong person, recalled.", "occurred_on": date(2026, 11, 1),
        "follow_up": "", "follow_up_due": None}
    return domain.IncidentInput(**{**base, **kw})  # type: ignore[arg-type]


def test_record_rules_name_each_problem() -> None:
    assert domain.record_problems(_entry(), TODAY) == {}
    problems = domain.record_problems(_entry(kind="x", severity="y", title=" ", description="",
                                             occurred_on=None), TODAY)
    assert set(problems) == {"kind", "severity", "title", "description", "occurred_on"}
    assert "future" in domain.record_problems(_entry(occurred_on=date(2027, 1, 1)),
                                              TODAY)["occurred_on"][0]
    serious = domain.record_problems(_entry(severity="critical"), TODAY)
    assert set(serious) == {"follow_up", "follow_up_due"}
    assert "before" in domain.record_problems(
        _entry(follow_up_due=date(2026, 10, 1)), TODAY)["follow_up_due"][0]
    assert domain.close_problems("closed", "") == {
        "": ["This record is already closed."],
        "note": ["Write what was done and why it can be closed."]}
    assert domain.is_overdue("open", date(2026, 12, 1), TODAY)
    assert not domain.is_overdue("closed", date(2026, 12, 1), TODAY)


def test_counts_by_period_and_severity_for_the_scorecard(app) -> None:
    services.record_incident(SYSTEM, _entry(severity="high", follow_up="Call the DPO.",
                                            follow_up_due=date(2026, 11, 3)))
    services.record_incident(SYSTEM, _entry())
    closed = services.record_incident(SYSTEM, _entry(occurred_on=date(2026, 11, 20)))
    services.close_incident(SYSTEM, closed.id, note="Recalled.")
    services.record_incident(SYSTEM, _entry(occurred_on=date(2026, 9, 30)))
    services.record_incident(SYSTEM, _entry(kind="adverse_effect", severity="medium"))
    counts = scorecard.count_privacy_incidents(date(2026, 10, 1), date(2027, 1, 1))
    assert counts == {"low": 2, "medium": 0, "high": 1, "critical": 0, "total": 3, "open": 2}
    assert scorecard.count_adverse_effects(date(2026, 10, 1), date(2027, 1, 1))["medium"] == 1
    assert scorecard.count_escalations(date(2026, 10, 1), date(2027, 1, 1))["raised"] == 0


def test_only_staff_and_coaches_record_and_only_ld_reads(app) -> None:
    with pytest.raises(NotPermitted):
        services.record_incident(UserFactory(roles=[Role.SPONSOR]), _entry())
    row = services.record_incident(UserFactory(roles=[Role.COACH]), _entry())
    with pytest.raises(NotPermitted):
        services.get_incident(UserFactory(roles=[Role.MASTER_COACH]), row.id)
    with pytest.raises(DomainError):
        services.record_incident(SYSTEM, _entry(title=""))
