"""The one envelope of every API listing, and the paging behind it.

A paged listing answers `{"items", "page", "per_page", "total"}` (`schemas.PageOut`) for the
`page` and `per_page` of its query (`schemas.PageQueryIn`); an unpaged one `{"items"}`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa

from coachprog.extensions import db

Row = TypeVar("Row")


def paging(query: Mapping[str, Any]) -> dict[str, int]:
    """The query's `page` and `per_page`, as keywords for a service's own query object."""
    return {"page": query["page"], "per_page": query["per_page"]}


def page_of(query: Mapping[str, Any], rows: Iterable[Row], total: int,
            out: Callable[[Row], Any]) -> dict[str, Any]:
    """One page a service has already counted and cut."""
    return {"items": [out(row) for row in rows], **paging(query), "total": total}


def paginated(query: Mapping[str, Any], select: sa.Select[Any], out: Callable[[Any], Any], *,
              order_by: Iterable[Any], options: Iterable[Any] = ()) -> dict[str, Any]:
    """Count what `select` finds and load the page `query` asks for, ordered by `order_by`
    (the loader `options` apply to the page only, not to the count)."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(select.subquery())) or 0
    per_page = query["per_page"]
    rows = db.session.scalars(
        select.options(*options).order_by(*order_by)
        .limit(per_page).offset((query["page"] - 1) * per_page)).all()
    return page_of(query, rows, total, out)


def items(rows: Iterable[Row], out: Callable[[Row], Any] | None = None) -> dict[str, Any]:
    """An unpaged listing: every row, through `out` or as the response schema reads it."""
    return {"items": [out(row) for row in rows] if out is not None else list(rows)}
