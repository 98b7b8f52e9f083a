"""What the safeguarding registers' pages share: one page of rows with the pager under it."""

from __future__ import annotations

from typing import Any

from flask import render_template

from coachprog.web import Pagination


def render_register(template: str, listing: Any, per_page: int, **labels: Any) -> str:
    """`listing` is a service's page (its rows, `page` and `total`); `labels` name its codes."""
    return render_template(template, page=listing, **labels,
                           pagination=Pagination(listing.page, per_page, listing.total))
