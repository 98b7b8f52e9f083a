"""Watching a background job: a page with a progress bar and the JSON it polls."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template
from flask_login import login_required

from coachprog.errors import NotFound
from coachprog.jobs.models import Job
from coachprog.jobs.queue import get_job
from coachprog.web import authorize

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _load(job_id: int) -> Job:
    job = get_job(job_id)
    if job is None:
        raise NotFound("job")
    authorize("can_view_job", job)
    return job


@bp.route("/<int:job_id>")
@login_required
def view_job(job_id: int) -> Any:
    job = _load(job_id)
    # A job kind may have its own page; every other kind gets the generic one.
    return render_template([f"jobs/{job.kind}.html", "jobs/job.html"], job=job)


@bp.route("/<int:job_id>/status")
@login_required
def job_status(job_id: int) -> Any:
    job = _load(job_id)
    return jsonify(id=job.id, status=job.status, progress=job.progress,
                   note=job.progress_note, finished=job.is_finished, error=job.error)
