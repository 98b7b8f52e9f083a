"""The worker's nightly retention purge: one run as the system, committed like a job (the
services it calls only flush), scheduled with the job queue when create_app imports this
module."""

from __future__ import annotations

import logging

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.governance.services import Origin, set_origin
from coachprog.jobs.schedule import register_periodic
from coachprog.recordings.retention.services import PurgeSummary, purge_expired

log = logging.getLogger(__name__)


def scheduled_purge() -> PurgeSummary:
    """The worker's periodic entry point: one run as the system, committed (like a job)."""
    set_origin(Origin(ip=None, via="scheduler"))
    try:
        summary = purge_expired(SystemActor("retention"))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("retention purge failed; it runs again at the next schedule")
        raise
    return summary


# Recordings and transcripts past their retention period, once a night.
register_periodic("coachprog.retention_purge", scheduled_purge, hour="3", minute="30")
