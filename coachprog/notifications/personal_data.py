"""E-mail in a person's data (issue 24): the messages addressed to them.

The outbox refers to people by address, not by id. Erasure deletes the messages sent to the
person (their content is about them); messages to others that name them keep their place with
the name replaced by the pseudonym (the erasure's final sweep).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coachprog.personal_data import (
    ErasureContext,
    Subject,
    delete_rows,
    export_rows,
    register_section,
    table,
)


def _to_subject(subject: Subject) -> sa.ColumnElement[bool]:
    outbox = table("outbox_messages")
    return sa.func.lower(outbox.c.to_email).in_([e.lower() for e in subject.emails])


def export(subject: Subject) -> dict[str, Any]:
    return {"outbox_messages": export_rows("outbox_messages", _to_subject(subject))}


def erase(ctx: ErasureContext) -> None:
    if ctx.subject.emails:
        delete_rows(ctx, "outbox_messages", where=_to_subject(ctx.subject))


register_section("email", export, erase, title="E-mail sent to you", order=85,
                 tables=["outbox_messages"])
