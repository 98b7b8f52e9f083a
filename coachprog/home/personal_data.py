"""The home page in a person's data (issue 24): the items they hid. Erasure deletes them."""

from __future__ import annotations

from coachprog.personal_data import ErasureContext, delete_rows, register_table_section


def erase(ctx: ErasureContext) -> None:
    delete_rows(ctx, "home_dismissals")


register_table_section("home", ["home_dismissals"], title="Home page", order=86,
                       erase_fn=erase)
