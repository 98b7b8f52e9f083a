"""Audits API: /api/v1/audits — quarterly samples, one's assigned audits, coverage, and
corrective actions.

The same services and rules as the pages (`coachprog.audits.permissions`): samples (with the
draw and its verification by recompute) are for L&D admins; `/audits/mine` lists the audits
assigned to the caller (admins, master coaches and raters may ask), always under the pseudonym
("Coach A-0001"), never the coach; coverage is for admins and master coaches per group, sponsors
get aggregates with small groups suppressed; corrective actions are listed and closed by admins
and the audit's assigned auditor, the coach shown under the label the caller may see.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from sqlalchemy.orm import contains_eager, joinedload

from coachprog.api import current_api_user, operation
from coachprog.api.lists import items
from coachprog.api.schemas import listing
from coachprog.audits import actions as corrective_actions
from coachprog.audits import coverage as audit_coverage
from coachprog.audits import domain, services
from coachprog.audits.models import Audit, AuditSample, CorrectiveAction
from coachprog.audits.sampling import services as sampling_services
from coachprog.authority import can, require
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db

QUARTER = {"description": "A quarter such as 2026Q4.", "example": "2026Q4"}


# --- schemas -----------------------------------------------------------------------------------


class QuarterQueryIn(Schema):
    quarter = String(load_default="", validate=Length(max=16), metadata={
        **QUARTER, "description": "A quarter such as 2026Q4; empty: the current quarter."})


class SampleQueryIn(Schema):
    quarter = String(load_default="", validate=Length(max=16), metadata={
        **QUARTER, "description": "Only this quarter's samples (current and superseded)."})


class PopulationMemberOut(Schema):
    coach_id = Integer()
    stratum = String(metadata={"description": "The coach's supervisor group."})
    weight = Float()


class SampleAuditOut(Schema):
    id = Integer()
    coach_person_id = Integer()
    coach_name = String()
    auditor_user_id = Integer(allow_none=True, metadata={
        "description": "Null: no eligible auditor; an admin assigns one."})
    auditor_name = String(allow_none=True)
    outcome = String(allow_none=True, metadata={
        "description": "meets_standard, needs_development, serious_concern; null: to do."})
    decided_at = DateTime(allow_none=True)


class SampleOut(Schema):
    id = Integer()
    quarter = String()
    current = Boolean(metadata={"description": "False once redrawn (kept, with the reason)."})
    seed = Integer()
    method_version = String()
    percent = Float()
    override_reason = String()
    drawn = List(Integer(), metadata={"description": "The drawn coaches' person ids."})
    population_size = Integer()
    drawn_at = DateTime()
    superseded_at = DateTime(allow_none=True)
    superseded_reason = String()


class VerificationOut(Schema):
    matches = Boolean(metadata={"description": "The recomputed draw equals the stored one."})
    method_known = Boolean()
    recomputed = List(Integer())
    stored = List(Integer())


class SampleDetailOut(SampleOut):
    population = List(Nested(PopulationMemberOut))
    audits = List(Nested(SampleAuditOut))
    verification = Nested(VerificationOut)


SampleListOut = listing("SampleListOut", SampleOut)


class MyAuditOut(Schema):
    id = Integer()
    coach = String(metadata={"description": "The pseudonym, e.g. Coach A-0001; never the name."})
    quarter = String()
    outcome = String(allow_none=True)
    session_chosen = Boolean()
    observed = Boolean()
    decided_at = DateTime(allow_none=True)
    url = String(metadata={"description": "The audit page."})


MyAuditListOut = listing("MyAuditListOut", MyAuditOut)


class GroupCoverageOut(Schema):
    name = String()
    sampled = Integer(allow_none=True)
    audited = Integer(allow_none=True)
    outcomes = Dict(keys=String(), values=Integer())
    suppressed = Boolean(metadata={"description": "Under 5 sampled coaches, for aggregate-only "
                                   "viewers: the figures are withheld (null)."})


class CoverageOut(Schema):
    quarter = String()
    has_sample = Boolean()
    population = Integer()
    sampled = Integer(allow_none=True, metadata={
        "description": "Null for aggregate-only viewers where it would give away a suppressed "
                       "group (a lone group under 5); so are audited and overdue."})
    audited = Integer(allow_none=True)
    overdue = Integer(allow_none=True)
    actions_open = Integer()
    actions_overdue = Integer()
    quarter_over = Boolean()
    breach = Boolean(metadata={"description": "Quarter over with under 20 % audited."})
    groups = List(Nested(GroupCoverageOut))


class ActionQueryIn(Schema):
    status = String(load_default="", validate=OneOf(("", "open", "done", "cancelled")))
    owned = Boolean(load_default=False, metadata={
        "description": "Only the actions the caller owns."})


class ActionOut(Schema):
    id = Integer()
    audit_id = Integer()
    coach = String(metadata={"description": "The coach as the caller may see them: the name for "
                             "admins, the pseudonym for the auditor."})
    quarter = String()
    kind = String(metadata={"description": "retraining, extra_supervision or other"})
    description = String()
    owner = String(metadata={"description": "The owner as the caller may see them."})
    owned_by_me = Boolean()
    due_on = Date()
    status = String(metadata={"description": "open, done or cancelled"})
    overdue = Boolean()
    closing_note = String()
    closed_at = DateTime(allow_none=True)


class ActionDetailOut(ActionOut):
    """One action on its own; a subclass so the spec names it apart from the list's items."""


