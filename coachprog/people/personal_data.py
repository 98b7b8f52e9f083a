"""The directory record in a person's data (issue 24), and the erasure requests about them.

Erasure keeps the row (reporting lines, and every count by department, stay right) and
replaces the identifiers by the pseudonym; the job title goes (it can single someone out),
the department stays (aggregates are by department), and the person is made inactive.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coachprog.extensions import db
from coachprog.personal_data import (
    ErasureContext,
    Subject,
    export_rows,
    export_tables,
    register_section,
    table,
)


def export(subject: Subject) -> dict[str, Any]:
    if subject.person_id is None:
        return {"people": [], "direct_reports": 0, "erasure_requests": []}
    people = table("people")
    reports = db.session.scalar(sa.select(sa.func.count()).select_from(people).where(
        people.c.manager_id == subject.person_id)) or 0
    return {"people": export_rows("people", people.c.id == subject.person_id),
            # Only how many: the reports' own records are their data, not this person's.
            "direct_reports": int(reports),
            **export_tables(subject, "erasure_requests")}


def erase(ctx: ErasureContext) -> None:
    if ctx.subject.person_id is None:
        return
    people = table("people")
    db.session.execute(sa.update(people).where(people.c.id == ctx.subject.person_id).values(
        employee_id=ctx.pseudonym.employee_id, name=ctx.pseudonym.name,
        email=ctx.pseudonym.email, title="", active=False))
    ctx.count("people pseudonymised", 1)


register_section("directory", export, erase, title="Directory record", order=5,
                 tables=["people", "erasure_requests"])
