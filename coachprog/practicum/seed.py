"""Demo practicum data for `flask seed`: coach@demo.example enrolled four weeks ago, supervised
by lead@demo.example, with a few weeks of entries — the older ones verified, one queried, the
latest week waiting for verification."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import sqlalchemy as sa

TRAINEE_EMAIL = "coach@demo.example"
SUPERVISOR_EMAIL = "lead@demo.example"

# (days before today, kind, start hour, minutes, pseudonym, extra draft fields)
DEMO_ENTRIES: tuple[tuple[int, str, int, int, str, dict[str, Any]], ...] = (
    (26, "coached_session", 10, 60, "Client A", {}),
    (25, "reflective_lab", 14, 90, "", {}),
    (23, "coached_session", 11, 60, "Client B", {"pro_bono": True}),
    (19, "coached_session", 10, 60, "Client A", {}),
    (18, "peer_triad", 15, 90, "", {"triad_role": "observer"}),
    (16, "supervision", 9, 60, "", {}),
    (12, "coached_session", 10, 60, "Client C", {"is_group": True, "group_size": 4}),
    (11, "coached_session", 13, 45, "Client B", {"pro_bono": True}),
    (5, "coached_session", 10, 60, "Client A", {}),
    (4, "reflective_lab", 14, 60, "", {}),
    (2, "mentor_coaching", 9, 60, "", {}),
)
VERIFIED_BEFORE_DAYS = 10  # entries older than this are verified by the supervisor
QUERIED_DAYS = 11  # this one is queried instead


def seed_demo(actor: Any) -> bool:
    """Add this domain's demo data; running it again adds nothing. True when it added some."""
    from coachprog.auth.models import User
    from coachprog.coaching.models import SupervisorAssignment
    from coachprog.db import utcnow
    from coachprog.extensions import db
    from coachprog.practicum import services

    trainee = db.session.scalar(sa.select(User).where(User.email == TRAINEE_EMAIL))
    lead = db.session.scalar(sa.select(User).where(User.email == SUPERVISOR_EMAIL))
    if trainee is None or lead is None or trainee.person_id is None:
        return False
    person_id = trainee.person_id
    if services.get_enrolment(person_id) is not None:
        return False
    if db.session.scalar(sa.select(SupervisorAssignment.id).where(
            SupervisorAssignment.coach_person_id == person_id,
            SupervisorAssignment.supervisor_user_id == lead.id)) is None:
        db.session.add(SupervisorAssignment(coach_person_id=person_id,
                                            supervisor_user_id=lead.id,
                                            assigned_by_id=getattr(actor, "id", None)))
        db.session.flush()
    today = utcnow().date()
    services.enrol(actor, person_id, start_date=today - timedelta(weeks=4))
    drafts = [services.EntryDraft(kind=kind, day=today - timedelta(days=days), at=time(hour),
                                  minutes=minutes, coachee=pseudonym, **extra)
              for days, kind, hour, minutes, pseudonym, extra in DEMO_ENTRIES]
    entries = services.log_entries(actor, person_id, drafts)
    for (days, *_), entry in zip(DEMO_ENTRIES, entries, strict=True):
        if days == QUERIED_DAYS:
            services.review_entry(lead, entry.id, decision="query",
                                  comment="Demo: was this 45 minutes or the full hour?")
        elif days > VERIFIED_BEFORE_DAYS:
            services.review_entry(lead, entry.id, decision="verify", comment="")
    db.session.flush()
    return True
