"""The pages and the API of a person's data: "Download my data", the erasure requests with
their two-person approval, and the admin export."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.data_rights.models import ErasureRequest
from coachprog.people.models import Person
from coachprog.roles import Role
from tests.conftest import post_form
from tests.factories import PersonFactory, UserFactory

REASON = "Asked for by the person on 2026-12-01 (ticket 12)."


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no error summary"
    return match.group(1)


def test_a_coach_downloads_their_data_as_json_and_pdf(auth, client) -> None:
    person = PersonFactory(name="Tegan Aldous")
    auth.login_as("coach", person_id=person.id)
    page = client.get("/account/data").get_data(as_text=True)
    assert "Download a readable summary (PDF)" in page
    response = client.get("/account/data/download.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment;" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    export = json.loads(response.data)
    assert export["subject"]["name"] == "Tegan Aldous"
    pdf = client.get("/account/data/download.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/account/data/download.xml").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "personal_data.exported")) == 2


def test_an_account_without_a_directory_record_downloads_its_own(auth, client) -> None:
    user = auth.login_as("master_coach")
    export = json.loads(client.get("/account/data/download.json").data)
    assert export["subject"]["person_id"] is None
    assert [row["id"] for row in export["sections"]["accounts"]["data"]["users"]] == [user.id]


def test_erasure_needs_a_second_admin(auth, client) -> None:
    person = PersonFactory(name="Osian Brackley", employee_id="OB-1")
    db.session.commit()
    asker = auth.login_as("admin")
    form = client.get("/admin/erasure?employee_id=OB-1").get_data(as_text=True)
    assert 'value="OB-1"' in form
    response = post_form(client, "/admin/erasure", {"employee_id": "OB-1", "reason": REASON})
    assert response.status_code == 302
    request = db.session.scalar(sa.select(ErasureRequest))
    assert request is not None and request.requested_by_id == asker.id
    page = client.get(f"/admin/erasure/{request.id}").get_data(as_text=True)
    assert "a second admin must approve it" in page and "Approve and erase" not in page
    refused = post_form(client, f"/admin/erasure/{request.id}/approve", {"confirm": "y"})
    assert refused.status_code == 409
    assert "second admin" in _summary(refused.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Person, person.id).name == "Osian Brackley"

    auth.logout()
    auth.login_as("admin")
    page = client.get(f"/admin/erasure/{request.id}").get_data(as_text=True)
    assert "Approve and erase" in page
    unticked = post_form(client, f"/admin/erasure/{request.id}/approve", {})
    assert unticked.status_code == 400 and "Tick the box" in _summary(
        unticked.get_data(as_text=True))
    approved = post_form(client, f"/admin/erasure/{request.id}/approve", {"confirm": "y"})
    assert approved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, person.id).name.startswith("Erased person ")
    done = client.get(f"/admin/erasure/{request.id}").get_data(as_text=True)
    assert "Osian Brackley" not in done and "What was removed" in done
    listing = client.get("/admin/erasure").get_data(as_text=True)
    assert "Osian Brackley" not in listing


def test_a_request_for_nobody_is_refused_next_to_its_field(auth, client) -> None:
    auth.login_as("admin")
    response = post_form(client, "/admin/erasure", {"employee_id": "none", "reason": REASON})
    assert response.status_code == 409
    assert 'href="#employee_id"' in _summary(response.get_data(as_text=True))


def _api_headers(*roles: Role) -> dict[str, str]:
    user = UserFactory(roles=list(roles))
    _, secret = create_api_token(SystemActor("test"), user, name="test")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_api_exports_for_admins_and_refuses_an_erased_id_in_a_bulk_upsert(client) -> None:
    PersonFactory(name="Wren Castell", employee_id="de/ber/9")
    headers = _api_headers(Role.ADMIN)
    response = client.get("/api/v1/personal-data/de/ber/9", headers=headers)
    assert response.status_code == 200
    assert response.json["subject"]["name"] == "Wren Castell"
    assert client.get("/api/v1/personal-data/nobody", headers=headers).status_code == 404

    from coachprog.people.data_rights.services import erase_now

    erase_now(SystemActor("test"), "de/ber/9", REASON)
    db.session.commit()
    body = {"people": [{"employee_id": "de/ber/9", "name": "Wren Castell",
                        "email": "wren@example.com"}]}
    refused = client.post("/api/v1/people/bulk", json=body, headers=headers)
    assert refused.status_code == 422
    [message] = refused.json["errors"]["people.0.employee_id"]
    assert "erased on" in message and "not recreated" in message
