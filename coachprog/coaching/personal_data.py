"""Coaching relationships in a person's data (issue 24): engagements (as coach or coachee),
the coach's paperwork, evaluation relationships and supervisor assignments.

Erasure keeps every engagement, assignment and relationship (matching rules, capacity and the
program's counts stay right) and removes the text about the people in them: engagement goals
and KPI names, relationship notes.
"""

from __future__ import annotations

from typing import Any

from coachprog.personal_data import (
    ErasureContext,
    Subject,
    clear_columns,
    export_tables,
    register_section,
)


def export(subject: Subject) -> dict[str, Any]:
    return export_tables(subject, "engagements", "coach_paperwork",
                         "evaluation_relationships", "supervisor_assignments")


def erase(ctx: ErasureContext) -> None:
    clear_columns(ctx, "engagements", {"goals": "", "kpi_name": ""},
                  columns=["coach_person_id", "coachee_person_id"])
    clear_columns(ctx, "evaluation_relationships", {"note": ""})


register_section("coaching", export, erase, title="Coaching relationships", order=45,
                 tables=["engagements", "coach_paperwork", "evaluation_relationships",
                         "supervisor_assignments"])
