"""Engagements between coaches and coachees. Admins match coaches with coachees (`match_problems`,
pure rules in `selection.domain`): never with paperwork missing, across a management chain either
way, across a performance-review relationship either way, or beyond the coach's protected-time
capacity; one active engagement per coach–coachee pair; later domains add their own blockers
(`register_match_blocker`). Every engagement, active or ended, feeds the rater conflict rule of
the assessments domain: a coach never rates someone they coach or have coached (`coachees_of`,
registered at import).

Every change writes an audit entry, and so does every read of an engagement (its goals are
coaching content). Services flush; the caller commits."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coachprog.assessments.conflicts import register_coaching_source
from coachprog.assessments.domain import manager_chain
from coachprog.authority import can, require
from coachprog.coaching.models import (
    ACTIVE,
    ENDED,
    ENGAGEMENT_STATUSES,
    Engagement,
    EvaluationRelationship,
)
from coachprog.coaching.paperwork.services import DEFAULT_WEEKLY_HOURS, paperwork_for, to_domain
from coachprog.coaching.roster.services import is_appointed_coach
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.people.services import get_manager_links, reporting_line_cte
from coachprog.policy.domain import OptOutKind
from coachprog.policy.guards import guard
from coachprog.policy.services import opt_out_problems
from coachprog.selection.appointment.domain import (
    DEFAULT_ENGAGEMENT_HOURS_PER_WEEK,
    MatchFacts,
    match_problems,
)

MIN_SESSION_CAP = 1
MAX_SESSION_CAP = 50
MIN_ENGAGEMENT_HOURS = 0.25
MAX_ENGAGEMENT_HOURS = 8.0
MAX_GOALS_LENGTH = 5000
MAX_KPI_LENGTH = 200


@dataclass(frozen=True)
class EngagementDraft:
    coach_person_id: int | None
    coachee_employee_id: str
    start_date: date | None
    goals: str
    kpi_name: str
    session_cap: int | None
    hours_per_week: float | None


class MatchRefused(DomainError):  # noqa: N818 - reads as the domain says it
    """The match breaks the program's rules; `problems` lists every reason."""

    def __init__(self, problems: Sequence[str],
                 field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__("This match cannot be made: " + " ".join(problems),
                         field_errors=field_errors)
        self.problems = list(problems)


def _evaluation_pairs(first: int, second: int) -> frozenset[tuple[int, int]]:
    """Performance-review relationships between two people, both directions."""
    rows = db.session.execute(
        sa.select(EvaluationRelationship.evaluator_person_id,
                  EvaluationRelationship.evaluated_person_id)
        .where(sa.or_(
            sa.and_(EvaluationRelationship.evaluator_person_id == first,
                    EvaluationRelationship.evaluated_person_id == second),
            sa.and_(EvaluationRelationship.evaluator_person_id == second,
                    EvaluationRelationship.evaluated_person_id == first)))).all()
    return frozenset((int(a), int(b)) for a, b in rows)


def match_facts(coach_person_id: int, coachee_person_id: int, *,
                new_engagement_hours: float = DEFAULT_ENGAGEMENT_HOURS_PER_WEEK,
                excluding_engagement_id: int | None = None) -> MatchFacts:
    """What `match_problems` needs: both reporting lines come from one query."""
    row = paperwork_for(coach_person_id)
    links = get_manager_links((coach_person_id, coachee_person_id))
    booked = sa.select(Engagement.hours_per_week).where(
        Engagement.coach_person_id == coach_person_id, Engagement.status == ACTIVE)
    if excluding_engagement_id is not None:
        booked = booked.where(Engagement.id != excluding_engagement_id)
    return MatchFacts(
        coach_id=coach_person_id, coachee_id=coachee_person_id, paperwork=to_domain(row),
        coach_manager_chain=manager_chain(coach_person_id, links),
        coachee_manager_chain=manager_chain(coachee_person_id, links),
        evaluations=_evaluation_pairs(coach_person_id, coachee_person_id),
        coach_weekly_hours=row.weekly_hours if row is not None else DEFAULT_WEEKLY_HOURS,
        active_engagement_hours=tuple(db.session.scalars(booked)),
        new_engagement_hours=new_engagement_hours)


def active_between(coach_person_id: int, coachee_person_id: int) -> Engagement | None:
    return db.session.scalar(sa.select(Engagement).where(
        Engagement.coach_person_id == coach_person_id,
        Engagement.coachee_person_id == coachee_person_id, Engagement.status == ACTIVE))


def _engagement_field_errors(draft: EngagementDraft, coach: Person | None,
                             coachee: Person | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if coach is None:
        errors["coach_person_id"] = ["Choose the coach."]
    elif not is_appointed_coach(coach.id):
        errors["coach_person_id"] = [f"{coach.name} is not an appointed coach: only people a "
                                     "sprint's calibration panel appointed coach others."]
    elif not coach.active:
        errors["coach_person_id"] = [f"{coach.name} is no longer active in the directory."]
    employee_id = draft.coachee_employee_id.strip()
    if not employee_id:
        errors["coachee_employee_id"] = ["Give the coachee's employee id."]
    elif coachee is None:
        errors["coachee_employee_id"] = [f"No person with employee id {employee_id}."]
    elif not coachee.active:
        errors["coachee_employee_id"] = [f"{coachee.name} is no longer active in the "
                                         "directory."]
    if draft.start_date is None:
        errors["start_date"] = ["Give the start date."]
    goals = draft.goals.strip()
    if not goals:
        errors["goals"] = ["Write the goals: what the coachee wants to work on."]
    elif len(goals) > MAX_GOALS_LENGTH:
        errors["goals"] = [f"Keep the goals under {MAX_GOALS_LENGTH} characters."]
    if len(draft.kpi_name.strip()) > MAX_KPI_LENGTH:
        errors["kpi_name"] = [f"Keep the KPI name under {MAX_KPI_LENGTH} characters."]
    cap = draft.session_cap
    if cap is None or not MIN_SESSION_CAP <= cap <= MAX_SESSION_CAP:
        errors["session_cap"] = [f"The session cap is a whole number from {MIN_SESSION_CAP} "
                                 f"to {MAX_SESSION_CAP}."]
    hours = draft.hours_per_week
    if hours is None or not math.isfinite(hours) \
            or not MIN_ENGAGEMENT_HOURS <= hours <= MAX_ENGAGEMENT_HOURS:
        errors["hours_per_week"] = [f"Expected hours a week are between "
                                    f"{MIN_ENGAGEMENT_HOURS:g} and {MAX_ENGAGEMENT_HOURS:g}."]
    return errors


# Later domains refuse new matches for their own reasons (an audit's serious concern, a lapsed
# certification) without this module importing them: each registers a function that returns
# the reasons a coach may not take a new coachee now (empty when nothing stands in the way).
MatchBlocker = Callable[[int], list[str]]
_MATCH_BLOCKERS: list[MatchBlocker] = []


def register_match_blocker(blocker: MatchBlocker) -> MatchBlocker:
    if blocker not in _MATCH_BLOCKERS:
        _MATCH_BLOCKERS.append(blocker)
    return blocker


def match_blocks(coach_person_id: int) -> list[str]:
    """Every registered reason this coach may not be matched with a new coachee now."""
    return [reason for blocker in _MATCH_BLOCKERS for reason in blocker(coach_person_id)]


@guard("coaching.non_evaluator_match", "policy.program_opt_out")
def create_engagement(actor: Any, draft: EngagementDraft) -> Engagement:
    """Match an appointed coach with a coachee. Refused with every reason at once: the
    fields' problems next to the fields, the program's rules (`match_problems`) as a list."""
    require(actor, "can_match_coaches")
    coach = db.session.get(Person, draft.coach_person_id) if draft.coach_person_id else None
    employee_id = draft.coachee_employee_id.strip()
    coachee = db.session.scalar(sa.select(Person).where(Person.employee_id == employee_id)) \
        if employee_id else None
    errors = _engagement_field_errors(draft, coach, coachee)
    problems: list[str] = []
    if coach is not None and coachee is not None and "coach_person_id" not in errors:
        if (existing := active_between(coach.id, coachee.id)) is not None:
            problems.append(f"{coach.name} already coaches {coachee.name} in an active "
                            f"engagement (since {existing.start_date:%Y-%m-%d}); end it before "
                            "starting another.")
        hours = draft.hours_per_week if "hours_per_week" not in errors else None
        problems.extend(match_problems(match_facts(
            coach.id, coachee.id,
            new_engagement_hours=hours or DEFAULT_ENGAGEMENT_HOURS_PER_WEEK)))
        problems.extend(match_blocks(coach.id))
        # Use-case matrix, matching-after-opt-out: someone who left the program is not
        # offered a new engagement, as coach or as coachee.
        problems.extend(opt_out_problems([coach, coachee], OptOutKind.PROGRAM))
    if problems:
        raise MatchRefused(problems, errors)
    if (errors or coach is None or coachee is None or draft.start_date is None
            or draft.session_cap is None or draft.hours_per_week is None):
        raise DomainError("The engagement has problems; see the fields marked below.",
                          field_errors=errors)
    engagement = Engagement(
        coach_person_id=coach.id, coachee_person_id=coachee.id, start_date=draft.start_date,
        goals=draft.goals.strip(), kpi_name=draft.kpi_name.strip(),
        session_cap=draft.session_cap, hours_per_week=draft.hours_per_week, status=ACTIVE,
        created_by_id=getattr(actor, "id", None))
    db.session.add(engagement)
    db.session.flush()
    audit.record("coaching.engagement_created", actor=actor, object_type="engagement",
                 object_id=engagement.id,
                 detail={"coach_person_id": coach.id, "coachee_person_id": coachee.id,
                         "session_cap": engagement.session_cap,
                         "hours_per_week": engagement.hours_per_week})
    return engagement


def _load_engagement(engagement_id: int) -> Engagement:
    engagement = db.session.scalar(
        sa.select(Engagement).options(joinedload(Engagement.coach), joinedload(Engagement.coachee))
        .where(Engagement.id == engagement_id))
    if engagement is None:
        raise NotFound("engagement")
    return engagement


def get_engagement(actor: Any, engagement_id: int) -> Engagement:
    """One engagement for those who may see it; the read is audited (its goals are coaching
    content)."""
    engagement = _load_engagement(engagement_id)
    require(actor, "can_view_engagement", engagement)
    audit.record("coaching.engagement_viewed", actor=actor, object_type="engagement",
                 object_id=engagement.id)
    return engagement


def engagement_warnings(actor: Any, engagement: Engagement) -> list[str]:
    """For program staff: why this active match would be refused if it were made today (a
    review relationship recorded since, a reorganisation, signatures cleared)."""
    if engagement.status != ACTIVE or not can(actor, "can_view_all_engagements"):
        return []
    return match_problems(match_facts(
        engagement.coach_person_id, engagement.coachee_person_id,
        new_engagement_hours=engagement.hours_per_week, excluding_engagement_id=engagement.id))


def end_engagement(actor: Any, engagement_id: int) -> Engagement:
    engagement = _load_engagement(engagement_id)
    require(actor, "can_end_engagement", engagement)
    if engagement.status != ACTIVE:
        ended = f" on {engagement.ended_at:%Y-%m-%d}" if engagement.ended_at else ""
        raise DomainError(f"This engagement already ended{ended}.")
    engagement.status = ENDED
    engagement.ended_at = utcnow()
    db.session.flush()
    audit.record("coaching.engagement_ended", actor=actor, object_type="engagement",
                 object_id=engagement.id,
                 detail={"coach_person_id": engagement.coach_person_id,
                         "coachee_person_id": engagement.coachee_person_id})
    return engagement


@dataclass(frozen=True)
class EngagementQuery:
    status: str = ""
    page: int = 1
    per_page: int = 50


def list_engagements(actor: Any,
                     params: EngagementQuery) -> tuple[Sequence[Engagement], int]:
    """Program staff: all, except those of people in their own reporting line; a coach: the
    engagements they are part of."""
    require(actor, "can_list_engagements")
    query = sa.select(Engagement)
    person_id = getattr(actor, "person_id", None)
    own = sa.or_(Engagement.coach_person_id == person_id,
                 Engagement.coachee_person_id == person_id)
    if can(actor, "can_view_all_engagements"):
        if person_id is not None:
            below = sa.select(reporting_line_cte(person_id).c.id)
            query = query.where(sa.or_(own, sa.and_(
                Engagement.coach_person_id.not_in(below),
                Engagement.coachee_person_id.not_in(below))))
    elif person_id is not None:
        query = query.where(own)
    else:
        query = query.where(sa.false())
    if params.status in ENGAGEMENT_STATUSES:
        query = query.where(Engagement.status == params.status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(joinedload(Engagement.coach), joinedload(Engagement.coachee))
        .order_by(Engagement.start_date.desc(), Engagement.id.desc())
        .limit(params.per_page).offset((params.page - 1) * params.per_page)).all()
    return rows, total


def coachees_of(coach_person_id: int) -> set[int]:
    """Everyone this person coaches or has coached (active and ended engagements)."""
    return set(db.session.scalars(
        sa.select(Engagement.coachee_person_id)
        .where(Engagement.coach_person_id == coach_person_id)))


def coachees_of_many(coach_person_ids: Collection[int]) -> dict[int, set[int]]:
    """`coachees_of` for many people in one query (rater choice lists, the audit draw)."""
    found: dict[int, set[int]] = {p: set() for p in coach_person_ids}
    if not found:
        return found
    for coach_id, coachee_id in db.session.execute(
            sa.select(Engagement.coach_person_id, Engagement.coachee_person_id)
            .where(Engagement.coach_person_id.in_(list(found)))):
        found[coach_id].add(coachee_id)
    return found


# A coach never rates someone they coach or have coached (rater conflict rule, assessments).
register_coaching_source(coachees_of, many=coachees_of_many)
