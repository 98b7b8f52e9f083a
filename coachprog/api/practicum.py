"""Practicum API: /api/v1/practicum/{coach}/entries and progress.

`{coach}` is the trainee's person id. The same services and rules as the pages: a trainee
reads and logs their own ledger, supervisors read and verify or query their trainees' entries,
admins read every ledger; sponsors and managers get nothing. Times are UTC instants.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from coachprog.api import current_api_user, operation
from coachprog.api.lists import items
from coachprog.api.schemas import listing
from coachprog.extensions import db
from coachprog.practicum.ledger import domain, services, trainees
from coachprog.problems import problem
from coachprog.validation import DbInt


class EntryIn(Schema):
    kind = String(required=True, validate=OneOf(domain.KINDS))
    starts_at = DateTime(required=True, metadata={
        "description": "Start, ISO 8601 with an offset (stored as UTC)."})
    minutes = DbInt(required=True, minimum=-10**6, maximum=10**6, metadata={
        "description": "Duration; more than 0 and at most 480."})
    coachee = String(load_default="", validate=Length(max=200), metadata={
        "description": "Coached sessions: the coachee's pseudonym, never a name."})
    pro_bono = Boolean(load_default=False)
    is_group = Boolean(load_default=False)
    group_size = DbInt(load_default=None, allow_none=True, minimum=0, maximum=10**6)
    triad_role = String(load_default="", validate=OneOf(("", *domain.TRIAD_ROLES)))


class ReviewIn(Schema):
    comment = String(load_default="", validate=Length(max=10_000))


class EntryOut(Schema):
    id = Integer()
    person_id = Integer()
    kind = String()
    starts_at = DateTime()
    minutes = Integer()
    coachee = String(allow_none=True, attribute="coachee_pseudonym")
    pro_bono = Boolean()
    is_group = Boolean()
    group_size = Integer(allow_none=True)
    triad_role = String(allow_none=True)
    status = String(metadata={"description": "pending, verified or queried"})
    review_comment = String()
    trainee_reply = String()
    reviewed_at = DateTime(allow_none=True)


class EntryDetailOut(EntryOut):
    """One entry on its own; a subclass so the spec names it apart from the list's items."""


EntryListOut = listing("EntryListOut", EntryOut)


class GateOut(Schema):
    gate = String()
    label = String()
    met = Boolean()
    missing = List(String())


class ProgressOut(Schema):
    person_id = Integer()
    enrolled = Boolean()
    start_date = Date(allow_none=True)
    earliest_end = Date(allow_none=True)
    latest_end = Date(allow_none=True)
    week = Integer(allow_none=True)
    coached_hours = Float()
    coached_target = Float()
    lab_hours = Float()
    lab_target = Float()
    development_hours = Float()
    pending_hours = Float()
    unique_coachees = Integer()
    gates = List(Nested(GateOut))


@operation("GET", "/practicum/<int:coach>/entries", out=EntryListOut,
           summary="A trainee's ledger entries, newest first", tags=["practicum"],
           responses=[403, 404])
def list_practicum_entries(coach: int) -> Any:
    actor = current_api_user()
    services.get_trainee(actor, coach)
    return items(services.list_entries(actor, coach))


@operation("POST", "/practicum/<int:coach>/entries", body=EntryIn, out=EntryDetailOut, status=201,
           summary="Log an activity in one's own ledger", tags=["practicum"],
           description="Refused (422, with the field) for future or unfinished times, overlaps "
           "with another entry, durations of 0 or over 8 hours, a coached session without a "
           "pseudonym, a group without its size, a triad without the role played.",
           responses=[403, 404, 422])
def create_practicum_entry(coach: int, body: dict[str, Any]) -> Any:
    actor = current_api_user()
    services.get_trainee(actor, coach)
    starts = body["starts_at"]
    if starts.tzinfo is None:
        return problem(422, "starts_at needs a UTC offset.",
                       errors={"starts_at": ["Give the offset, e.g. 2026-03-02T09:00:00Z."]})
    local = starts.astimezone(UTC)
    draft = services.EntryDraft(
        kind=body["kind"], day=local.date(), at=local.time(),
        minutes=body["minutes"], coachee=body["coachee"], pro_bono=body["pro_bono"],
        is_group=body["is_group"], group_size=body["group_size"],
        triad_role=body["triad_role"], zone="UTC")
    try:
        (entry,) = services.log_entries(actor, coach, [draft])
    except services.LedgerRejected as error:
        db.session.rollback()
        errors = {("starts_at" if k == "day" else k): [v]
                  for k, v in error.row_errors.get(0, {}).items()}
        return problem(422, "The entry was refused.", errors=errors)
    db.session.commit()
    return entry, 201


def _review(coach: int, entry_id: int, decision: str, comment: str) -> Any:
    actor = current_api_user()
    entry = services.get_entry(actor, entry_id)
    if entry.person_id != coach:
        return problem(404, "No such entry.")
    entry = services.review_entry(actor, entry_id, decision=decision, comment=comment)
    db.session.commit()
    return entry


@operation("POST", "/practicum/<int:coach>/entries/<int:entry_id>/verify", body=ReviewIn,
           out=EntryDetailOut,
           summary="Verify an entry (its supervisor): its hours count", tags=["practicum"],
           responses=[403, 404, 422])
def verify_practicum_entry(coach: int, entry_id: int, body: dict[str, Any]) -> Any:
    return _review(coach, entry_id, "verify", body["comment"])


@operation("POST", "/practicum/<int:coach>/entries/<int:entry_id>/query", body=ReviewIn,
           out=EntryDetailOut,
           summary="Query an entry (its supervisor), with a required comment",
           tags=["practicum"], responses=[403, 404, 422])
def query_practicum_entry(coach: int, entry_id: int, body: dict[str, Any]) -> Any:
    return _review(coach, entry_id, "query", body["comment"])


@operation("GET", "/practicum/<int:coach>/progress", out=ProgressOut,
           summary="A trainee's verified hours toward the targets, window and gates",
           tags=["practicum"], responses=[403, 404])
def get_practicum_progress(coach: int) -> Any:
    p = trainees.progress(current_api_user(), coach)
    w = p.window
    return {"person_id": coach, "enrolled": p.enrolment is not None,
            "start_date": w.start if w else None, "earliest_end": w.earliest_end if w else None,
            "latest_end": w.latest_end if w else None, "week": w.week if w else None,
            "coached_hours": p.totals.coached_hours, "coached_target": p.targets.coached_min,
            "lab_hours": p.totals.lab_hours, "lab_target": p.targets.lab_min,
            "development_hours": p.totals.development_hours,
            "pending_hours": p.totals.pending_hours,
            "unique_coachees": p.totals.unique_coachees,
            "gates": [g.__dict__ for g in p.gates]}
