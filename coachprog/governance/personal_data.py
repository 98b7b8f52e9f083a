"""The audit log in a person's data (issue 24).

Export: the entries they made and the entries about their person or account.
Erasure: the log is append-only (`governance.services`), and stays so — no entry is deleted or
loses its action, object or time. Through the one sanctioned path (`erasure_rewrite`) the
entries' labels and details have the person's name, e-mail and employee id replaced by the
pseudonym, and the IP addresses of their own entries are cleared, so the log still says what
happened, under the pseudonym.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.personal_data import (
    ErasureContext,
    Subject,
    export_rows,
    register_section,
    replace_identifiers,
    table,
)


def _about(subject: Subject) -> sa.ColumnElement[bool]:
    entries = table("audit_entries")
    clauses: list[sa.ColumnElement[bool]] = [entries.c.actor_id.in_(subject.user_ids)]
    if subject.person_id is not None:
        clauses.append(sa.and_(entries.c.object_type == "person",
                               entries.c.object_id == str(subject.person_id)))
    clauses.append(sa.and_(entries.c.object_type == "user",
                           entries.c.object_id.in_([str(i) for i in subject.user_ids])))
    return sa.or_(*clauses)


def export(subject: Subject) -> dict[str, Any]:
    return {"audit_entries": export_rows("audit_entries", _about(subject))}


def erase(ctx: ErasureContext) -> None:
    entries = table("audit_entries")
    with audit.erasure_rewrite():
        replace_identifiers(ctx, "audit_entries",
                            skip=("action", "object_type", "object_id", "ip"))
        if ctx.subject.user_ids:
            # Their own entries by account id, whatever e-mail the label kept from the day
            # (an address they had before a change would escape the text replacement).
            result = db.session.execute(
                sa.update(entries).where(entries.c.actor_id.in_(ctx.subject.user_ids))
                .values(actor_label=ctx.pseudonym.email, ip=None)
                .execution_options(synchronize_session=False))
            ctx.count("audit entries re-labelled", int(result.rowcount or 0))  # type: ignore[attr-defined]


register_section("audit_log", export, erase, title="Audit log", order=90,
                 tables=["audit_entries"])
