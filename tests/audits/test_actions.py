"""Corrective actions after a "needs development" outcome."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coachprog.audits import actions, coverage, services
from coachprog.audits.sampling import services as sampling_services
from coachprog.errors import DomainError
from coachprog.extensions import db
from tests.audits.builders import (
    ADMIN,
    full_marks,
    world,
)


def test_corrective_action_lifecycle(clock) -> None:
    w = world()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=4)
    audit = sample.audits[0]
    user = db.session.get(type(w["masters"][0]), audit.auditor_user_id)
    with pytest.raises(DomainError, match="needs development"):
        actions.add_action(user, audit.id, kind="retraining", description="",
                            owner_user_id=user.id, due_on=date(2026, 12, 1))
    services.decide(user, audit.id, session_id=None, observed=True,
                    findings="Advising crept back in.", outcome="needs_development",
                    marks=full_marks())
    with pytest.raises(DomainError) as info:
        actions.add_action(user, audit.id, kind="nap", description="", owner_user_id=None,
                            due_on=date(2026, 1, 1))
    assert set(info.value.field_errors) == {"kind", "owner_user_id", "due_on"}
    action = actions.add_action(user, audit.id, kind="retraining",
                                 description="Questioning module", owner_user_id=user.id,
                                 due_on=date(2026, 12, 1))
    assert action.status == "open"
    clock[0] = datetime(2026, 12, 5, tzinfo=UTC)
    cov = coverage.coverage(ADMIN, "2026Q4")
    assert cov.actions_open == 1 and cov.actions_overdue == 1
    with pytest.raises(DomainError, match="note"):
        actions.close_action(user, action.id, status="done", note=" ")
    actions.close_action(user, action.id, status="done", note="Module completed 4 Dec")
    assert action.status == "done" and action.closed_at is not None
    with pytest.raises(DomainError, match="already closed"):
        actions.close_action(user, action.id, status="cancelled", note="again")
