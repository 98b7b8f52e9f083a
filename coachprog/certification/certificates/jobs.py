"""The cohort batch job: every certificate of a cohort rendered into one zip in the file store,
with progress (queued by `services.start_certificate_batch`). Importing this module (create_app
does) registers the handler."""

from __future__ import annotations

import io
import secrets
import zipfile
from typing import Any

import sqlalchemy as sa
from flask import current_app

from coachprog.certification.certificates import services
from coachprog.certification.models import Certification
from coachprog.extensions import db
from coachprog.jobs.models import Job
from coachprog.jobs.queue import JobFailed, Reporter, job_handler


@job_handler(services.CERTIFICATE_BATCH)
def run_certificate_batch(job: Job, report: Reporter) -> dict[str, Any]:
    ids = [int(i) for i in job.payload.get("certification_ids", [])]
    base_url = current_app.config["COACHPROG_BASE_URL"]
    certs = {c.id: c for c in db.session.scalars(
        sa.select(Certification).where(Certification.id.in_(ids)))}
    missing = [i for i in ids if i not in certs]
    if missing:
        raise JobFailed(f"{len(missing)} of the certifications are no longer there.")
    # A random name: the file is reached only through the permission-checked route.
    name = f"batch-{job.id}-{secrets.token_hex(8)}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for n, cert_id in enumerate(ids, start=1):
            cert = certs[cert_id]
            context = services.certificate_context(cert, base_url=base_url)
            pdf = services.render_certificate_pdf(context)
            archive.writestr(services.certificate_filename(cert, "pdf"), pdf)
            if n % 10 == 0 or n == len(ids):
                report(int(n * 100 / len(ids)), f"{n} of {len(ids)} certificates rendered")
    buffer.seek(0)
    services.batch_store().put(name, buffer)  # atomic: a download sees the whole zip or none
    return {"count": len(ids), "file": name}
