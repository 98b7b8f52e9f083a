"""Certificate downloads (PDF and Open Badges 3.0 JSON) and cohort batches, on the
certification blueprint.

Policy (issue 8): the coach downloads their own certificates; admins and master coaches
anyone's (`can_download_certificate`). A cohort batch (everyone certified on one day) runs as
a background job; its zip is downloaded only by staff who may run batches — the one who
started it, or an admin (`can_download_certificate_batch`).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import current_app, make_response, render_template, url_for
from flask_login import current_user, login_required

from coachprog.authority import can
from coachprog.certification.certificates import services as certificates
from coachprog.certification.certificates.forms import CertificateBatchForm
from coachprog.certification.models import Certification
from coachprog.certification.views import bp
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.governance.services import record
from coachprog.jobs.models import Job
from coachprog.storage import send_stored
from coachprog.web import authorize, carry_out, rerender_status


@bp.app_template_filter("certificate_level")
def _level_filter(level: str) -> str:
    return certificates.level_label(level)


def _certification(cert_id: int) -> Certification:
    return get_or_404(Certification, cert_id, what="certification", actor=current_user,
                      rule="can_download_certificate")


def _context(cert: Certification) -> dict[str, Any]:
    return certificates.certificate_context(cert, base_url=current_app.config["COACHPROG_BASE_URL"])


@bp.route("/certificates/<int:cert_id>/certificate.pdf")
@login_required
def download_certificate_pdf(cert_id: int) -> Any:
    cert = _certification(cert_id)
    pdf = certificates.render_certificate_pdf(_context(cert))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{certificates.certificate_filename(cert, "pdf")}"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/certificates/<int:cert_id>/badge.json")
@login_required
def download_certificate_badge(cert_id: int) -> Any:
    cert = _certification(cert_id)
    document = certificates.open_badge_credential(
        _context(cert), base_url=current_app.config["COACHPROG_BASE_URL"])
    response = make_response(json.dumps(document, indent=2, ensure_ascii=False))
    response.headers["Content-Type"] = "application/ld+json; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{certificates.certificate_filename(cert, "json")}"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _start_batch(issued_on: date) -> Job:
    try:
        job = certificates.start_certificate_batch(current_user, issued_on=issued_on)
    except DomainError as error:  # about the date asked for: shown beside it
        raise DomainError(error.message, field_errors={"issued_on": [error.message]}) from None
    record("certification.certificate_batch_started", actor=current_user, object_type="job",
           object_id=job.id, detail={"issued_on": issued_on.isoformat(),
                                     "count": len(job.payload["certification_ids"])})
    return job


@bp.route("/certificates/batch", methods=["GET", "POST"])
@login_required
def certificate_batch() -> Any:
    authorize("can_run_certificate_batch")
    form = CertificateBatchForm()
    if not form.is_submitted():
        form.issued_on.data = utcnow().date()
    carried = carry_out(
        form, lambda: _start_batch(form.issued_on.data),
        done=url_for("certification.certificate_batch"),
        success="The certificates are being rendered; the zip appears below when it is done.")
    if carried:
        return carried
    jobs = [job for job in certificates.list_batch_jobs()
            if can(current_user, "can_download_certificate_batch", job)]
    return render_template("certification/batch.html", form=form, jobs=jobs), rerender_status()


@bp.route("/certificates/batch/<int:job_id>/certificates.zip")
@login_required
def download_certificate_batch(job_id: int) -> Any:
    job = get_or_404(Job, job_id, what="certificate batch")
    if job.kind != certificates.CERTIFICATE_BATCH:
        raise NotFound("certificate batch")
    authorize("can_download_certificate_batch", job)
    name = certificates.batch_zip_name(job)
    if name is None:
        raise NotFound("certificate batch")
    return send_stored(certificates.batch_store(), name, mimetype="application/zip",
                       as_attachment=True,
                       download_name=f"certificates-{job.payload.get('issued_on', job.id)}.zip")
