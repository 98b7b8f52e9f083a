"""Background jobs in a person's data (issue 24): the jobs they started (imports, batches).

Erasure keeps the rows (the job history and its counts); any copy of their identifiers in a
job's payload or result is replaced by the pseudonym by the erasure's final sweep.
"""

from __future__ import annotations

from typing import Any

from coachprog.personal_data import ErasureContext, Subject, export_tables, register_section


def export(subject: Subject) -> dict[str, Any]:
    return export_tables(subject, "jobs")


def erase(ctx: ErasureContext) -> None:
    return None  # referenced by account id only; see the module docstring


register_section("jobs", export, erase, title="Background jobs you started", order=80,
                 tables=["jobs"])
