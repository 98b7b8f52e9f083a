"""Who is an appointed coach (coaching.roster)."""

from __future__ import annotations

from coachprog.coaching.roster import services as roster
from tests.coaching.builders import (
    appointed_coach,
    candidate,
)
from tests.factories import PersonFactory

# --- appointed coaches ---------------------------------------------------------------------------


def test_only_an_appointed_candidacy_makes_a_coach() -> None:
    appointed, in_panel, nobody = appointed_coach(), PersonFactory(), PersonFactory()
    candidate(in_panel, stage="panel")
    assert roster.is_appointed_coach(appointed.id)
    assert not roster.is_appointed_coach(in_panel.id)
    assert not roster.is_appointed_coach(nobody.id)