ActionListOut = listing("ActionListOut", ActionOut)


class CloseActionIn(Schema):
    status = String(required=True, validate=OneOf(("done", "cancelled")))
    note = String(required=True, validate=Length(max=10_000), metadata={
        "description": "How it closed; required (at most 1,000 characters are kept)."})


# --- helpers -----------------------------------------------------------------------------------


def _quarter(raw: str) -> str:
    """The quarter named, normalised; a DomainError (with the field) when it is not one."""
    try:
        year, q = domain.parse_quarter(raw.strip())
    except ValueError as error:
        raise DomainError(str(error), field_errors={"quarter": [str(error)]}) from None
    return f"{year}Q{q}"


def _sample(sample: AuditSample) -> dict[str, Any]:
    return {"id": sample.id, "quarter": sample.quarter, "current": sample.superseded_at is None,
            "seed": sample.seed, "method_version": sample.method_version,
            "percent": sample.percent, "override_reason": sample.override_reason,
            "drawn": list(sample.drawn), "population_size": len(sample.population),
            "drawn_at": sample.drawn_at, "superseded_at": sample.superseded_at,
            "superseded_reason": sample.superseded_reason}


def _sample_audit(audit: Audit) -> dict[str, Any]:
    return {"id": audit.id, "coach_person_id": audit.coach_person_id,
            "coach_name": audit.coach.name, "auditor_user_id": audit.auditor_user_id,
            "auditor_name": audit.auditor.display_name if audit.auditor else None,
            "outcome": audit.outcome, "decided_at": audit.decided_at}


def _my_audit(audit: Audit) -> dict[str, Any]:
    return {"id": audit.id, "coach": domain.pseudonym(audit.id), "quarter": audit.quarter,
            "outcome": audit.outcome, "session_chosen": audit.session_id is not None,
            "observed": audit.observed, "decided_at": audit.decided_at,
            "url": f"/audits/audits/{audit.id}"}


def _action(actor: Any, action: CorrectiveAction) -> dict[str, Any]:
    audit = action.audit
    return {"id": action.id, "audit_id": audit.id, "coach": services.coach_label(actor, audit),
            "quarter": audit.quarter, "kind": action.kind, "description": action.description,
            "owner": corrective_actions.action_owner_label(actor, audit, action),
            "owned_by_me": action.owner_user_id == actor.id, "due_on": action.due_on,
            "status": action.status,
            "overdue": domain.action_overdue(action.status, action.due_on,
                                             utcnow().date()),
            "closing_note": action.closing_note, "closed_at": action.closed_at}


# --- samples -----------------------------------------------------------------------------------


@operation("GET", "/audits/samples", query=SampleQueryIn, out=SampleListOut,
           summary="Quarterly audit samples, newest quarter first (L&D admins)", tags=["audits"],
           responses=[403, 422])
def list_audit_samples(query: dict[str, Any]) -> Any:
    actor = current_api_user()
    samples = sampling_services.list_samples(actor)
    if query["quarter"].strip():
        quarter = _quarter(query["quarter"])
        samples = [s for s in samples if s.quarter == quarter]
    return items(samples, _sample)


@operation("GET", "/audits/samples/<int:sample_id>", out=SampleDetailOut,
           summary="One sample: its record, its audits and the draw verified by recompute",
           tags=["audits"], description="`verification` recomputes the draw from the stored "
           "seed, method version, percentage and population snapshot only.",
           responses=[403, 404])
