"""/api/v1/sprints and /api/v1/candidates: selection sprints for integrations.

The same services and guards as the board: an advance the page would refuse is refused here
with the same reasons (422). Candidate listings are for program staff; a candidate's own
record and the nominee's invitation stay on the pages (the invitation token never leaves the
e-mail).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from sqlalchemy.orm import joinedload

from coachprog.api import current_api_user, operation
from coachprog.api.lists import items, paginated
from coachprog.api.schemas import PageQueryIn, listing, page
from coachprog.authority import can, require
from coachprog.db import get_or_404
from coachprog.extensions import db
from coachprog.selection import domain
from coachprog.selection.candidates import domain as candidate_domain
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.entries import services as entry_services
from coachprog.selection.models import Candidate, Sprint
from coachprog.selection.practice import services as practice_services
from coachprog.selection.sprints import services as sprint_services
from coachprog.validation import DbId, DbInt

STAGES = [stage.value for stage in domain.CandidateStage]


class StageWindowOut(Schema):
    stage = String()
    label = String()
    start = Date()
    end = Date()


class LateOut(Schema):
    stage = String()
    message = String()
    waiting = Integer(metadata={"description": "Candidates still at or before the stage."})


class FunnelOut(Schema):
    stage = String()
    label = String()
    count = Integer()
    conversion = Float(allow_none=True)


class SprintOut(Schema):
    id = Integer()
    name = String()
    status = String()
    capacity = Integer()
    seats_left = Integer()
    start_date = Date()
    eligibility_notes = String()
    entries_open = Boolean(metadata={"description": "Whether nominations and applications "
                                     "are taken today."})
    calendar = List(Nested(StageWindowOut))
    late = List(Nested(LateOut))
    stage_counts = Dict(keys=String(), values=Integer())
    funnel = List(Nested(FunnelOut))


class SprintDetailOut(SprintOut):
    """One sprint."""


SprintListOut = listing("SprintListOut", SprintOut)


class SprintIn(Schema):
    name = String(required=True, validate=Length(max=200))
    capacity = DbInt(required=True, strict=True, minimum=0)
    start_date = Date(required=True)
    eligibility_notes = String(load_default="", validate=Length(max=5000))
    stage_days = Dict(keys=String(validate=OneOf([s.value for s in domain.SprintStage])),
                      values=DbInt(minimum=0), load_default=dict,
                      metadata={"description": "Stage lengths in days that differ from the "
                                "blueprint's defaults, by calendar stage."})


class PersonRefOut(Schema):
    employee_id = String()
    name = String()


class CandidateOut(Schema):
    id = Integer()
    sprint_id = Integer()
    person = Nested(PersonRefOut)
    route = String()
    stage = String()
    furthest_stage = String()
    missing = List(String(), metadata={"description": "Why the candidate cannot move to the "
                                       "next stage yet (empty when they can, or when final)."})
    next_stage = String(allow_none=True)
    verified_practice_hours = Float()
    assessment_ids = Dict(keys=String(), values=Integer(),
                          metadata={"description": "The assessments that count, by rubric."})
    created_at = DateTime()
    updated_at = DateTime()


class CandidateDetailOut(CandidateOut):
    """One candidate."""


CandidatePage = page("CandidatePage", CandidateOut)


class CandidateQueryIn(PageQueryIn):
    sprint_id = DbId(load_default=None, allow_none=True)
    stage = String(load_default="", validate=OneOf(["", *STAGES]))


class CandidateIn(Schema):
    sprint_id = DbId(required=True)
    route = String(required=True, validate=OneOf(["nomination", "application"]))
    nominee_employee_id = String(load_default="", validate=Length(max=64),
                                 metadata={"description": "Nomination: the person nominated "
                                           "(in the caller's reporting line)."})
    why = String(load_default="", validate=Length(max=5000),
                 metadata={"description": "Nomination: why."})
    application_text = String(load_default="", validate=Length(max=20000),
                              metadata={"description": "Application: the caller's one-page "
                                        "application (150–600 words)."})


class AdvanceIn(Schema):
    target = String(required=True, validate=OneOf(STAGES))


class ReasonIn(Schema):
    reason = String(required=True, validate=Length(min=1, max=candidate_domain.MAX_REASON_LENGTH))


def _sprint_out(sprint: Sprint, actor: Any) -> dict[str, Any]:
    """A panel member who is not program staff gets the sprint's frame (dates, seats), not
    its counts: on a small cohort those would tell them about people they do not decide on."""
    counts = dict.fromkeys(STAGES, 0)
    for candidate in sprint.candidates:
        counts[candidate.stage] += 1
    out = {
        "id": sprint.id, "name": sprint.name, "status": sprint.status,
        "capacity": sprint.capacity, "seats_left": sprint_services.seats_left(sprint),
        "start_date": sprint.start_date, "eligibility_notes": sprint.eligibility_notes,
        "entries_open": sprint_services.entries_open(sprint),
        "calendar": [{"stage": w.stage.value, "label": w.label, "start": w.start, "end": w.end}
                     for w in sprint_services.calendar(sprint)],
        "late": [{"stage": item.stage.stage.value, "message": item.stage.message,
                  "waiting": item.waiting} for item in sprint_services.lateness(sprint)],
        "stage_counts": counts,
        "funnel": [{"stage": row.stage.value, "label": row.label, "count": row.count,
                    "conversion": row.conversion} for row in sprint_services.funnel(sprint)],
    }
    if not can(actor, "can_view_sprints"):
        out.update(late=[], stage_counts={}, funnel=[])
    return out


def _candidate_out(candidate: Candidate, actor: Any) -> dict[str, Any]:
    """The candidate as the caller may see them: the candidate themselves (and a nominator)
    get the stage, never guard reasons that would reveal scores or the panel's views."""
    following = candidate_services.next_stage(candidate)
    full = can(actor, "can_view_candidate", candidate)
    return {
        "id": candidate.id, "sprint_id": candidate.sprint_id,
        "person": {"employee_id": candidate.person.employee_id, "name": candidate.person.name},
        "route": candidate.route, "stage": candidate.stage,
        "furthest_stage": candidate.furthest_stage,
        "missing": candidate_services.what_is_missing(candidate) if full else [],
        "next_stage": following.value if following else None,
        "verified_practice_hours": practice_services.hours_summary(candidate).verified,
        "assessment_ids": {link.purpose: link.assessment_id for link in candidate.assessments}
        if full else {},
        "created_at": candidate.created_at, "updated_at": candidate.updated_at,
    }


