"""Certificate downloads (PDF, Open Badge JSON) for the coach, admins and master coaches; the
cohort batch job with progress and its permission-checked zip (their access cases are in
the matrix, tests/certification/certificates/access_cases.py)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from coachprog.certification.certificates import jobs as certificate_jobs
from coachprog.certification.certificates import services as certificates
from coachprog.extensions import db
from coachprog.jobs.models import Job
from tests.certification.certificates.access_cases import make_certification
from tests.certification.certificates.test_services import pdf_text, qr_texts
from tests.conftest import Auth, post_form, wait_for_job
from tests.factories import PersonFactory, UserFactory


def _own_certificate(auth: Auth) -> tuple[object, object]:
    person = PersonFactory(name="Ada Lovelace")
    user = UserFactory(person=person, roles=[])
    cert = make_certification(person=person)
    db.session.commit()
    assert auth.login(user.email).status_code == 302
    return user, cert


def test_download_certificate_pdf_by_its_coach(app: Flask, client: FlaskClient, auth: Auth,
                                               tmp_path: Path) -> None:
    _, cert = _own_certificate(auth)
    response = client.get(f"/certification/certificates/{cert.id}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.data, tmp_path)
    for expected in ("Ada Lovelace", "Certified Internal Coach", "2 March 2026",
                     "2 March 2027", cert.verification_code):
        assert expected in text
    base = app.config["COACHPROG_BASE_URL"].rstrip("/")
    [url] = qr_texts(response.data, tmp_path)
    assert url == f"{base}/verify/{cert.verification_code}"
    # The QR leads to the page that confirms the certificate.
    page = client.get(url.removeprefix(base))
    assert page.status_code == 200
    assert 'data-status="valid"' in page.get_data(as_text=True)


def test_download_certificate_badge_by_its_coach(app: Flask, client: FlaskClient,
                                                 auth: Auth) -> None:
    _, cert = _own_certificate(auth)
    response = client.get(f"/certification/certificates/{cert.id}/badge.json")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    badge = json.loads(response.data)
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["id"].endswith(f"/verify/{cert.verification_code}")
    assert badge["credentialSubject"]["achievement"]["name"] == "Certified Internal Coach"
    assert "not signed" in badge["description"]


def test_download_certificate_refuses_another_coachs(client: FlaskClient, auth: Auth) -> None:
    _own_certificate(auth)
    other = make_certification(name="Someone Else")
    db.session.commit()
    assert client.get(f"/certification/certificates/{other.id}/certificate.pdf").status_code \
        == 403
    assert client.get(f"/certification/certificates/{other.id}/badge.json").status_code == 403
    assert client.get("/certification/certificates/999999/badge.json").status_code == 404


def test_download_certificate_refuses_the_coach_a_revoked_one(client: FlaskClient,
                                                              auth: Auth) -> None:
    _, cert = _own_certificate(auth)
    cert.status = "revoked"
    db.session.commit()
    assert client.get(f"/certification/certificates/{cert.id}/certificate.pdf").status_code \
        == 403
    auth.logout()
    auth.login_as("admin")  # the program keeps its records
    assert client.get(f"/certification/certificates/{cert.id}/certificate.pdf").status_code \
        == 200


def test_certificate_actions_partial_links_only_what_the_user_may_download(
        app: Flask, client: FlaskClient, auth: Auth) -> None:
    user, cert = _own_certificate(auth)
    other = make_certification(name="Someone Else")
    db.session.commit()
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context():
        login_user(db.session.get(type(user), user.id))
        html = render_template("certification/_certificate_actions.html",
                               certifications=[cert, other])
        single = render_template("certification/_certificate_actions.html", certification=cert)
        empty = render_template("certification/_certificate_actions.html")
    assert f"/certification/certificates/{cert.id}/certificate.pdf" in html
    assert f"/certification/certificates/{cert.id}/badge.json" in html
    assert f"/verify/{cert.verification_code}" in html
    assert f"/certificates/{other.id}/" not in html
    assert "Certified Internal Coach" in html
    assert f"/certification/certificates/{cert.id}/certificate.pdf" in single
    assert "<ul" not in empty


def test_certificate_batch_renders_a_cohort_into_a_zip(app: Flask, client: FlaskClient,
                                                       auth: Auth, tmp_path: Path) -> None:
    cohort = [make_certification(name=f"Cohort Coach {n}", issued_on=date(2026, 5, 4))
              for n in range(3)]
    make_certification(name="Other Day", issued_on=date(2026, 5, 5))
    make_certification(name="Revoked Coach", issued_on=date(2026, 5, 4), status="revoked")
    db.session.commit()
    admin = auth.login_as("admin")
    response = post_form(client, "/certification/certificates/batch",
                         {"issued_on": "2026-05-04"})
    assert response.status_code == 302
    job = db.session.scalars(sa.select(Job).where(
        Job.kind == certificates.CERTIFICATE_BATCH)).one()
    assert job.created_by_id == admin.id
    job = wait_for_job(job.id)
    assert job.status == "succeeded", job.error
    assert job.result["count"] == 3
    assert job.progress == 100
    page = client.get("/certification/certificates/batch").get_data(as_text=True)
    link = f"/certification/certificates/batch/{job.id}/certificates.zip"
    assert link in page
    with client.get(link) as download:
        assert download.status_code == 200
        assert download.mimetype == "application/zip"
        data = download.data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(certificates.certificate_filename(c, "pdf") for c in cohort)
        texts = [pdf_text(archive.read(name), tmp_path) for name in names]
    assert {n for t in texts for n in range(3) if f"Cohort Coach {n}" in t} == {0, 1, 2}
    assert not any("Other Day" in t or "Revoked Coach" in t for t in texts)
    assert certificates.batch_store().delete(job.result["file"])


def test_certificate_batch_reports_progress(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    certs = [make_certification(name=f"Coach {n}", issued_on=date(2026, 5, 4))
             for n in range(12)]
    job = Job(kind=certificates.CERTIFICATE_BATCH, status="running",
              payload={"certification_ids": [c.id for c in certs], "issued_on": "2026-05-04"})
    db.session.add(job)
    db.session.commit()
    reports: list[tuple[int, str]] = []
    monkeypatch.setattr(certificates, "render_certificate_pdf", lambda context: b"%PDF-stub")
    result = certificate_jobs.run_certificate_batch(job, lambda p, n: reports.append((p, n)))
    assert result["count"] == 12
    assert reports == [(83, "10 of 12 certificates rendered"),
                       (100, "12 of 12 certificates rendered")]
    assert certificates.batch_store().delete(result["file"])


def test_certificate_batch_refuses_a_day_without_certifications(client: FlaskClient,
                                                                auth: Auth) -> None:
    auth.login_as("master_coach")
    response = post_form(client, "/certification/certificates/batch",
                         {"issued_on": "2026-05-04"})
    assert response.status_code == 400
    assert "No active certification was issued on 2026-05-04." in response.get_data(
        as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def _status_of(client: FlaskClient, url: str) -> int:
    with client.get(url) as response:
        return response.status_code


def test_certificate_batch_zip_only_for_its_starter_or_an_admin(
        app: Flask, client: FlaskClient, auth: Auth) -> None:
    starter = UserFactory(roles=["master_coach"])
    db.session.flush()
    job = Job(kind=certificates.CERTIFICATE_BATCH, status="succeeded", created_by_id=starter.id,
              payload={"certification_ids": [], "issued_on": "2026-05-04"})
    db.session.add(job)
    db.session.flush()
    job.result = {"count": 0, "file": f"batch-{job.id}-abc.zip"}
    db.session.commit()
    certificates.batch_store().put(job.result["file"], io.BytesIO(b"PK\x05\x06" + b"\0" * 18))
    url = f"/certification/certificates/batch/{job.id}/certificates.zip"
    try:
        auth.login_as("master_coach")
        assert _status_of(client, url) == 403
        auth.logout()
        auth.login(starter.email)
        assert _status_of(client, url) == 200
        auth.logout()
        auth.login_as("admin")
        assert _status_of(client, url) == 200
        # A job of another kind is not a batch, whatever its result says.
        job.kind = "people_import"
        db.session.commit()
        assert _status_of(client, url) == 404
    finally:
        certificates.batch_store().delete(job.result["file"])
