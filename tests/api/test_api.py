"""The JSON API under /api/v1 (`coachprog/api/__init__.py`): bearer tokens, /me, problem
details and the generated OpenAPI document."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coachprog.auth.models import ApiToken
from coachprog.auth.services import revoke_api_token
from coachprog.db import utcnow
from coachprog.extensions import db
from tests.api.conftest import PROBLEM, Api, assert_problem, item, people_count
from tests.factories import PersonFactory

# --- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/me", "/api/v1/people", "/api/v1/people/E1"])
def test_no_token_is_a_401_problem_with_a_bearer_challenge(anonymous_api, url):
    response = anonymous_api.get(url)

    body = assert_problem(response, 401)
    assert body["title"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="coachprog"'


def test_no_token_on_bulk_is_a_401_and_writes_nothing(anonymous_api):
    response = anonymous_api.post("/api/v1/people/bulk", json={"people": [item("E1")]})

    assert_problem(response, 401)
    assert people_count() == 0


@pytest.mark.parametrize("authorization", [
    "Bearer cp_not-a-real-token",
    "Bearer garbage",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "cp_missing-scheme",
])
def test_a_garbage_token_is_a_401(client, make_token, authorization):
    make_token("admin")

    response = client.get("/api/v1/me", headers={"Authorization": authorization})

    assert_problem(response, 401)
    assert "WWW-Authenticate" in response.headers


def test_a_revoked_token_is_a_401(client, make_token):
    user, secret = make_token("admin")
    api = Api(client, secret)
    assert api.get("/api/v1/me").status_code == 200
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))

    revoke_api_token(user, token.id)
    db.session.commit()

    assert_problem(api.get("/api/v1/me"), 401)


def test_the_token_of_a_deactivated_account_is_a_401(client, make_token):
    user, secret = make_token("admin")
    user.is_active = False
    db.session.commit()

    assert_problem(Api(client, secret).get("/api/v1/me"), 401)


def test_a_signed_in_browser_session_does_not_authenticate_the_api(client, auth):
    auth.login_as("admin")

    response = client.get("/api/v1/people")

    assert_problem(response, 401)


def test_using_a_token_records_when_it_was_last_used(client, make_token):
    user, secret = make_token("admin")

    assert Api(client, secret).get("/api/v1/me").status_code == 200

    db.session.rollback()
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.last_used_at is not None
    assert utcnow() - token.last_used_at < timedelta(minutes=1)


# --- /me -----------------------------------------------------------------------------------------


def test_me_returns_the_account_and_its_roles(client, make_token):
    person = PersonFactory(employee_id="E42")
    user, secret = make_token("manager", "coach", person_id=person.id,
                              display_name="Mona Manager")

    response = Api(client, secret).get("/api/v1/me")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"id": user.id, "email": user.email,
                                   "display_name": "Mona Manager",
                                   "roles": ["coach", "manager"], "employee_id": "E42"}


def test_me_without_a_person_record(api_as):
    body = api_as("admin").get("/api/v1/me").get_json()

    assert body["roles"] == ["admin"]
    assert body["employee_id"] is None


def test_an_unknown_api_route_is_a_404_problem(api_as):
    assert_problem(api_as("admin").get("/api/v1/nothing-here"), 404)


def test_a_wrong_method_is_a_405_problem(api_as):
    assert_problem(api_as("admin").post("/api/v1/me", json={}), 405)


# --- the OpenAPI document -------------------------------------------------------------------------


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_openapi_document_is_openapi_3_and_describes_the_api(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "coachprog API"
    paths = spec["paths"]
    for path in ("/api/v1/me", "/api/v1/people", "/api/v1/people/bulk",
                 "/api/v1/people/{employee_id}"):
        assert path in paths
    assert set(paths["/api/v1/people/bulk"]) == {"post"}
    assert set(paths["/api/v1/people"]) == {"get"}
    parameters = {p["name"] for p in paths["/api/v1/people"]["get"]["parameters"]}
    assert parameters == {"q", "department", "status", "page", "per_page"}


def test_openapi_document_declares_bearer_security_on_every_operation(spec):
    schemes = spec["components"]["securitySchemes"]
    bearer = [name for name, scheme in schemes.items()
              if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer"]
    assert len(bearer) == 1
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security") == [{bearer[0]: []}], f"{method} {path}"


def test_openapi_document_has_only_api_routes(spec):
    assert all(path.startswith("/api/v1/") for path in spec["paths"])
    for html_route in ("/login", "/logout", "/people/import", "/people/", "/jobs/{job_id}",
                       "/account", "/"):
        assert html_route not in spec["paths"]


def test_openapi_document_describes_errors_as_problem_details(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith(("4", "5")):
                    continue
                assert list(response["content"]) == [PROBLEM], f"{method} {path} {status}"
    responses = spec["paths"]["/api/v1/people"]["get"]["responses"]
    assert {"200", "401", "403", "422"} <= set(responses)
    assert {"200", "401", "403", "404"} <= set(
        spec["paths"]["/api/v1/people/{employee_id}"]["get"]["responses"])
    assert {"200", "401", "403", "422"} <= set(
        spec["paths"]["/api/v1/people/bulk"]["post"]["responses"])


def test_openapi_document_schemas_resolve_and_are_named_once(spec):
    schemas = spec["components"]["schemas"]
    text = json.dumps(spec)
    for name in schemas:
        assert name[-1] not in "0123456789", f"{name} looks like an accidental duplicate"
    for ref in set(re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", text)):
        assert ref in schemas


def test_problem_bodies_match_the_documented_problem_schema(spec, anonymous_api):
    ref = spec["paths"]["/api/v1/me"]["get"]["responses"]["401"]["content"][PROBLEM]["schema"]
    schema = spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    body = anonymous_api.get("/api/v1/me").get_json()

    assert set(schema["required"]) <= set(body)
    assert set(body) <= set(schema["properties"])
    assert schema["properties"]["detail"]["type"] == "string"


def test_openapi_document_needs_no_token(client):
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_openapi_document_passes_a_validator(spec):
    from openapi_spec_validator import validate

    validate(spec)
