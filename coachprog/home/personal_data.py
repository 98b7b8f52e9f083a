"""The home page in a person's data (issue 24): the items they hid. Erasure deletes them."""

from __future__ import annotations

from typing import Any

from coachprog.personal_data import (
    ErasureContext,
    Subject,
    delete_rows,
    export_tables,
    register_section,
)


def export(subject: Subject) -> dict[str, Any]:
    return export_tables(subject, "home_dismissals")


def erase(ctx: ErasureContext) -> None:
    delete_rows(ctx, "home_dismissals")


register_section("home", export, erase, title="Home page", order=86,
                 tables=["home_dismissals"])
