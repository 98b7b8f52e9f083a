"""Certification background work: the daily tick (lapse and reminders).

Importing this module (create_app does) schedules the tick with the job queue, and imports the
services, which register the roster exclusion and match blocker for lapsed and revoked
coaches.
"""

from __future__ import annotations

import logging

from coachprog.authority import SystemActor
from coachprog.certification import services
from coachprog.extensions import db
from coachprog.governance.services import Origin, set_origin
from coachprog.jobs.schedule import register_periodic

log = logging.getLogger(__name__)


def scheduled_tick() -> services.TickSummary:
    """The worker's daily entry point: one run as the system, committed (like a job)."""
    set_origin(Origin(ip=None, via="scheduler"))
    try:
        summary = services.run_tick(SystemActor("certification tick"))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("certification tick failed; it runs again at the next schedule")
        raise
    log.info("certification tick: %s", summary.line())
    return summary


# Certification statuses and recertification reminders, once a day (idempotent).
register_periodic("coachprog.certification_tick", scheduled_tick, hour="4", minute="0")