def get_audit_sample(sample_id: int) -> Any:
    actor = current_api_user()
    sample = sampling_services.get_sample(actor, sample_id)
    check = sampling_services.verify(actor, sample_id)
    return {**_sample(sample), "population": list(sample.population),
            "audits": [_sample_audit(a) for a in sample.audits],
            "verification": {"matches": check.matches, "method_known": check.method_known,
                             "recomputed": list(check.recomputed),
                             "stored": list(check.stored)}}


# --- one's audits ------------------------------------------------------------------------------


@operation("GET", "/audits/mine", out=MyAuditListOut,
           summary="The audits assigned to me (blind: coaches under a pseudonym)",
           tags=["audits"], description="Open audits first. Admins, master coaches and raters "
           "may ask; only audits of current samples assigned to the caller are listed.",
           responses=[403])
def list_my_audits() -> Any:
    actor = current_api_user()
    require(actor, "can_view_audits")
    return items(services.my_audits(actor), _my_audit)


# --- coverage ----------------------------------------------------------------------------------


@operation("GET", "/audits/coverage", query=QuarterQueryIn, out=CoverageOut,
           summary="A quarter's audit coverage: sampled, audited, overdue, actions, per group",
           tags=["audits"], description="Admins and master coaches see every group; sponsors see "
           "aggregates, with groups of under 5 sampled coaches suppressed.",
           responses=[403, 422])
def get_audit_coverage(query: dict[str, Any]) -> Any:
    actor = current_api_user()
    require(actor, "can_view_audit_coverage")
    quarter = query["quarter"].strip() or sampling_services.current_quarter()
    detail = can(actor, "can_view_audit_coverage_detail")
    cov = audit_coverage.coverage(actor, quarter, aggregates_only=not detail)
    groups = [{"name": g.name, "suppressed": g.suppressed, "outcomes": dict(g.outcomes),
               "sampled": None if g.suppressed else g.sampled,
               "audited": None if g.suppressed else g.audited} for g in cov.groups]
    return {"quarter": cov.quarter, "has_sample": cov.has_sample,
            "population": cov.population, "sampled": cov.sampled, "audited": cov.audited,
            "overdue": cov.overdue, "actions_open": cov.actions_open,
            "actions_overdue": cov.actions_overdue, "quarter_over": cov.quarter_over,
            "breach": cov.breach, "groups": groups}


# --- corrective actions ------------------------------------------------------------------------


@operation("GET", "/audits/actions", query=ActionQueryIn, out=ActionListOut,
           summary="Corrective actions I may manage (admins: all; auditors: their audits')",
           tags=["audits"], description="Actions of current samples, by due date. `owned=true` "
           "keeps those the caller owns. The same rule as the audit page: an action is managed "
           "by admins and by its audit's assigned auditor.", responses=[403, 422])
def list_corrective_actions(query: dict[str, Any]) -> Any:
    actor = current_api_user()
    require(actor, "can_view_audits")
    stmt = (sa.select(CorrectiveAction).join(Audit).join(AuditSample)
            .where(AuditSample.superseded_at.is_(None))
            .options(contains_eager(CorrectiveAction.audit).joinedload(Audit.coach),
                     joinedload(CorrectiveAction.owner))
            .order_by(CorrectiveAction.due_on, CorrectiveAction.id))
    if not can(actor, "can_manage_audits"):
        stmt = stmt.where(Audit.auditor_user_id == actor.id)
    if query["status"]:
        stmt = stmt.where(CorrectiveAction.status == query["status"])
    if query["owned"]:
        stmt = stmt.where(CorrectiveAction.owner_user_id == actor.id)
    actions = [a for a in db.session.scalars(stmt)
               if can(actor, "can_manage_corrective_actions", a.audit)]
    return items(actions, lambda a: _action(actor, a))


@operation("POST", "/audits/actions/<int:action_id>/close", body=CloseActionIn, out=ActionDetailOut,
           summary="Close a corrective action: done or cancelled, with a note", tags=["audits"],
           description="Admins and the audit's assigned auditor. Refused (422) when the action is "
           "already closed or the note is empty.", responses=[403, 404, 422])
def close_corrective_action(action_id: int, body: dict[str, Any]) -> Any:
    actor = current_api_user()
    action = get_or_404(CorrectiveAction, action_id, what="corrective action")
    require(actor, "can_manage_corrective_actions", action.audit)
    action = corrective_actions.close_action(actor, action_id, status=body["status"],
                                             note=body["note"])
    db.session.commit()
    return _action(actor, action)

