"""Certificate and verification routes in the access matrix, plus the builders the certificate
tests share. The matrix user holds no certification of their own: admins and master coaches
download anyone's certificate, everyone else is refused; the verify pages are public
(collected by tests/test_access.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from coachprog.certification.models import Certification
from coachprog.extensions import db
from coachprog.jobs.models import Job
from tests.access import Case, statuses
from tests.factories import PersonFactory


def make_certification(*, name: str = "Ada Lovelace", level: str = "certified_internal_coach",
                       status: str = "active", issued_on: date = date(2026, 3, 2),
                       valid_until: date = date(2027, 3, 2), **fields: Any) -> Certification:
    person = fields.pop("person", None) or PersonFactory(name=name)
    cert = Certification(person=person, level=level, status=status, issued_on=issued_on,
                         valid_until=valid_until, **fields)
    db.session.add(cert)
    db.session.flush()
    return cert


def matrix_certificate() -> dict[str, Any]:
    cert = make_certification(name="Matrix Coach")
    batch = Job(kind="certification.certificate_batch", status="succeeded",
                payload={"certification_ids": [cert.id], "issued_on": "2026-03-02"},
                result={"count": 1, "file": "missing.zip"})
    db.session.add(batch)
    db.session.commit()
    return {"cert_id": cert.id, "code": cert.verification_code, "batch_id": batch.id}


STAFF = statuses(403, admin=200, master_coach=200)

CASES = [
    Case("certification.download_certificate_pdf", "GET",
         lambda o: f"/certification/certificates/{o['cert_id']}/certificate.pdf", STAFF,
         setup=matrix_certificate),
    Case("certification.download_certificate_badge", "GET",
         lambda o: f"/certification/certificates/{o['cert_id']}/badge.json", STAFF,
         setup=matrix_certificate),
    Case("certification.certificate_batch", "GET", lambda o: "/certification/certificates/batch",
         STAFF),
    # An empty form comes back with its errors.
    Case("certification.certificate_batch", "POST",
         lambda o: "/certification/certificates/batch", statuses(403, admin=400,
                                                                 master_coach=400)),
    # Started by someone else: only admins may have it (and its file is gone → 404).
    Case("certification.download_certificate_batch", "GET",
         lambda o: f"/certification/certificates/batch/{o['batch_id']}/certificates.zip",
         statuses(403, admin=404), setup=matrix_certificate),
    Case("verify.verify_form", "GET", lambda o: "/verify/", statuses(200, anonymous=200)),
    Case("verify.verify_certificate", "GET", lambda o: f"/verify/{o['code']}",
         statuses(200, anonymous=200), setup=matrix_certificate),
]
