"""Demo safeguarding data for `flask seed`: coach@demo.example has raised a harassment concern
by hand (owned by their master coach, master@, with admin@ named on the path; coach@ no longer
sees it), and L&D has recorded and closed a low-severity adverse effect, so the safeguarding
pages and counts have something to show. Each part is skipped when its marker (the summary; the
title) exists, so a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from coachprog.auth.models import User
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.safeguarding.escalations import services as escalations
from coachprog.safeguarding.escalations.models import EscalationCase
from coachprog.safeguarding.incidents import domain as incident_domain
from coachprog.safeguarding.incidents import services as incidents
from coachprog.safeguarding.incidents.models import Incident

COACH_EMAIL = "coach@demo.example"
CASE_SUMMARY = ("Demo: in our third session Client B (initials only) said a colleague keeps "
                "making remarks about her accent in team meetings and that she dreads going in.")
INCIDENT_TITLE = "Demo: coachee upset by a question about a past redundancy"


def seed_demo(actor: Any) -> None:
    coach = db.session.scalar(sa.select(User).where(User.email == COACH_EMAIL))
    if coach is not None and db.session.scalar(sa.select(EscalationCase.id).where(
            EscalationCase.summary == CASE_SUMMARY)) is None:
        # Raised as coach@ would raise it, from the form.
        escalations.raise_case(coach, category="harassment", summary=CASE_SUMMARY)
    if db.session.scalar(sa.select(Incident.id).where(Incident.title == INCIDENT_TITLE)) is None:
        today = utcnow().date()
        row = incidents.record_incident(actor, incident_domain.IncidentInput(
            kind=incident_domain.IncidentKind.ADVERSE_EFFECT.value,
            severity=incident_domain.Severity.LOW.value, title=INCIDENT_TITLE,
            description="The coachee was upset for the rest of the session; the coach paused "
                        "and agreed the topic stays out of scope.",
            occurred_on=today - timedelta(days=9),
            follow_up="Lead coach to check in with the coach in their next 1:1.",
            follow_up_due=today - timedelta(days=2)))
        incidents.close_incident(actor, row.id, note="Checked in 1:1; the coach handled it "
                                                     "well and the coachee is fine.")
