"""Certification in a person's data (issue 24): their certifications, decisions, evidence
and reminders, and the decisions they made or approved.

Erasure keeps every certification, level, date and decision (the roster counts and the
public verification page, which then shows the pseudonym, stay right) and removes the text:
decision notes and override reasons, evidence summaries, revocation reasons; and deletes
the finished certificate batches (zips of PDFs) that hold their certificate with their name.
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

BATCH_KIND = "certification.certificate_batch"


def _their_certifications(subject: Subject) -> list[int]:
    certs = table("certifications")
    return list(db.session.scalars(sa.select(certs.c.id).where(
        certs.c.person_id.in_(subject.ids_for("people")))))


def export(subject: Subject) -> dict[str, Any]:
    reminders = table("certification_reminders")
    return {
        **export_tables(subject, "certifications", "certification_decisions",
                        "certification_evidence"),
        "certification_reminders": export_rows("certification_reminders",
                                               reminders.c.certification_id.in_(
                                                   _their_certifications(subject))),
    }


def _delete_batches(ctx: ErasureContext, cert_ids: list[int]) -> None:
    if not cert_ids:
        return
    jobs = table("jobs")
    wanted = set(cert_ids)
    store = storage.store_for("certificates")
    for payload, result in db.session.execute(sa.select(jobs.c.payload, jobs.c.result).where(
            jobs.c.kind == BATCH_KIND, jobs.c.status == "succeeded")):
        ids = {int(i) for i in (payload or {}).get("certification_ids", [])}
        name = (result or {}).get("file")
        if name and ids & wanted:
            ctx.count("certificate batches deleted", int(store.delete(storage.safe_name(name))))


def erase(ctx: ErasureContext) -> None:
    decisions = table("certification_decisions")
    _delete_batches(ctx, _their_certifications(ctx.subject))
    clear_columns(ctx, "certification_decisions", {"note": ""},
                  columns=["person_id", "created_by_id"])
    clear_columns(ctx, "certification_decisions", {"override_reason": None},
                  where=subject_filter(decisions, ctx.subject, ["person_id", "override_by_id"]))
    clear_columns(ctx, "certification_evidence", {"summary": ""})
    clear_columns(ctx, "certifications", {"revoked_reason": None}, columns=["person_id"])


register_section("certification", export, erase, title="Certification", order=65,
                 tables=["certifications", "certification_decisions", "certification_evidence",
                         "certification_reminders"])