@operation("GET", "/sprints", out=SprintListOut,
           summary="Selection sprints the caller may see", tags=["selection"],
           description="Every sprint for program staff; the sprints whose panel the caller sits on "
           "for anyone else (an empty list otherwise).")
def list_sprints() -> Any:
    actor = current_api_user()
    return items(sprint_services.list_sprints(actor), lambda s: _sprint_out(s, actor))


@operation("POST", "/sprints", body=SprintIn, out=SprintDetailOut, status=201,
           summary="Create a sprint", tags=["selection"], responses=[403, 422])
def create_sprint(body: dict[str, Any]) -> Any:
    actor = current_api_user()
    sprint = sprint_services.create_sprint(actor, sprint_services.SprintDraft(
        name=body["name"], capacity=body["capacity"], start_date=body["start_date"],
        eligibility_notes=body["eligibility_notes"], stage_days=body["stage_days"]))
    db.session.commit()
    return _sprint_out(sprint, actor), 201


@operation("GET", "/sprints/<int:sprint_id>", out=SprintDetailOut,
           summary="One sprint: calendar, lateness, counts per stage and the funnel",
           tags=["selection"], responses=[403, 404])
def get_sprint(sprint_id: int) -> Any:
    actor = current_api_user()
    return _sprint_out(sprint_services.load_board(actor, sprint_id), actor)


def _candidate_loads() -> tuple[Any, ...]:
    # Built per listing, not at import: loader options configure every mapper (issue 22).
    return (joinedload(Candidate.sprint), *sprint_services.candidate_evidence())


@operation("GET", "/candidates", query=CandidateQueryIn, out=CandidatePage,
           summary="Candidates, by sprint and stage", tags=["selection"], responses=[403],
           description="For program staff (L&D admins, master and lead coaches).")
