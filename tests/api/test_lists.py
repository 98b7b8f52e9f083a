"""The listing envelope (`coachprog.api.lists`): pages of a query cut in the order asked for,
counted apart from the page, and unpaged listings as `{"items"}`."""

from __future__ import annotations

import pytest

from coachprog.extensions import db
from tests.api.conftest import assert_problem
from tests.selection.builders import applicant, sprint


def test_pages_of_a_query_cover_it_once_in_order_with_its_total(api_as) -> None:
    row = sprint()
    ids = [applicant(row).id for _ in range(5)]
    db.session.commit()
    api = api_as("admin")

    pages = [api.get(f"/api/v1/candidates?sprint_id={row.id}&per_page=2&page={n}").get_json()
             for n in (1, 2, 3, 4)]

    assert [[c["id"] for c in page["items"]] for page in pages] == [ids[:2], ids[2:4], ids[4:], []]
    assert {(page["per_page"], page["total"]) for page in pages} == {(2, 5)}
    assert [page["page"] for page in pages] == [1, 2, 3, 4]
    assert list(pages[0]) == ["items", "page", "per_page", "total"]


def test_an_unpaged_listing_is_items_only(api_as) -> None:
    sprint(name="Autumn")
    db.session.commit()

    body = api_as("admin").get("/api/v1/sprints").get_json()

    assert list(body) == ["items"]
    assert [s["name"] for s in body["items"]] == ["Autumn"]


@pytest.mark.parametrize("resource", ["people", "assessments", "candidates"])
@pytest.mark.parametrize(("field", "largest"), [("page", 1_000_000), ("per_page", 200)])
def test_listings_share_the_page_limits(api_as, resource, field, largest):
    api = api_as("admin")

    accepted = api.get(f"/api/v1/{resource}?{field}={largest}")
    assert accepted.status_code == 200
    assert accepted.get_json()[field] == largest
    body = assert_problem(api.get(f"/api/v1/{resource}?{field}={largest + 1}"), 422)
    assert list(body["errors"]) == [field]
