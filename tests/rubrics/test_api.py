"""/api/v1/rubrics: the list of versions and one version in full."""

from __future__ import annotations

import pytest

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.rubrics import services
from tests.rubrics.conftest import PROJECT_RUBRICS, VALID, use_version, variant

PROBLEM = "application/problem+json"


@pytest.fixture
def recorded():
    first = services.upload_rubric(SystemActor("t"), "demo.yaml", VALID.encode()).version
    services.upload_rubric(SystemActor("t"), "demo.yaml",
                           variant(v="version: 1|version: 2").encode())
    services.upload_rubric(SystemActor("t"), "int.yaml",
                           variant(i="id: demo|id: int", p="session_review|interview").encode())
    db.session.commit()
    use_version(first.id)


def test_list_returns_every_version_with_its_summary(api_as, recorded):
    response = api_as("rater").get("/api/v1/rubrics")

    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [(i["key"], i["version"], i["used"]) for i in items] == [
        ("demo", 2, False), ("demo", 1, True), ("int", 1, False)]
    first = items[0]
    assert first["url"] == "/api/v1/rubrics/demo/versions/2"
    assert (first["purpose"], first["competency_count"], first["behaviour_count"]) == (
        "session_review", 2, 3)
    assert first["source"] == "upload:demo.yaml" and len(first["content_hash"]) == 64
    assert first["loaded_at"].endswith("+00:00")


def test_list_filters_by_purpose_and_latest(api_as, recorded):
    api = api_as("coach")

    by_purpose = api.get("/api/v1/rubrics?purpose=interview").get_json()["items"]
    latest = api.get("/api/v1/rubrics?latest=true").get_json()["items"]

    assert [(i["key"], i["version"]) for i in by_purpose] == [("int", 1)]
    assert [(i["key"], i["version"]) for i in latest] == [("demo", 2), ("int", 1)]


@pytest.mark.parametrize("query", ["purpose=coffee", "latest=perhaps"])
def test_list_refuses_bad_filters_as_problems(api_as, query):
    response = api_as("admin").get(f"/api/v1/rubrics?{query}")

    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert list(response.get_json()["errors"]) == [query.split("=")[0]]


def test_get_returns_the_full_structure(api_as):
    services.load_rubric_files(SystemActor("t"), PROJECT_RUBRICS)
    db.session.commit()

    response = api_as("master_coach").get("/api/v1/rubrics/audit/versions/1")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["key"], body["version"], body["purpose"], body["used"]) == (
        "audit", 1, "audit", False)
    assert body["pass_rules"] == {"overall_threshold": 0.7, "competency_minimum": 0.5,
                                  "non_negotiables_required": True}
    assert [c["id"] for c in body["competencies"]] == ["fidelity", "drift"]
    assert [c["minimum"] for c in body["competencies"]] == [0.5, 0.75]
    drift = body["competencies"][1]["behaviours"][0]
    assert (drift["id"], drift["scale"], drift["weight"], drift["non_negotiable"],
            drift["met_at"]) == ("drift-advising", "1-5", 2.0, True, 4)
    assert list(drift["anchors"]) == ["1", "2", "3", "4", "5"]
    binary = body["competencies"][1]["behaviours"][1]
    assert (binary["scale"], binary["anchors"], binary["met_at"]) == ("binary", {}, None)
    assert body["description"].startswith("An auditor reviews")


@pytest.mark.parametrize("url", ["/api/v1/rubrics/demo/versions/9",
                                 "/api/v1/rubrics/nope/versions/1"])
def test_get_of_an_unknown_version_is_a_404_problem(api_as, recorded, url):
    response = api_as("admin").get(url)

    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    assert response.get_json()["detail"] == "No such rubric version."


@pytest.mark.parametrize("role", ["sponsor", "manager"])
def test_sponsors_and_managers_get_a_403_problem(api_as, recorded, role):
    for url in ("/api/v1/rubrics", "/api/v1/rubrics/demo/versions/1"):
        response = api_as(role).get(url)
        assert response.status_code == 403
        assert response.mimetype == PROBLEM


def test_no_token_is_a_401_problem(anonymous_api):
    response = anonymous_api.get("/api/v1/rubrics")

    assert response.status_code == 401
    assert response.mimetype == PROBLEM


def test_the_openapi_document_describes_the_rubric_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()

    assert "/api/v1/rubrics" in spec["paths"]
    get_one = spec["paths"]["/api/v1/rubrics/{key}/versions/{version}"]["get"]
    assert PROBLEM in get_one["responses"]["404"]["content"]
