"""What the safeguarding registers' pages share: one page of rows, filtered by one code, with
the pager under it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request
from flask_login import current_user

from coachprog.web import Pagination, page_arg


def register_page(template: str, list_rows: Callable[..., Any], filter_arg: str, per_page: int,
                  **labels: Any) -> str:
    """`list_rows(actor, page=, <filter_arg>=)` is a service answering one page (its rows,
    `page` and `total`), filtered by the query argument of that name; `labels` name its
    codes."""
    listing = list_rows(current_user, page=page_arg(),
                        **{filter_arg: request.args.get(filter_arg, "")})
    return render_template(template, page=listing, **labels,
                           pagination=Pagination(listing.page, per_page, listing.total))
