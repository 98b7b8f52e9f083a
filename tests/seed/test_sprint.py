"""The demo seed's selection sprint: an open sprint with its panel and a few candidates."""

from __future__ import annotations

import sqlalchemy as sa

from coachprog.auth import services as auth_services
from coachprog.extensions import db
from coachprog.notifications.models import OutboxMessage
from coachprog.seed.sprint import DEMO_SPRINT, _report_of
from coachprog.selection.models import Candidate, Sprint

SMALL = ["seed", "--people", "120"]



def test_seed_opens_a_demo_sprint_once(runner) -> None:
    assert runner.invoke(args=["rubrics", "load"]).exit_code == 0
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "Demo sprint not seeded" not in result.output
    sprint = db.session.scalar(sa.select(Sprint).where(Sprint.name == DEMO_SPRINT))
    assert sprint is not None and sprint.status == "open"
    assert sorted(m.panel_role for m in sprint.panel) == [
        "business_sponsor", "external_master_coach", "hr_ld"]
    # The demo manager nominates a report of theirs who holds no demo account, if the
    # organisation has one (a 60-person demo may not).
    nominee = _report_of(auth_services.get_user_by_email("manager@demo.example"))
    stages = sorted(db.session.scalars(
        sa.select(Candidate.stage).where(Candidate.sprint_id == sprint.id)))
    expected = ["applied", "applied", "interview", "interview", "rejected", "simulations"]
    invitations = ["selection.invitation"] if nominee else []
    assert stages == sorted(expected + (["nominated"] if nominee else []))
    kinds = sorted(db.session.scalars(sa.select(OutboxMessage.kind).where(
        OutboxMessage.kind.like("selection.%"))))
    # Three moved to interview, one on to the simulations, one rejected.
    assert kinds == sorted(["selection.decision", *["selection.scheduling"] * 4,
                            *invitations])
    again = runner.invoke(args=SMALL)
    assert again.exit_code == 0, again.output
    db.session.expire_all()
    # Only the demo sprint's own candidates are counted: the audits seed appoints a separate
    # demo cohort so that a quarter's audit sample has coaches to draw from.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Candidate)
                             .where(Candidate.sprint_id == sprint.id)) == len(stages)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Sprint)
                             .where(Sprint.name == DEMO_SPRINT)) == 1
