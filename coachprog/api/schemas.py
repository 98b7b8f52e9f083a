"""Schemas shared by the API's resources: one page of a listing, and how to ask for it; the
envelopes `lists.py` fills (`{"items"}`, or a page of them).

Every listing takes the same `page` and `per_page` limits: `per_page` up to 200 keeps one
response small; `page` stops at 1 000 000 so an absurd offset is a 422, not a slow query.
"""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Integer, List, Nested

from coachprog.validation import DbInt

MAX_PAGE = 1_000_000
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50


class PageQueryIn(Schema):
    """The query of a paged listing; a resource's query schema adds its filters."""

    page = DbInt(load_default=1, minimum=1, maximum=MAX_PAGE)
    per_page = DbInt(load_default=DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)


class PageOut(Schema):
    """One page of a listing; a resource's page schema adds `items`."""

    page = Integer()
    per_page = Integer()
    total = Integer()


def listing(name: str, item: type[Schema]) -> type[Schema]:
    """The envelope of an unpaged listing of `item`: `{"items": [...]}`, called `name` in the
    OpenAPI document."""
    schema: type[Schema] = type(name, (Schema,), {"items": List(Nested(item))})
    return schema


def page(name: str, item: type[Schema]) -> type[Schema]:
    """The envelope of one page of `item`: `PageOut` with its `items`."""
    schema: type[Schema] = type(name, (PageOut,), {"items": List(Nested(item))})
    return schema
