"""/api/v1/practicum/{coach}: list, create, verify, query, progress — problem+json errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.roles import Role
from tests.api.conftest import Api
from tests.practicum.builders import NOW, enrolled_trainee, entry

pytestmark = pytest.mark.usefixtures("clock")

WHEN = (NOW - timedelta(days=2)).replace(hour=9, minute=0).isoformat()


def _api(client, user) -> Api:
    _, secret = create_api_token(SystemActor("test"), user, name="t")
    db.session.commit()
    return Api(client, secret)


def test_trainee_creates_and_lists_entries(client) -> None:
    person, trainee, _ = enrolled_trainee()
    api = _api(client, trainee)
    created = api.post(f"/api/v1/practicum/{person.id}/entries", json={
        "kind": "coached_session", "starts_at": WHEN, "minutes": 60, "coachee": "Client A",
        "pro_bono": True})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "pending" and body["coachee"] == "Client A" and body["pro_bono"]
    assert body["starts_at"].startswith(WHEN[:16])
    listing = api.get(f"/api/v1/practicum/{person.id}/entries").get_json()
    assert [e["id"] for e in listing["items"]] == [body["id"]]


@pytest.mark.parametrize(("payload", "field", "message"), [
    ({"kind": "reflective_lab", "starts_at": "2099-01-01T09:00:00Z", "minutes": 60},
     "starts_at", "future"),
    ({"kind": "reflective_lab", "starts_at": WHEN, "minutes": 0}, "minutes", "more than zero"),
    ({"kind": "reflective_lab", "starts_at": WHEN, "minutes": 481}, "minutes", "8 hours"),
    ({"kind": "coached_session", "starts_at": WHEN, "minutes": 60}, "coachee", "pseudonym"),
    ({"kind": "reflective_lab", "starts_at": WHEN[:19], "minutes": 60}, "starts_at", "offset"),
])
def test_create_refuses_bad_entries_as_problems(client, payload, field, message) -> None:
    person, trainee, _ = enrolled_trainee()
    response = _api(client, trainee).post(f"/api/v1/practicum/{person.id}/entries",
                                          json=payload)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert message in " ".join(response.get_json()["errors"][field])


def test_create_refuses_overlap_and_schema_errors(client) -> None:
    person, trainee, _ = enrolled_trainee()
    entry(person, days_ago=2, hour=9)
    api = _api(client, trainee)
    clash = api.post(f"/api/v1/practicum/{person.id}/entries", json={
        "kind": "reflective_lab", "starts_at": WHEN, "minutes": 30})
    assert clash.status_code == 422 and "Overlaps" in clash.get_json()["errors"]["starts_at"][0]
    bad = api.post(f"/api/v1/practicum/{person.id}/entries", json={"kind": "gardening"})
    assert bad.status_code == 422 and "kind" in str(bad.get_json()["errors"])


def test_supervisor_verifies_and_queries_and_progress_counts_verified(client) -> None:
    person, trainee, supervisor = enrolled_trainee()
    a, b = entry(person, days_ago=2), entry(person, days_ago=3)
    api = _api(client, supervisor)
    base = f"/api/v1/practicum/{person.id}/entries"
    assert api.post(f"{base}/{a.id}/verify", json={}).get_json()["status"] == "verified"
    empty = api.post(f"{base}/{b.id}/query", json={})
    assert empty.status_code == 422 and "comment" in empty.get_json()["errors"]
    queried = api.post(f"{base}/{b.id}/query", json={"comment": "Which coachee?"})
    assert queried.get_json()["status"] == "queried"
    assert api.post(f"{base}/{a.id}/verify", json={}).status_code == 422  # already
    other, _, _ = enrolled_trainee()
    db.session.commit()
    assert api.post(f"/api/v1/practicum/{other.id}/entries/{a.id}/verify",
                    json={}).status_code == 404
    progress = api.get(f"/api/v1/practicum/{person.id}/progress").get_json()
    assert progress["coached_hours"] == 1.0 and progress["pending_hours"] == 1.0
    assert progress["coached_target"] == 20.0 and progress["enrolled"]
    assert progress["week"] == 5
    assert [g["met"] for g in progress["gates"]] == [False, False]
    # The trainee cannot verify their own entry.
    assert _api(client, trainee).post(f"{base}/{b.id}/verify", json={}).status_code == 403


def test_sponsor_and_unknown_coach(client) -> None:
    from tests.factories import UserFactory

    person, _, _ = enrolled_trainee()
    sponsor = UserFactory(roles=[Role.SPONSOR, Role.ADMIN])
    api = _api(client, sponsor)
    assert api.get(f"/api/v1/practicum/{person.id}/entries").status_code == 403
    assert api.get(f"/api/v1/practicum/{person.id}/progress").status_code == 403
    admin = _api(client, UserFactory(roles=[Role.ADMIN]))
    missing = admin.get("/api/v1/practicum/999999/entries")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_openapi_documents_the_practicum_paths(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert "/api/v1/practicum/{coach}/entries" in paths
    assert "/api/v1/practicum/{coach}/entries/{entry_id}/verify" in paths
    assert "/api/v1/practicum/{coach}/progress" in paths
    errors = paths["/api/v1/practicum/{coach}/entries"]["post"]["responses"]["422"]
    assert "application/problem+json" in errors["content"]


def test_create_refuses_entries_before_the_enrolment_in_words(client) -> None:
    person, trainee, _ = enrolled_trainee(start=(NOW - timedelta(days=3)).date())
    api = _api(client, trainee)
    before = (NOW - timedelta(days=4)).replace(hour=9, minute=0).isoformat()
    response = api.post(f"/api/v1/practicum/{person.id}/entries", json={
        "kind": "reflective_lab", "starts_at": before, "minutes": 60})
    assert response.status_code == 422
    message = " ".join(response.get_json()["errors"]["starts_at"])
    assert "before the enrolment" in message and (NOW - timedelta(days=3)).strftime(
        "%Y-%m-%d") in message
    on_the_day = (NOW - timedelta(days=3)).replace(hour=9, minute=0).isoformat()
    assert api.post(f"/api/v1/practicum/{person.id}/entries", json={
        "kind": "reflective_lab", "starts_at": on_the_day, "minutes": 60}).status_code == 201
