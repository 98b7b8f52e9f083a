"""Demo certification data for `flask seed`: one certified coach, one due soon and one lapsed,
from the demo's appointed coaches (nothing when there are none). Idempotent: a coach who
already has a certification is left alone, and a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from coachprog.certification import domain
from coachprog.certification.models import Certification
from coachprog.coaching.services import active_coach_ids
from coachprog.db import utcnow
from coachprog.extensions import db

# (days until due, status) for the first three appointed coaches by id.
DEMO = ((300, "active"), (25, "active"), (-10, "lapsed"))


def seed_demo(actor: Any) -> bool:
    """Add this domain's demo data; running it again adds nothing. True when it added some."""
    if db.session.scalar(sa.select(sa.func.count(Certification.id))):
        return False
    coaches = sorted(active_coach_ids())[:len(DEMO)]
    today = utcnow().date()
    for person_id, (days, status) in zip(coaches, DEMO, strict=False):
        due = today + timedelta(days=days)
        db.session.add(Certification(
            person_id=person_id, level=domain.Level.CERTIFIED_INTERNAL_COACH.value,
            status=status, issued_on=domain.add_months(due, -12), valid_until=due,
            lapsed_at=utcnow() if status == "lapsed" else None))
    db.session.flush()
    return bool(coaches)
