"""Delivery of outbox e-mails as background jobs.

One job per message, created with it in the sender's transaction. The job is the unit of work
here, so it commits: a failure is committed (message marked failed, audit entry) before the
job itself is failed, which would otherwise roll the failure back with everything else.
"""

from __future__ import annotations

from typing import Any

from coachprog.errors import NotFound
from coachprog.extensions import db
from coachprog.jobs.models import Job
from coachprog.jobs.queue import JobFailed, Reporter, job_handler
from coachprog.notifications import services


@job_handler(services.DELIVER_JOB)
def deliver_outbox_message(job: Job, report: Reporter) -> dict[str, Any]:
    message_id = int(job.payload["message_id"])
    try:
        message = services.deliver_message(message_id)
    except services.DeliveryFailed as failure:
        db.session.commit()
        raise JobFailed(f"E-mail #{message_id} was not delivered: {failure.reason}",
                        result={"message_id": message_id, "status": "failed"}) from None
    except NotFound:
        raise JobFailed(f"E-mail #{message_id} is no longer in the outbox.") from None
    return {"message_id": message.id, "status": message.status}
