"""Audits and fidelity in a person's data (issue 24): the audits of them as a coach or by
them as an auditor, corrective actions they own, samples they drew, supervision events, and
their fidelity signals and drift flags.

Erasure keeps every audit, score, outcome, signal and sample (coverage and the quarterly
figures stay right) and removes the text: findings, resolution and closing notes, and the
descriptions of corrective actions on audits of them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

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


def export(subject: Subject) -> dict[str, Any]:
    events = table("supervision_events")
    data = export_tables(subject, "audit_samples", "audits", "corrective_actions",
                         "fidelity_signals", "fidelity_drift_flags")
    attended = [row for row in export_rows("supervision_events", sa.true())
                if subject.person_id in (row.get("attendee_person_ids") or [])] \
        if subject.person_id is not None else []
    recorded = export_rows("supervision_events", events.c.recorded_by_id.in_(subject.user_ids))
    seen = {row["id"] for row in recorded}
    data["supervision_events"] = recorded + [r for r in attended if r["id"] not in seen]
    return data


def erase(ctx: ErasureContext) -> None:
    audits, actions = table("audits"), table("corrective_actions")
    theirs = subject_filter(audits, ctx.subject, ["coach_person_id", "auditor_user_id"])
    clear_columns(ctx, "audits", {"findings": "", "resolution_note": ""}, where=theirs)
    clear_columns(ctx, "corrective_actions", {"description": "", "closing_note": ""},
                  where=sa.or_(actions.c.audit_id.in_(sa.select(audits.c.id).where(theirs)),
                               actions.c.owner_user_id.in_(ctx.subject.user_ids)))
    clear_columns(ctx, "fidelity_drift_flags", {"resolution_note": ""})


register_section("audits", export, erase, title="Audits and fidelity", order=60,
                 tables=["audit_samples", "audits", "corrective_actions", "supervision_events",
                         "fidelity_signals", "fidelity_drift_flags"])
