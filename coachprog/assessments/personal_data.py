"""Assessments in a person's data (issue 24): assessments they created or moderated, their
rater assignments and marks, and the evidence about them (and the assessments of it).

Erasure keeps every score (aggregates, pass rates and calibration stay right) and removes the
text: their mark notes and moderation reasons, and the description, link and attached file of
the evidence about them or added by them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coachprog import storage
from coachprog.extensions import db
from coachprog.personal_data import (
    ErasureContext,
    Subject,
    clear_columns,
    export_rows,
    export_tables,
    register_section,
    subject_filter,
    table,
)


def _their_assignments(subject: Subject) -> sa.Select[Any]:
    assignments = table("rater_assignments")
    return sa.select(assignments.c.id).where(assignments.c.rater_id.in_(subject.user_ids))


def _evidence(subject: Subject) -> sa.ColumnElement[bool]:
    return subject_filter(table("evidence_items"), subject)


def export(subject: Subject) -> dict[str, Any]:
    marks, assessments = table("marks"), table("assessments")
    about = sa.select(table("evidence_items").c.id).where(_evidence(subject))
    return {
        **export_tables(subject, "assessments", "rater_assignments", "evidence_items"),
        "marks": export_rows("marks", marks.c.assignment_id.in_(_their_assignments(subject))),
        "assessments_of_evidence_about_you": export_rows(
            "assessments", assessments.c.evidence_item_id.in_(about)),
    }


def erase(ctx: ErasureContext) -> None:
    marks, evidence = table("marks"), table("evidence_items")
    clear_columns(ctx, "marks", {"note": ""},
                  where=marks.c.assignment_id.in_(_their_assignments(ctx.subject)))
    clear_columns(ctx, "assessments", {"moderation_reason": None}, columns=["moderated_by_id"])
    store = storage.store_for("evidence")
    files = db.session.execute(sa.select(evidence.c.attachment_path).where(
        _evidence(ctx.subject), evidence.c.attachment_path.is_not(None))).scalars().all()
    for path in files:
        ctx.count("evidence files deleted", int(store.delete(storage.safe_name(path))))
    clear_columns(ctx, "evidence_items", {"description": "", "link": None,
                                          "attachment_path": None, "attachment_name": None},
                  where=_evidence(ctx.subject))


register_section("assessments", export, erase, title="Assessments and evidence", order=30,
                 tables=["assessments", "rater_assignments", "evidence_items", "marks"])
