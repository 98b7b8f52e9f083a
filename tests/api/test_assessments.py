"""/api/v1/assessments: a list row names a bounded number of raters, the detail every one
(issue 20: a calibration item is rated by every rater and lead coach)."""

from __future__ import annotations

from typing import Any

from coachprog.api.assessments import RATERS_IN_LIST
from coachprog.assessments.models import Assessment
from coachprog.extensions import db
from tests.api.conftest import Api
from tests.assessments.builders import assessment, rater
from tests.conftest import counting_statements

MANY = RATERS_IN_LIST + 5


def calibration_item(raters: int) -> Assessment:
    return assessment(kind="calibration", title="Calibration item",
                      raters=[rater(calibrated=False) for _ in range(raters)])


def only_row(api: Api) -> dict[str, Any]:
    response = api.get("/api/v1/assessments")
    assert response.status_code == 200, response.get_json()
    rows = response.get_json()["items"]
    assert len(rows) == 1
    return rows[0]


def test_a_row_names_the_first_raters_and_the_detail_all_of_them(api_as) -> None:
    item = calibration_item(MANY)
    db.session.commit()
    api = api_as("admin")

    row = only_row(api)
    detail = api.get(f"/api/v1/assessments/{item.id}").get_json()

    assert len(detail["raters"]) == MANY
    assert row["rater_count"] == MANY
    assert row["raters_truncated"] is True
    assert row["raters"] == detail["raters"][:RATERS_IN_LIST]
    # Every field of the detail is in the row, the same but for the raters.
    assert {k: v for k, v in row.items() if k not in {"raters", "rater_count",
                                                       "raters_truncated"}} \
        == {k: v for k, v in detail.items() if k != "raters"}


def test_a_row_with_few_raters_names_them_all(api_as) -> None:
    item = calibration_item(3)
    db.session.commit()
    api = api_as("admin")

    row = only_row(api)

    assert row["rater_count"] == 3
    assert row["raters_truncated"] is False
    assert row["raters"] == api.get(f"/api/v1/assessments/{item.id}").get_json()["raters"]


def test_a_rater_beyond_the_bound_finds_their_own_assignment_in_the_row(
        client, make_token) -> None:
    late, secret = make_token("rater")
    item = assessment(kind="calibration", raters=[
        *(rater(calibrated=False) for _ in range(MANY - 1)), late])
    db.session.commit()
    api = Api(client, secret)

    row = only_row(api)

    assert len(row["raters"]) == RATERS_IN_LIST
    assert row["raters_truncated"] is True and row["rater_count"] == MANY
    assert row["raters"][-1]["assignment_id"] == item.assignments[-1].id
    assert row["raters"][-1]["rater_id"] == late.id
    # The others keep the pseudonyms the detail gives them.
    detail = {r["assignment_id"]: r for r in
              api.get(f"/api/v1/assessments/{item.id}").get_json()["raters"]}
    assert all(detail[r["assignment_id"]] == r for r in row["raters"])


def test_the_list_costs_the_same_statements_whatever_its_rows_and_raters(api_as) -> None:
    calibration_item(2)
    db.session.commit()
    api = api_as("admin")

    def count() -> int:
        with counting_statements() as statements:
            response = api.get("/api/v1/assessments")
        assert response.status_code == 200
        return len(statements)

    count()  # the first use of a token stamps it
    few = count()
    for _ in range(3):
        calibration_item(MANY)
    db.session.commit()

    assert count() == few


def test_the_openapi_document_says_where_the_full_rater_list_is(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()

    def fields(ref_holder: dict[str, Any]) -> dict[str, Any]:
        name = ref_holder["$ref"].rsplit("/", 1)[1]
        return dict(spec["components"]["schemas"][name]["properties"])

    def answer(path: str) -> dict[str, Any]:
        ok = spec["paths"][path]["get"]["responses"]["200"]
        return dict(ok["content"]["application/json"]["schema"])

    row = fields(fields(answer("/api/v1/assessments"))["items"]["items"])
    detail = fields(answer("/api/v1/assessments/{assessment_id}"))

    assert set(detail) | {"rater_count", "raters_truncated"} == set(row)
    assert "GET /api/v1/assessments/{assessment_id}" in row["raters"]["description"]
