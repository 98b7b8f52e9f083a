"""Practicum in a person's data (issue 24): enrolments, the hours ledger, capstone briefs,
peer triads and supervision (feedback, one-to-ones, gate decisions), as trainee or supervisor.

Erasure keeps every entry, hour, verification and gate outcome (hours totals, gates and
certification criteria stay right) and removes the text about them or by them: review
comments and replies, feedback, one-to-one notes, gate notes, triad feedback, and their
capstone brief (its text and its uploaded file).
"""

from __future__ import annotations

import sqlalchemy as sa

from coachprog import storage
from coachprog.extensions import db
from coachprog.personal_data import (
    ErasureContext,
    clear_columns,
    register_table_section,
    subject_filter,
    table,
)

TABLES = ("practicum_enrolments", "practicum_entries", "practicum_capstone_briefs",
          "practicum_triads", "practicum_triad_members", "practicum_triad_rounds",
          "supervision_feedback", "supervision_gate_decisions", "supervision_one_on_ones")


def erase(ctx: ErasureContext) -> None:
    clear_columns(ctx, "practicum_entries", {"review_comment": "", "trainee_reply": ""},
                  columns=["person_id"])
    clear_columns(ctx, "practicum_entries", {"review_comment": ""}, columns=["reviewed_by_id"])
    clear_columns(ctx, "practicum_triad_rounds", {"feedback": ""},
                  columns=["coach_person_id", "client_person_id", "observer_person_id"])
    clear_columns(ctx, "supervision_feedback", {"body": ""})
    clear_columns(ctx, "supervision_gate_decisions", {"note": ""})
    clear_columns(ctx, "supervision_one_on_ones", {"notes": ""})
    briefs = table("practicum_capstone_briefs")
    own = subject_filter(briefs, ctx.subject, ["person_id"])
    store = storage.store_for("capstone")
    for name in db.session.execute(sa.select(briefs.c.storage_name).where(
            own, briefs.c.storage_name.is_not(None))).scalars().all():
        ctx.count("capstone files deleted", int(store.delete(name)))
    clear_columns(ctx, "practicum_capstone_briefs", {
        "body_markdown": "", "objectives": "", "kpi_name": "", "kpi_baseline": "",
        "kpi_target": "", "kpi_source": "", "rater_note": "", "storage_name": None,
        "file_name": None}, where=own)


register_table_section("practicum", TABLES, title="Practicum and supervision", order=55,
                       erase_fn=erase)
