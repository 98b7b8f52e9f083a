"""Certificates: the PDF a coach receives on certification, its Open Badges 3.0 export, and the
cohort batch.

Policy (issue 8, house style §8 "locked-down PDFs"):
- The PDF is rendered by WeasyPrint from `templates/pdf/certificate.html` with a plain dict
  (`certificate_context`), in a Jinja environment of its own with autoescaping on and no Flask
  globals, so a template can only show what the dict carries and a name like `<script>` prints
  as text.
- While rendering, the URL fetcher reads files under `static/` only; `file://` paths elsewhere,
  `http(s)://`, `data:` and every other scheme are refused (the resource is simply left out).
- The QR code is inline SVG (segno) encoding the public verification URL, built from
  `COACHPROG_BASE_URL`, the address people reach the site by.
- The Open Badges 3.0 / W3C Verifiable Credential document is unsigned (no signing key is
  configured for this issuer) and says so in its own text; its id is the verify URL, where
  anyone can check the credential's status today.
- A cohort's certificates (everyone certified on one day) are rendered by a background job
  (`certificates.jobs`) with progress into one zip under `instance/certificates/`, downloaded
  through a permission-checked route (who may: `certificates.permissions`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from markupsafe import Markup

from coachprog import pdf, storage
from coachprog.authority import require
from coachprog.certification.domain import LEVEL_NAMES, CertStatus
from coachprog.certification.models import Certification
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.jobs.models import Job
from coachprog.jobs.queue import create_job
from coachprog.runtime.lazy import lazy_module

if TYPE_CHECKING:
    import segno
else:
    segno = lazy_module("segno")  # only certificates need it, not app start (issue 22)

CERTIFICATE_TEMPLATE = "pdf/certificate.html"
ISSUER_NAME = "Internal Coaching Program"
CERTIFICATE_BATCH = "certification.certificate_batch"
MAX_BATCH = 1000  # a cohort graduation is ~200; the cap keeps one job bounded
UNSIGNED_NOTE = ("This credential is not signed: no signing key is configured for this "
                 "issuer. Check it at its id, the issuer's public verification page, which "
                 "shows whether it is valid, expired, revoked or lapsed today.")


# --- rendering (coachprog.pdf: static-only fetcher, own Jinja environment) ---------------


def qr_svg(url: str) -> Markup:
    """The QR code for `url` as inline SVG (no XML declaration, sized by CSS)."""
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", omitsize=True)
    return Markup(svg)  # noqa: S704 - segno's own SVG; the URL is encoded as modules, not text


def render_certificate_html(context: dict[str, Any],
                            template: str = CERTIFICATE_TEMPLATE) -> str:
    values = dict(context)
    values.setdefault("issuer_name", ISSUER_NAME)
    if "qr_svg" not in values:
        values["qr_svg"] = qr_svg(str(values["verify_url"]))
    return pdf.render_html(template, values)


def render_certificate_pdf(context: dict[str, Any], template: str = CERTIFICATE_TEMPLATE) -> bytes:
    """The certificate PDF from a plain dict (see `certificate_context` for its keys)."""
    return pdf.html_to_pdf(render_certificate_html(context, template))


def verify_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{code}"


def level_label(level: str) -> str:
    return LEVEL_NAMES.get(level, level.replace("_", " ").title())


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def certificate_context(cert: Certification, *, base_url: str) -> dict[str, Any]:
    """What a certificate shows, as plain values (the PDF template gets nothing else)."""
    url = verify_url(base_url, cert.verification_code)
    return {
        "coach_name": cert.person.name,
        "level": cert.level,
        "level_label": level_label(cert.level),
        "issued_on": _long_date(cert.issued_on),
        "issued_on_iso": cert.issued_on.isoformat(),
        "valid_until": _long_date(cert.valid_until),
        "valid_until_iso": cert.valid_until.isoformat(),
        "verification_code": cert.verification_code,
        "verify_url": url,
        "qr_svg": qr_svg(url),
        "issuer_name": ISSUER_NAME,
    }


def certificate_filename(cert: Certification, extension: str) -> str:
    return f"certificate-{cert.level.replace('_', '-')}-{cert.id}.{extension}"


# --- Open Badges 3.0 -------------------------------------------------------------------------


def open_badge_credential(context: dict[str, Any], *, base_url: str) -> dict[str, Any]:
    """An Open Badges 3.0 `OpenBadgeCredential` (a W3C Verifiable Credential), unsigned: no
    `proof`, and the document says so in its description."""
    base = base_url.rstrip("/")
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": context["verify_url"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{context['level_label']} — {context['coach_name']}",
        "description": UNSIGNED_NOTE,
        "issuer": {"id": base + "/", "type": ["Profile"], "name": ISSUER_NAME},
        "validFrom": f"{context['issued_on_iso']}T00:00:00Z",
        "validUntil": f"{context['valid_until_iso']}T23:59:59Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # The subject is named in plain text (no e-mail, no employee id): the credential
            # is meant to be shown to others.
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": context["coach_name"]}],
            "achievement": {
                "id": f"{base}/certification/levels/{context['level']}",
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": context["level_label"],
                "description": f"{context['level_label']} of the {ISSUER_NAME}, decided by a "
                               f"master coach and an admin on assembled evidence.",
                "criteria": {"narrative": "The level criteria in force when the decision was "
                                          "made, each met on recorded evidence; renewed by "
                                          "recertification every cycle."},
            },
        },
        "evidence": [{"type": ["Evidence"], "name": "Unsigned credential",
                      "narrative": UNSIGNED_NOTE}],
    }


# --- cohort batch ----------------------------------------------------------------------------


def batch_store() -> storage.Storage:
    """Finished batches live in the `certificates` area of the file store (instance/
    certificates/ or the object store): the worker that renders them may not be the web
    process that hands them out."""
    return storage.store_for("certificates")


def list_cohort_certifications(issued_on: date) -> list[Certification]:
    """A cohort: the active certifications issued on one day (a graduation)."""
    return list(db.session.scalars(
        sa.select(Certification)
        .where(Certification.issued_on == issued_on,
               Certification.status == CertStatus.ACTIVE.value)
        .order_by(Certification.id)
        .limit(MAX_BATCH + 1)))


def start_certificate_batch(actor: Any, *, issued_on: date,
                            certification_ids: list[int] | None = None) -> Job:
    """Queue the job rendering a cohort's certificates (or the given certifications). Flushes;
    the caller commits, and the job is queued when it does."""
    require(actor, "can_run_certificate_batch")
    ids = certification_ids
    if ids is None:
        ids = [c.id for c in list_cohort_certifications(issued_on)]
    if not ids:
        raise DomainError(f"No active certification was issued on {issued_on.isoformat()}.")
    if len(ids) > MAX_BATCH:
        raise DomainError(f"A batch holds at most {MAX_BATCH} certificates.")
    return create_job(CERTIFICATE_BATCH, payload={"certification_ids": ids,
                                                  "issued_on": issued_on.isoformat()},
                      created_by_id=getattr(actor, "id", None))


def list_batch_jobs(limit: int = 20) -> list[Job]:
    """The latest certificate batches (the page filters them by who may download)."""
    return list(db.session.scalars(
        sa.select(Job).where(Job.kind == CERTIFICATE_BATCH)
        .order_by(Job.id.desc()).limit(limit)))


def batch_zip_name(job: Job) -> str | None:
    """The stored name of a batch job's finished zip, or None (other kind, not finished,
    file gone)."""
    if job.kind != CERTIFICATE_BATCH or job.status != "succeeded" or not job.result:
        return None
    name = str(job.result.get("file", ""))
    if not name.startswith(f"batch-{job.id}-") or "/" in name or "\\" in name:
        return None
    return name if batch_store().exists(name) else None
