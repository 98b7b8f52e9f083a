"""The public verify page: its five fields and nothing else, every status, unknown and
malformed codes, no-store, and the per-IP rate limit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from coachprog.db import set_clock
from coachprog.extensions import db
from tests.certification.certificates.access_cases import make_certification
from tests.conftest import Auth
from tests.factories import PersonFactory, UserFactory


@pytest.fixture
def clock() -> Iterator[list[datetime]]:
    now = [datetime(2026, 6, 1, 12, tzinfo=UTC)]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)


def _fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<dd data-field="([a-z_]+)">([^<]*)</dd>', html))


def _status(html: str) -> str:
    match = re.search(r'data-status="([a-z]+)"', html)
    assert match, html
    return match.group(1)


def test_verify_certificate_shows_only_its_five_fields(client: FlaskClient, auth: Auth,
                                                       clock: list[datetime]) -> None:
    manager = PersonFactory(name="Manny Manager", email="manny@example.com")
    person = PersonFactory(name="Ada Lovelace", email="ada.secret@example.com",
                           department="Quantum Finance", title="Head of Engines",
                           employee_id="EMP-77123", manager=manager)
    user = UserFactory(person=person, email="ada.login@example.com")
    cert = make_certification(person=person, level="senior_coach")
    db.session.commit()
    auth.login_as("admin")  # a signed-in visitor sees no more than anyone else
    response = client.get(f"/verify/{cert.verification_code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _fields(html) == {"name": "Ada Lovelace", "level": "Senior Coach",
                             "issued_on": "2026-03-02", "valid_until": "2027-03-02",
                             "status": "Valid"}
    for secret in ("ada.secret@example.com", "ada.login@example.com", "Quantum Finance",
                   "Head of Engines", "EMP-77123", "Manny", "@", f"/{person.id}",
                   f"/{cert.id}", "Sign out", user.display_name):
        assert secret not in html, secret
    # Nothing but the layout, the status line and the five fields carries text.
    visible = re.sub(r"<[^>]+>", "\n", re.sub(r"<head>.*</head>", "", html, flags=re.S))
    lines = [line.strip() for line in visible.splitlines() if line.strip()]
    assert lines == ["Certificate verification", "Valid", "Name", "Ada Lovelace", "Level",
                     "Senior Coach", "Issued", "2026-03-02", "Valid until", "2027-03-02",
                     "Status", "Valid", "Check another certificate"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("status", "today", "shown"), [
    ("active", date(2027, 3, 2), "valid"),  # the last valid day
    ("active", date(2027, 3, 3), "lapsed"),  # past due before the tick has recorded it
    ("lapsed", date(2026, 6, 1), "lapsed"),
    ("revoked", date(2026, 6, 1), "revoked"),
    ("superseded", date(2026, 6, 1), "expired"),
])
def test_verify_certificate_shows_the_status_today(client: FlaskClient, clock: list[datetime],
                                                   status: str, today: date,
                                                   shown: str) -> None:
    cert = make_certification(status=status)
    db.session.commit()
    clock[0] = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    html = client.get(f"/verify/{cert.verification_code}").get_data(as_text=True)
    assert _status(html) == shown
    assert _fields(html)["status"] == shown.capitalize()


def test_verify_certificate_shows_revocation_immediately(client: FlaskClient,
                                                         clock: list[datetime]) -> None:
    cert = make_certification()
    db.session.commit()
    assert _status(client.get(f"/verify/{cert.verification_code}").get_data(as_text=True)) \
        == "valid"
    cert.status = "revoked"
    cert.revoked_at = clock[0]
    cert.revoked_reason = "Conduct finding: never shown on the public page"
    db.session.commit()
    html = client.get(f"/verify/{cert.verification_code}").get_data(as_text=True)
    assert _status(html) == "revoked"
    assert "Conduct finding" not in html


@pytest.mark.parametrize("code", [
    "Zq3xVb7_kLm-9PQrsTuvWx",  # well-formed, unknown
    "short",
    "not a code!",
    "x" * 65,
    "../../etc/passwd",
    "%00",
])
def test_verify_certificate_unknown_or_malformed_code_is_404(client: FlaskClient,
                                                             code: str) -> None:
    make_certification()
    db.session.commit()
    response = client.get(f"/verify/{code}")
    assert response.status_code in (404, 400)  # a NUL is refused before any view
    if response.status_code == 404:
        html = response.get_data(as_text=True)
        assert "No certificate has this verification code" in html
        assert "Ada Lovelace" not in html


def test_verify_form_redirects_a_typed_code(client: FlaskClient) -> None:
    cert = make_certification()
    db.session.commit()
    page = client.get("/verify/")
    assert page.status_code == 200
    assert 'name="code"' in page.get_data(as_text=True)
    response = client.get("/verify/", query_string={"code": f"  {cert.verification_code} "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{cert.verification_code}")


def test_verify_certificate_is_rate_limited_per_ip(app: Flask, client: FlaskClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_VERIFY_LIMIT", "3 per minute")
    cert = make_certification()
    db.session.commit()
    answers = [client.get(f"/verify/{cert.verification_code}").status_code for _ in range(3)]
    # Unknown codes count too: the limit is what stops anyone walking the code space.
    refused = client.get("/verify/Zq3xVb7_kLm-9PQrsTuvWx")
    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Too many checks" in html
    assert "Wait a minute" in html
    # Only lookups count: the form to type a code stays available.
    assert client.get("/verify/").status_code == 200
    other_ip = client.get(f"/verify/{cert.verification_code}",
                          environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other_ip.status_code == 200
