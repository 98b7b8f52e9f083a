"""Capstone pages through the Flask client: the versions page, writing a brief with a
preview, uploading real PDF/DOCX files and bad ones, reading and downloading a version,
revising after a fail, and the links from the ledger."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from coachprog.extensions import db
from coachprog.practicum.capstone.models import CapstoneBrief
from coachprog.roles import Role
from tests.conftest import Auth, post_form
from tests.factories import UserFactory
from tests.practicum.capstone.builders import (
    FAILING,
    KPI,
    OBJECTIVES,
    PASSING,
    capstone_trainee,
    docx_bytes,
    pdf_bytes,
    score,
    text,
)

pytestmark = pytest.mark.usefixtures("clock")


def _sign_in(auth: Auth, user) -> None:
    db.session.commit()
    assert auth.login(user.email).status_code == 302


def _form(engagement, **fields):
    data = {"mode": "markdown", "engagement_id": str(engagement.id), **KPI,
            "objectives": OBJECTIVES, "body_markdown": text(), "action": "submit"}
    data.update(fields)
    return data


def _briefs() -> list[CapstoneBrief]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(CapstoneBrief).order_by(CapstoneBrief.version)))


def test_ledger_links_to_capstone_and_triads(client, auth) -> None:
    person, trainee, _, _ = capstone_trainee()
    _sign_in(auth, trainee)
    page = client.get(f"/practicum/{person.id}/").get_data(as_text=True)
    assert f'href="/practicum/{person.id}/capstone"' in page
    assert f'href="/practicum/{person.id}/triads"' in page


def test_trainee_writes_previews_and_submits_a_brief(client, auth) -> None:
    person, trainee, supervisor, engagement = capstone_trainee()
    _sign_in(auth, trainee)
    overview = client.get(f"/practicum/{person.id}/capstone").get_data(as_text=True)
    assert "No brief submitted yet" in overview and "Write or upload your brief" in overview
    form_page = client.get(f"/practicum/{person.id}/capstone/new").get_data(as_text=True)
    assert "Leader Lena" in form_page and 'enctype="multipart/form-data"' in form_page
    preview = post_form(client, f"/practicum/{person.id}/capstone/new",
                        _form(engagement, action="preview",
                              body_markdown="## Goals\n\n<script>x</script> **KPI**"))
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<h2>Goals</h2>" in body
    assert "<strong>KPI</strong>" in body and "<script>x" not in body
    assert _briefs() == []
    response = post_form(client, f"/practicum/{person.id}/capstone/new", _form(engagement))
    assert response.status_code == 302
    brief = _briefs()[0]
    assert response.location.endswith(f"/practicum/capstone/{brief.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "Version 1 submitted for scoring." in page and "Being scored" in page
    assert "Voluntary attrition" in page and "<h1>Coaching plan</h1>" in page
    assert "Delegates one decision a week" in page
    # The supervisor finds it in their queue and reads it.
    auth.logout()
    _sign_in(auth, supervisor)
    queue = client.get("/supervision/").get_data(as_text=True)
    assert f"Capstone brief v1 of {person.name}" in queue
    assert client.get(f"/practicum/capstone/{brief.id}").status_code == 200


@pytest.mark.parametrize(("fields", "message"), [
    ({"kpi_name": ""}, "Give the KPI&#39;s name"),
    ({"kpi_source": ""}, "Give the data source"),
    ({"kpi_baseline": "40", "kpi_target": "40.0"}, "The target equals the baseline"),
    ({"objectives": "  "}, "List the session objectives"),
    ({"engagement_id": "abc"}, "Choose one of the leader engagements you coach."),
    ({"engagement_id": "99999"}, "Choose one of the leader engagements you coach."),
    ({"body_markdown": "Too short."}, "at least 100"),
    ({"mode": "upload"}, "Choose the PDF or DOCX file"),
    ({"mode": "carrier-pigeon"}, "Write the brief in the editor or upload a file."),
])
def test_bad_input_is_refused_beside_the_field(client, auth, fields, message) -> None:
    person, trainee, _, engagement = capstone_trainee()
    _sign_in(auth, trainee)
    response = post_form(client, f"/practicum/{person.id}/capstone/new",
                         _form(engagement, **fields))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and "The brief was not submitted" in body
    assert _briefs() == []


def test_missing_csrf_token_is_refused(client, auth) -> None:
    person, trainee, _, engagement = capstone_trainee()
    _sign_in(auth, trainee)
    response = client.post(f"/practicum/{person.id}/capstone/new", data=_form(engagement))
    assert response.status_code == 400 and _briefs() == []


def test_pdf_upload_and_permission_checked_download(client, auth) -> None:
    person, trainee, _, engagement = capstone_trainee()
    _sign_in(auth, trainee)
    data = pdf_bytes(2)
    response = post_form(client, f"/practicum/{person.id}/capstone/new", _form(
        engagement, mode="upload", body_markdown="", upload=(io.BytesIO(data), "plan.pdf")),
        content_type="multipart/form-data")
    assert response.status_code == 302
    brief = _briefs()[0]
    page = client.get(response.location).get_data(as_text=True)
    assert "Download the brief (PDF)" in page and "2 pages" in page
    download = client.get(f"/practicum/capstone/{brief.id}/file")
    assert download.status_code == 200 and download.data == data
    assert download.mimetype == "application/pdf"
    assert 'filename=capstone-brief-v1.pdf' in download.headers["Content-Disposition"]
    download.close()
    auth.logout()
    admin = UserFactory(roles=[Role.ADMIN])
    _sign_in(auth, admin)
    assert client.get(f"/practicum/capstone/{brief.id}/file").status_code == 403
    assert client.get(f"/practicum/capstone/{brief.id}").status_code == 403
    overview = client.get(f"/practicum/{person.id}/capstone").get_data(as_text=True)
    assert "content private" in overview and "Being scored" in overview
    assert client.get("/practicum/capstone/999999/file").status_code == 404


@pytest.mark.parametrize(("name", "data", "message"), [
    ("plan.pdf", pdf_bytes(3), "The brief has 3 pages; it is at most 2."),
    ("plan.pdf", pdf_bytes(1, password="pw"), "password-protected"),
    ("plan.pdf", b"plain text, renamed\n" * 20, "This file is not a PDF"),
    ("plan.docx", b"plain text, renamed\n" * 20, "not a Word .docx document"),
    ("plan.docx", docx_bytes(1400), "two pages hold about 1100"),
    ("notes.txt", b"hello", "Upload a PDF (.pdf) or Word (.docx) file"),
])
def test_bad_uploads_are_refused_in_words(client, auth, name, data, message) -> None:
    person, trainee, _, engagement = capstone_trainee()
    _sign_in(auth, trainee)
    response = post_form(client, f"/practicum/{person.id}/capstone/new", _form(
        engagement, mode="upload", upload=(io.BytesIO(data), name)),
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _briefs() == []


def test_docx_upload_is_accepted(client, auth) -> None:
    person, trainee, _, engagement = capstone_trainee()
    _sign_in(auth, trainee)
    response = post_form(client, f"/practicum/{person.id}/capstone/new", _form(
        engagement, mode="upload", upload=(io.BytesIO(docx_bytes(500)), "plan.docx")),
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert _briefs()[0].format == "docx"


def test_revise_after_fail_and_no_version_after_pass(client, auth) -> None:
    person, trainee, supervisor, engagement = capstone_trainee()
    _sign_in(auth, trainee)
    url = f"/practicum/{person.id}/capstone/new"
    assert post_form(client, url, _form(engagement)).status_code == 302
    blocked = post_form(client, url, _form(engagement))
    assert blocked.status_code == 400
    assert "Version 1 is still being scored" in blocked.get_data(as_text=True)
    score(_briefs()[0], supervisor, FAILING)
    db.session.commit()
    revision = client.get(url).get_data(as_text=True)
    assert "Capstone brief, version 2" in revision
    assert "12 % by Q1 2027" in revision  # the form starts from the last version
    assert post_form(client, url, _form(engagement, kpi_target="11 %")).status_code == 302
    briefs = _briefs()
    assert [(b.version, b.kpi_target) for b in briefs] == [(1, "12 % by Q1 2027"), (2, "11 %")]
    first_page = client.get(f"/practicum/capstone/{briefs[0].id}").get_data(as_text=True)
    assert "Not passed: revise and resubmit" in first_page and "Version 2" in first_page
    assert "Why it did not pass" in first_page
    score(briefs[1], supervisor, PASSING)
    db.session.commit()
    overview = client.get(f"/practicum/{person.id}/capstone").get_data(as_text=True)
    assert "has passed: no further versions" in overview and "Submit a revised" not in overview
    assert "no further versions" in client.get(url).get_data(as_text=True)
    refused = post_form(client, url, _form(engagement))
    assert refused.status_code == 400 and len(_briefs()) == 2


def test_outsiders_are_refused(client, auth) -> None:
    person, trainee, supervisor, engagement = capstone_trainee()
    _sign_in(auth, trainee)
    assert post_form(client, f"/practicum/{person.id}/capstone/new",
                     _form(engagement)).status_code == 302
    brief = _briefs()[0]
    auth.logout()
    other, other_user, _, _ = capstone_trainee()
    _sign_in(auth, other_user)
    assert client.get(f"/practicum/{person.id}/capstone").status_code == 403
    assert client.get(f"/practicum/{person.id}/capstone/new").status_code == 403
    assert post_form(client, f"/practicum/{person.id}/capstone/new",
                     _form(engagement)).status_code == 403
    assert client.get(f"/practicum/capstone/{brief.id}").status_code == 403
    assert client.get("/practicum/999999/capstone").status_code == 404
    auth.logout()
    _sign_in(auth, supervisor)  # supervisors read, never submit for the trainee
    assert client.get(f"/practicum/{person.id}/capstone/new").status_code == 403
    assert other.id != person.id
