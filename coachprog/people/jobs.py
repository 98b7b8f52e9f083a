"""The people import as a background job, so the page can show progress on large files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coachprog.auth.models import User
from coachprog.errors import NotPermitted
from coachprog.extensions import db
from coachprog.jobs.models import Job
from coachprog.jobs.queue import JobFailed, Reporter, job_handler
from coachprog.people.domain import parse_people_csv
from coachprog.people.services import ImportRejected, import_people
from coachprog.storage import store_for

PEOPLE_IMPORT = "people_import"
UPLOADS = "uploads"  # the file-store area holding an upload until its job has read it


@job_handler(PEOPLE_IMPORT)
def run_people_import(job: Job, report: Reporter) -> dict[str, Any]:
    uploads = store_for(UPLOADS)
    # "path": a job queued before uploads moved into the file store (a local file name).
    name = job.payload.get("upload") or Path(job.payload["path"]).name
    try:
        actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
        report(5, "Reading the file")
        try:
            with uploads.open(name) as stored:
                data = stored.read()
        except FileNotFoundError:
            raise JobFailed("The uploaded file is no longer there; upload it again.") from None
        report(10, "Checking every row")
        plan = parse_people_csv(data)
        try:
            summary = import_people(actor, plan, source=f"csv:{job.payload.get('filename', '')}",
                                    progress=report)
        except ImportRejected as rejected:
            raise JobFailed(rejected.message, result={
                "errors": [{"line": e.line, "field": e.field, "message": e.message}
                           for e in rejected.errors],
                "more": rejected.more,
                "total_errors": rejected.total,
            }) from None
        except NotPermitted:
            raise JobFailed("You no longer have permission to import people.") from None
        return summary.as_dict()
    finally:
        # The upload is only a carrier for this job; keep no HR data lying around.
        uploads.delete(name)
