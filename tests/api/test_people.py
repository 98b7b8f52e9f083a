"""/api/v1/people and /people/bulk (`coachprog/api/people.py`): the directory for integrations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.auth.models import ApiToken
from coachprog.auth.services import revoke_api_token
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.models import Person
from tests.api.conftest import PROBLEM, Api, assert_problem, item, people_count
from tests.factories import PersonFactory
from tests.people.conftest import snapshot

# --- GET /people ---------------------------------------------------------------------------------


def test_people_lists_active_people_by_name_with_their_manager(api_as, org):
    response = api_as("admin").get("/api/v1/people")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 5)
    assert [p["employee_id"] for p in body["items"]] == ["E1", "E2", "E3", "E4", "E5"]
    ben = body["items"][1]
    assert set(ben) == {"id", "employee_id", "name", "email", "department", "title",
                        "manager_employee_id", "active", "location", "hired_on"}
    assert (ben["name"], ben["email"], ben["manager_employee_id"], ben["active"]) == (
        "Ben Okafor", "ben@example.com", "E1", True)
    assert body["items"][0]["manager_employee_id"] is None


def test_people_pagination(api_as, org):
    api = api_as("lead_coach")

    pages = [api.get(f"/api/v1/people?status=all&per_page=4&page={n}").get_json()
             for n in (1, 2, 3)]

    assert [[p["employee_id"] for p in page["items"]] for page in pages] == [
        ["E1", "E2", "E3", "E4"], ["E5", "E6"], []]
    assert {page["total"] for page in pages} == {6}
    assert [page["page"] for page in pages] == [1, 2, 3]
    assert {page["per_page"] for page in pages} == {4}


@pytest.mark.parametrize(("query", "expected"), [
    ("department=Support", ["E5"]),
    ("department=Support&status=all", ["E5", "E6"]),
    ("status=inactive", ["E6"]),
    ("q=OKAFOR", ["E2"]),
    ("q=carla%40EXAMPLE", ["E3"]),
    ("q=e4", ["E4"]),
    ("q=ar&status=all", ["E3", "E5", "E6"]),
    ("q=ar&department=Sales", ["E3"]),
    ("q=%25", []),
    ("q=nobody", []),
])
def test_people_filters_and_search(api_as, org, query, expected):
    body = api_as("master_coach").get(f"/api/v1/people?{query}").get_json()

    assert [p["employee_id"] for p in body["items"]] == expected
    assert body["total"] == len(expected)


@pytest.mark.parametrize(("query", "field"), [
    ("per_page=0", "per_page"),
    ("per_page=201", "per_page"),
    ("page=0", "page"),
    ("page=two", "page"),
    ("status=retired", "status"),
    ("q=" + "x" * 101, "q"),
])
def test_people_query_validation_is_a_422_problem_naming_the_field(api_as, query, field):
    body = assert_problem(api_as("admin").get(f"/api/v1/people?{query}"), 422)

    assert list(body["errors"]) == [field]
    assert all(isinstance(message, str) for message in body["errors"][field])


def test_a_manager_token_lists_only_themselves_and_their_reporting_line(api_as, org):
    e2 = db.session.scalar(sa.select(Person).where(Person.employee_id == "E2"))

    body = api_as("manager", person_id=e2.id).get("/api/v1/people?status=all").get_json()

    assert sorted(p["employee_id"] for p in body["items"]) == ["E2", "E3"]
    assert body["total"] == 2


@pytest.mark.parametrize("role", ["coach", "sponsor", "rater"])
def test_a_token_without_directory_rights_is_a_403_problem(api_as, org, role):
    api = api_as(role)

    assert_problem(api.get("/api/v1/people"), 403)
    assert_problem(api.get("/api/v1/people/E1"), 403)


# --- GET /people/<employee_id> ------------------------------------------------------------------


def test_one_person_by_employee_id(api_as, org):
    response = api_as("admin").get("/api/v1/people/E6")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["employee_id"], body["name"], body["manager_employee_id"], body["active"]) == (
        "E6", "Farid Haddad", "E5", False)


def test_an_employee_id_with_a_slash_can_be_fetched(api_as):
    PersonFactory(employee_id="de/ber/17", name="Berlin Person")
    db.session.commit()

    response = api_as("admin").get("/api/v1/people/de/ber/17")

    assert response.status_code == 200
    assert response.get_json()["name"] == "Berlin Person"


def test_an_unknown_person_is_a_404_problem(api_as, org):
    body = assert_problem(api_as("admin").get("/api/v1/people/NOPE"), 404)

    assert body["title"] == "Not Found"


def test_a_manager_may_fetch_their_report_but_not_others(api_as, org):
    e1 = db.session.scalar(sa.select(Person).where(Person.employee_id == "E1"))
    api = api_as("manager", person_id=e1.id)

    assert api.get("/api/v1/people/E3").status_code == 200
    assert_problem(api.get("/api/v1/people/E5"), 403)


# --- POST /people/bulk --------------------------------------------------------------------------


def test_bulk_upsert_creates_people_in_any_order(api_as):
    response = api_as("admin").post("/api/v1/people/bulk", json={"people": [
        item("A3", "A2"), item("A2", "A1"), item("A1"),
        item("A4", "A1", active="no", department="", title=""),
    ]})

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"created": 4, "updated": 0, "unchanged": 0, "total": 4}
    people = snapshot()
    assert people["A3"] == ("Name A3", "a3@example.com", "Ops", "Agent", "A2", True)
    assert people["A4"] == ("Name A4", "a4@example.com", "", "", "A1", False)


def test_bulk_upsert_updates_and_counts_unchanged(api_as, org):
    response = api_as("admin").post("/api/v1/people/bulk", json={"people": [
        {"employee_id": "E1", "name": "Aisha Chen", "email": "aisha@example.com",
         "department": "Sales", "title": "VP Sales", "manager_employee_id": None,
         "active": True},
        {"employee_id": "E2", "name": "Ben Okafor", "email": "BEN.OKAFOR@example.com",
         "department": "Sales", "title": "Team Lead", "manager_employee_id": "E1",
         "active": "yes"},
        {"employee_id": 1001, "name": "Numeric Id", "email": "num@example.com"},
    ]})

    assert response.get_json() == {"created": 1, "updated": 1, "unchanged": 1, "total": 3}
    people = snapshot()
    assert people["E2"][1] == "ben.okafor@example.com"
    assert people["1001"] == ("Numeric Id", "num@example.com", "", "", None, True)


def test_bulk_upsert_is_audited_as_coming_from_the_api(make_token, client):
    user, secret = make_token("admin")

    Api(client, secret).post("/api/v1/people/bulk", json={"people": [item("A1")]})

    db.session.rollback()
    (entry,) = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "people.imported"))
    assert entry.actor_id == user.id
    assert entry.detail["source"] == "api"
    assert entry.detail["via"] == "api"
    assert entry.detail["created"] == 1


def test_bulk_upsert_needs_no_csrf_token(client, make_token, app):
    # CSRF protection is on in these tests (the forms need a token); bearer auth is exempt.
    assert app.config.get("WTF_CSRF_ENABLED", True)
    _, secret = make_token("admin")

    response = client.post("/api/v1/people/bulk", json={"people": [item("A1")]},
                           headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200


def test_bulk_with_a_bad_item_in_the_middle_is_a_422_and_writes_nothing(api_as, org):
    before = snapshot()

    response = api_as("admin").post("/api/v1/people/bulk", json={"people": [
        item("N1"),
        item("N2", email="not-an-address"),
        item("N3", "MISSING"),
        item("N4", active="perhaps", name=""),
        item("E1", email="ben@example.com"),
        item("N1", email="n1b@example.com"),
    ]})

    body = assert_problem(response, 422)
    assert body["detail"] == "6 problem(s) found; nothing was imported."
    assert body["errors"] == {
        "people.1.email": ["'not-an-address' is not an e-mail address"],
        "people.2.manager_employee_id": [
            "no person with employee id MISSING in the file or on record"],
        "people.3.active": ["'perhaps' is not true/false (or yes/no, 1/0)"],
        "people.3.name": ["is empty"],
        "people.4.email": ["ben@example.com already belongs to employee E2"],
        "people.5.employee_id": ["N1 also appears on item 0"],
    }
    assert snapshot() == before


def test_bulk_that_would_loop_the_manager_chain_is_a_422(api_as, org):
    before = snapshot()

    response = api_as("admin").post("/api/v1/people/bulk", json={"people": [
        {"employee_id": "E1", "name": "Aisha Chen", "email": "aisha@example.com",
         "manager_employee_id": "E3"},
    ]})

    body = assert_problem(response, 422)
    assert body["errors"] == {
        "people.0.manager_employee_id": ["manager chain loops: E1 → E3 → E2 → E1"]}
    assert snapshot() == before


@pytest.mark.parametrize(("value", "field"), [
    ({"first": "Ben"}, "name"), (["Ben"], "name"), (True, "name"), (1.5, "employee_id"),
])
def test_bulk_values_that_are_not_text_are_refused(api_as, value, field):
    person = {**item("B1"), field: value}

    body = assert_problem(api_as("admin").post("/api/v1/people/bulk",
                                               json={"people": [person]}), 422)

    assert body["errors"] == {f"people.0.{field}": ["must be text"]}
    assert people_count() == 0


@pytest.mark.parametrize(("payload", "errors"), [
    ({}, {"people": ["Missing data for required field."]}),
    ({"people": "E1,Ann"}, {"people": ["Not a valid list."]}),
    ({"people": {"employee_id": "E1"}}, {"people": ["Not a valid list."]}),
    ({"people": []}, {"people": ["Length must be between 1 and 50000."]}),
    ({"people": [{"employee_id": "A1", "name": "A", "email": "a@example.com"},
                 {"name": "B", "email": "b@example.com"}]},
     {"people.1.employee_id": ["Missing data for required field."]}),
    ({"people": [{"employee_id": "A1"}]},
     {"people.0.name": ["Missing data for required field."],
      "people.0.email": ["Missing data for required field."]}),
    ({"people": ["A1"]}, {"people.0._schema": ["Invalid input type."]}),
])
def test_bulk_with_a_body_that_does_not_fit_the_schema_is_a_422_problem(api_as, payload, errors):
    response = api_as("admin").post("/api/v1/people/bulk", json=payload)

    body = assert_problem(response, 422)
    assert body["errors"] == errors
    assert people_count() == 0


def test_bulk_with_an_unknown_field_is_a_422(api_as):
    body = assert_problem(api_as("admin").post("/api/v1/people/bulk", json={
        "people": [item("A1", nickname="Al")]}), 422)

    assert body["errors"] == {"people.0.nickname": ["Unknown field."]}


def test_bulk_with_a_body_that_is_not_json_is_a_422(api_as):
    response = api_as("admin").post("/api/v1/people/bulk", data="employee_id,name\nE1,Ann",
                                    headers={"Content-Type": "text/csv"})

    assert response.status_code in {415, 422}
    assert response.mimetype == PROBLEM
    assert people_count() == 0


@pytest.mark.parametrize("role", ["coach", "manager", "lead_coach", "master_coach"])
def test_bulk_by_anyone_but_an_admin_is_a_403_and_writes_nothing(api_as, role):
    response = api_as(role).post("/api/v1/people/bulk", json={"people": [item("A1")]})

    assert_problem(response, 403)
    assert people_count() == 0


def test_bulk_after_the_token_is_revoked_writes_nothing(client, make_token):
    user, secret = make_token("admin")
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    revoke_api_token(user, token.id)
    db.session.commit()

    assert_problem(Api(client, secret).post("/api/v1/people/bulk",
                                            json={"people": [item("A1")]}), 401)
    assert people_count() == 0


def test_bulk_reports_only_the_first_thousand_problems(api_as):
    people = [item(f"X{i}", email=f"bad{i}") for i in range(1002)]

    body = assert_problem(api_as("admin").post("/api/v1/people/bulk",
                                               json={"people": people}), 422)

    assert len(body["errors"]) == 1000
    assert "Only the first 1000 problems are listed." in body["detail"]


def test_bulk_upsert_sets_location_and_hired_on_and_shows_them(api_as, org):
    api = api_as("admin")
    response = api.post("/api/v1/people/bulk", json={"people": [
        item("A1", location="Lisbon", hired_on="2020-01-15")]})

    assert response.status_code == 200, response.get_data(as_text=True)
    shown = api.get("/api/v1/people/A1").get_json()
    assert (shown["location"], shown["hired_on"]) == ("Lisbon", "2020-01-15")


def test_bulk_with_a_bad_hire_date_is_a_422_in_words(api_as, org):
    response = api_as("admin").post("/api/v1/people/bulk", json={"people": [
        item("A1"), item("A2", hired_on="15.01.2020")]})

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"people.1.hired_on": [
        "'15.01.2020' is not a date written as YYYY-MM-DD, e.g. 2019-04-01"]}
    assert "A1" not in snapshot()
