"""Practicum's home panels: the trainee's hours still to go, the supervisor's entries to verify."""

from __future__ import annotations

import pytest

from coachprog.practicum import hooks
from coachprog.roles import Role
from tests.factories import UserFactory
from tests.practicum.builders import enrolled_trainee, entry

pytestmark = pytest.mark.usefixtures("clock")


def test_home_panel_trainee_and_supervisor(app) -> None:
    person, trainee, supervisor = enrolled_trainee()
    entry(person, days_ago=1)
    with app.test_request_context():
        panel = hooks.ledger_panel(trainee)
        texts = [i.text for i in panel.items]
        assert "Still to go: 20 more verified coached hours" in texts
        assert any("waiting for verification" in t for t in texts)
        sup = hooks.ledger_panel(supervisor)
        assert sup.items[0].count == 1
        assert hooks.ledger_panel(UserFactory(roles=[Role.RATER])) is None
