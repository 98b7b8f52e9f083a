"""The demo seed's practicum supervision: lead@'s queue has ledger entries to verify, one
overdue and one due feedback, a 1:1 held and one due; coach@'s midpoint gate is partly met;
a second run adds nothing."""

from __future__ import annotations

import sqlalchemy as sa

from coachprog.assessments.models import Assessment
from coachprog.extensions import db
from coachprog.practicum.ledger.models import LedgerEntry
from coachprog.practicum.supervision import gates, services
from coachprog.practicum.supervision.domain import SlaState
from coachprog.practicum.supervision.models import GateDecision, OneOnOne, SessionFeedback
from coachprog.seed import practicum as seed
from tests.seed.conftest import SMALL, demo_user


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Assessment, LedgerEntry, OneOnOne, SessionFeedback, GateDecision)}


def test_seed_fills_the_queue_and_a_partly_met_gate(app, runner) -> None:
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "Demo supervision not seeded" not in result.output
    lead, coach = demo_user(seed.SUPERVISOR_EMAIL), demo_user(seed.TRAINEE_EMAIL)
    with app.test_request_context():
        queue = services.queue(lead)
        gate = gates.gate_page(lead, coach.person_id, "midpoint")
    mine = [d for d in queue.deadlines if d.trainee.id == coach.person_id]
    assert sorted(d.assessment.title for d in mine) == [t for t, _, _ in seed.DEMO_REVIEWS]
    states = {d.assessment.title: (d.feedback.state, d.one_on_one.state) for d in mine}
    assert states == {
        "Demo practicum session review 1": (SlaState.OVERDUE, SlaState.DONE),
        "Demo practicum session review 2": (SlaState.DUE, SlaState.DUE)}
    assert all(d.assessment.result["passed"] for d in mine)
    # The ledger: the last week waits for lead@, in the queue.
    assert {e.person.id for e in queue.entries} == {coach.person_id}
    assert len([e for e in queue.entries if e.person.id == coach.person_id]) == 3
    # Midpoint: a scored session (met), hours on track (not yet: 4 of 10 coached verified).
    assert [(i.key, i.met) for i in gate.items] == [("session_scored", True),
                                                    ("hours_on_track", False)]
    assert "4 of 10 coached h" in gate.items[1].detail
    meetings = db.session.scalars(sa.select(OneOnOne)).all()
    assert [(m.supervisor_user_id, m.trainee_person_id) for m in meetings] == [
        (lead.id, coach.person_id)]


def test_seed_twice_adds_nothing(runner) -> None:
    assert runner.invoke(args=SMALL).exit_code == 0
    before = _counts()
    assert before["Assessment"] >= len(seed.DEMO_REVIEWS) and before["OneOnOne"] == 1
    second = runner.invoke(args=SMALL)
    assert second.exit_code == 0, second.output
    assert _counts() == before
