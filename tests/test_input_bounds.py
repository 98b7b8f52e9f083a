"""No input yields a 500: integers beyond what the database holds, in URLs, query strings,
forms and JSON, are refused in words through coachprog.validation (issue 19).

The crawl tests walk every route of the demo organisation with out-of-range numbers in every
integer place the code reads; the named tests pin the endpoints that used to fail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.validation import DB_ID_MAX, WholeNumberField, parse_id, parse_int
from tests.conftest import Auth, csrf_token
from tests.factories import UserFactory

HUGE = str(2**63)  # one past the largest BIGINT
HUGER = "9" * 30
FALLBACK = "larger than this server can store"  # the safety net's words: validators come first
PACKAGE = Path(__file__).resolve().parent.parent / "coachprog"


@pytest.fixture
def demo(app: Flask, runner: Any, client: FlaskClient) -> dict[str, Any]:
    """The demo organisation, signed in as a user holding every role, plus an API token."""
    assert runner.invoke(args=["rubrics", "load"]).exit_code == 0
    assert runner.invoke(args=["seed"]).exit_code == 0
    user = UserFactory(roles=list(Role))
    _, secret = create_api_token(SystemActor("test"), user, name="crawl")
    db.session.commit()
    assert Auth(client).login(user.email).status_code == 302
    return {"token": secret, "headers": {"Authorization": f"Bearer {secret}",
                                        "Accept": "application/json"}}


def test_parse_int_takes_ascii_digits_in_range_only() -> None:
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7
    assert parse_id(str(DB_ID_MAX)) == DB_ID_MAX
    for bad in (HUGE, HUGER, "0", "-3", "²", "٣", "1e3", "", None, "4.0", True):
        assert parse_id(bad) is None, bad
    assert parse_int("-5") == -5 and parse_int("5", maximum=4) is None


def _unbound_fields(form: type[FlaskForm]) -> Iterator[tuple[str, UnboundField]]:
    for klass in form.__mro__:
        for name, value in vars(klass).items():
            if isinstance(value, UnboundField):
                yield name, value


def _all_forms() -> list[type[FlaskForm]]:
    found: list[type[FlaskForm]] = []
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        found.append(form)
        pending.extend(form.__subclasses__())
    return found


def _integer_field_names() -> set[str]:
    """Every form field that holds a number or an id: whole-number fields and selects whose
    choices are ids."""
    names: set[str] = set()
    for form in _all_forms():
        for name, field in _unbound_fields(form):
            coerce = field.kwargs.get("coerce")
            if (isinstance(field.field_class, type)
                    and issubclass(field.field_class, WholeNumberField)) or (
                    coerce is not None and coerce is not str) or name.endswith("_id"):
                names.add(name)
    return names


def _query_names() -> set[str]:
    pattern = re.compile(r"request\.args(?:\.get\(|\[)\"(\w+)\"")
    names = {name for path in PACKAGE.rglob("*.py") for name in pattern.findall(path.read_text())}
    return names | {"page"}  # web.page_arg reads it by a variable name


def test_the_crawl_knows_the_integer_inputs() -> None:
    # Guard the crawl itself: it must see the inputs that used to overflow.
    assert {"coach_person_id", "rater_id", "supervisor_user_id", "auditor_user_id",
            "minutes", "capacity", "seed"} <= _integer_field_names()
    assert {"from", "coach", "evidence", "page"} <= _query_names()


def _concrete(rule: str, number: str) -> str:
    url = re.sub(r"<int:[^>]+>", number, rule)
    return re.sub(r"<[^>]+>", "x", url)


def test_every_page_refuses_out_of_range_numbers_in_words(app: Flask, client: FlaskClient,
                                                          demo: dict[str, Any]) -> None:
    query = dict.fromkeys(_query_names(), HUGE)
    fields = dict.fromkeys(_integer_field_names(), HUGE)
    fields["csrf_token"] = csrf_token(client, "/account")
    crashed: list[str] = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "static" or "logout" in rule.rule:
            continue
        for number in ("1", "2", HUGE):
            url = _concrete(rule.rule, number)
            if "GET" in (rule.methods or ()):
                response = client.get(url, query_string=query)
                if response.status_code >= 500 or FALLBACK.encode() in response.get_data():
                    crashed.append(f"GET {url} -> {response.status_code}")
            if "POST" in (rule.methods or ()):
                response = client.post(url, data=fields)
                if response.status_code >= 500 or FALLBACK.encode() in response.get_data():
                    crashed.append(f"POST {url} -> {response.status_code}")
            db.session.rollback()
    assert crashed == []


def _body_schema(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    schema = (content.get("application/json") or content.get("multipart/form-data")
              or {}).get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_api_integer_input_is_bounded_and_refused_in_words(
        client: FlaskClient, demo: dict[str, Any]) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    headers = demo["headers"]
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            url = re.sub(r"\{[^}]+\}", "1", path)
            for parameter in operation.get("parameters", []):
                if parameter.get("schema", {}).get("type") != "integer":
                    continue
                # The document says how far each integer may go, and the server holds to it.
                assert parameter["schema"].get("maximum", 2**64) <= DB_ID_MAX, parameter
                if parameter["in"] == "path":
                    response = client.open(re.sub(r"\{[^}]+\}", HUGE, path),
                                           method=method.upper(), headers=headers, json={})
                    # 405 where another method's route has the same shape (werkzeug checks
                    # the method before the converter): refused in words either way.
                    assert response.status_code in (404, 405), (path, response.status_code)
                    assert response.mimetype == "application/problem+json"
                else:
                    response = client.open(url, method=method.upper(), headers=headers,
                                           query_string={parameter["name"]: HUGE})
                    assert response.status_code == 422, (path, parameter["name"])
                    assert parameter["name"] in response.get_json()["errors"]
                checked += 1
            properties = _body_schema(spec, operation).get("properties", {})
            for name, schema in properties.items():
                if schema.get("type") not in ("integer", ["integer", "null"]):
                    continue
                assert schema.get("maximum", 2**64) <= DB_ID_MAX, (path, name)
                multipart = "multipart/form-data" in operation["requestBody"]["content"]
                sent = {"data": {name: HUGE}} if multipart else {"json": {name: int(HUGE)}}
                response = client.open(url, method=method.upper(), headers=headers, **sent)
                assert response.status_code == 422, (path, name, response.status_code)
                problem = response.get_json()
                assert response.mimetype == "application/problem+json"
                assert name in problem["errors"] and "less than or equal" in str(
                    problem["errors"][name]), (path, name, problem)
                checked += 1
    assert checked >= 10


def test_candidates_by_an_impossible_sprint_is_a_422_in_words(
        client: FlaskClient, demo: dict[str, Any]) -> None:
    response = client.get(f"/api/v1/candidates?sprint_id={HUGE}", headers=demo["headers"])
    assert response.status_code == 422
    assert response.get_json()["errors"]["sprint_id"] == [
        f"Must be greater than or equal to 0 and less than or equal to {DB_ID_MAX}."]
    assert client.get("/api/v1/candidates?sprint_id=999",
                      headers=demo["headers"]).status_code in (200, 404)


@pytest.mark.parametrize(("url", "data", "field"), [
    ("/assessments/new", {"title": "T", "rubric_version_id": HUGE}, "rubric"),
    ("/recordings/supervisors", {"coach_person_id": HUGE, "supervisor_user_id": HUGE},
     "coach"),
    ("/coaching/engagements/new", {"coach_person_id": HUGE}, "coach"),
])
def test_forms_refuse_impossible_ids_with_an_error_summary(
        client: FlaskClient, demo: dict[str, Any], url: str, data: dict[str, str],
        field: str) -> None:
    data = {**data, "csrf_token": csrf_token(client, url)}
    response = client.post(url, data=data)
    assert response.status_code in (400, 422)
    body = response.get_data(as_text=True)
    assert 'role="alert"' in body and field in body.lower()


def test_whole_number_fields_refuse_numbers_no_column_holds(client: FlaskClient,
                                                            demo: dict[str, Any]) -> None:
    response = client.post("/audits/draw", data={
        "quarter": "2026Q4", "seed": HUGE, "percent": "20",
        "csrf_token": csrf_token(client, "/audits/")})
    assert response.status_code == 400
    assert "out of range: give one from -2,147,483,648 to 2,147,483,647" in response.get_data(
        as_text=True)


def test_consent_text_prefill_ignores_an_impossible_id(client: FlaskClient,
                                                      demo: dict[str, Any]) -> None:
    assert client.get(f"/consent/texts/new?from={HUGE}").status_code == 200
    assert client.get("/consent/texts/new?from=²").status_code == 200
    assert client.get("/people/?page=²").status_code == 200


def test_a_value_no_column_holds_is_a_400_in_words_even_past_the_validators(
        client: FlaskClient, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # The safety net behind coachprog.validation, with the errors the drivers really raise.
    import sqlalchemy.exc

    from coachprog.auth import services as auth_services
    from coachprog.people import services as people_services

    def overflow(*args: Any, **kwargs: Any) -> Any:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    def out_of_range(*args: Any, **kwargs: Any) -> Any:
        raise sqlalchemy.exc.DataError("SELECT 1", {}, Exception("integer out of range"))

    monkeypatch.setattr(auth_services, "get_user", overflow)
    page = client.get("/admin/users/1")
    assert page.status_code == 400
    assert FALLBACK in page.get_data(as_text=True)
    monkeypatch.setattr(people_services, "get_person_by_employee_id", out_of_range)
    problem = client.get("/api/v1/people/E1", headers=demo["headers"])
    assert problem.status_code == 400 and problem.mimetype == "application/problem+json"
    assert FALLBACK in problem.get_json()["detail"]