def list_candidates(query: dict[str, Any]) -> Any:
    actor = current_api_user()
    require(actor, "can_view_sprints")
    select = sa.select(Candidate)
    if query["sprint_id"] is not None:
        select = select.where(Candidate.sprint_id == query["sprint_id"])
    if query["stage"]:
        select = select.where(Candidate.stage == query["stage"])
    return paginated(query, select, lambda c: _candidate_out(c, actor),
                     order_by=[Candidate.id], options=_candidate_loads())


@operation("POST", "/candidates", body=CandidateIn, out=CandidateDetailOut, status=201,
           summary="Enter a sprint: nominate someone, or apply yourself", tags=["selection"],
           description="A nomination invites the nominee by e-mail; they become a candidate only "
           "by accepting. The response shows the entry as the caller may see it.",
           responses=[403, 404, 422])
def create_candidate(body: dict[str, Any]) -> Any:
    actor = current_api_user()
    require(actor, "can_enter_sprints")
    sprint = get_or_404(Sprint, body["sprint_id"], what="sprint")
    if body["route"] == "nomination":
        candidate = entry_services.nominate(actor, sprint,
                                       nominee_employee_id=body["nominee_employee_id"],
                                       why=body["why"]).candidate
    else:
        candidate = entry_services.apply(actor, sprint, text=body["application_text"])
    db.session.commit()
    return _candidate_out(candidate, actor), 201


@operation("GET", "/candidates/<int:candidate_id>", out=CandidateDetailOut,
           summary="One candidate: stage and what is missing to move on", tags=["selection"],
           responses=[403, 404])
def get_candidate(candidate_id: int) -> Any:
    actor = current_api_user()
    # The candidate reads their own record (without guard reasons); staff and panel the pack.
    rule = "can_view_own_candidacy" if _own(actor, candidate_id) else "can_view_candidate"
    return _candidate_out(candidate_services.load_candidate(actor, candidate_id, rule=rule), actor)


def _move(candidate_id: int, action: Any) -> Any:
    actor = current_api_user()
    # The candidate may withdraw themselves: they reach their own record, nobody else's.
    rule = "can_view_own_candidacy" if _own(actor, candidate_id) else "can_view_candidate"
    candidate = candidate_services.load_candidate(actor, candidate_id, rule=rule)
    action(actor, candidate)
    db.session.commit()
    return _candidate_out(candidate, actor)


def _own(actor: Any, candidate_id: int) -> bool:
    person_id = db.session.scalar(sa.select(Candidate.person_id)
                                  .where(Candidate.id == candidate_id))
    return person_id is not None and person_id == actor.person_id


@operation("POST", "/candidates/<int:candidate_id>/advance", body=AdvanceIn, out=CandidateDetailOut,
           summary="Move a candidate to the next stage", tags=["selection"],
           description="Runs the stage's guard: refused (422) with every reason when the evidence "
           "is not there (assessments, verified hours, the panel's decisions).",
           responses=[403, 404, 422])
def advance_candidate(candidate_id: int, body: dict[str, Any]) -> Any:
    return _move(candidate_id,
                 lambda actor, c: candidate_services.advance_candidate(actor, c, body["target"]))


@operation("POST", "/candidates/<int:candidate_id>/reject", body=ReasonIn, out=CandidateDetailOut,
           summary="Reject a candidate with a reason", tags=["selection"],
           description="The reason is recorded and audited; the candidate receives a neutral "
           "notice that does not repeat it.", responses=[403, 404, 422])
def reject_candidate(candidate_id: int, body: dict[str, Any]) -> Any:
    return _move(candidate_id,
                 lambda actor, c: candidate_services.reject_candidate(actor, c, body["reason"]))


@operation("POST", "/candidates/<int:candidate_id>/withdraw", body=ReasonIn, out=CandidateDetailOut,
           summary="Withdraw a candidacy (the candidate, or L&D on their behalf)",
           tags=["selection"], responses=[403, 404, 422])
def withdraw_candidate(candidate_id: int, body: dict[str, Any]) -> Any:
    return _move(candidate_id,
                 lambda actor, c: candidate_services.withdraw_candidate(actor, c, body["reason"]))
