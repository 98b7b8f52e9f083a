"""The coach list: paperwork status and capacity (coaching.coaches)."""

from __future__ import annotations

from coachprog.coaching.paperwork import services
from tests.coaching.builders import (
    appointed_coach,
    engagement,
    paperwork,
    ready_coach,
)
from tests.factories import PersonFactory


def test_list_coaches_summarises_paperwork_and_capacity(admin) -> None:
    ready = ready_coach(name="Ada Ready")
    unsigned = appointed_coach(name="Bo Unsigned")
    paperwork(unsigned, signed=False)
    bare = appointed_coach(name="Cy Bare")
    engagement(ready, PersonFactory(), hours=1.5)
    engagement(ready, PersonFactory(), hours=1.0)
    engagement(ready, PersonFactory(), status="ended")
    summaries = services.list_coaches(admin)
    assert [s.coach.id for s in summaries] == [ready.id, unsigned.id, bare.id]
    first, second, third = summaries
    assert first.paperwork_complete
    assert (first.capacity.protected_hours, first.capacity.booked_hours,
            first.capacity.active_engagements, first.capacity.free_hours) == (6.0, 2.5, 2, 3.5)
    assert not second.paperwork_complete and len(second.missing) == 3
    assert third.capacity.protected_hours is None and third.paperwork is None
