"""Selection sprints: creating, editing and closing them, their calendar and lateness, the
board's counts (one GROUP BY) and its first cards per stage, and the paginated candidate list.

Services flush; the caller commits. Rules are `selection/domain.py`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from coachprog.assessments.models import Assessment, RaterAssignment
from coachprog.authority import can, require
from coachprog.calibration.services import prefetch_calibrations
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.selection import domain
from coachprog.selection.domain import CandidateStage, SprintStage
from coachprog.selection.models import (
    Candidate,
    CandidateAssessment,
    PanelDecisionRecord,
    PracticeReview,
    Sprint,
    SprintPanelMember,
)
from coachprog.selection.permissions import PANEL_VISIBLE_STAGES

MAX_NAME = 200
MAX_CAPACITY = 500
MAX_NOTES = 5000


# A sprint is planned a few weeks ahead and looked back on for a while; two years either way
# catches a mistyped year without getting in anyone's way.
MAX_START_DISTANCE_DAYS = 2 * 366


def today() -> date:
    """Today's date for deadlines. Sprint calendars are kept in UTC days (the deployment's
    single time zone; documented in docs/architecture.md)."""
    return utcnow().date()


def refuse(message: str, field: str | None = None) -> DomainError:
    return DomainError(message, field_errors={field: [message]} if field else None)


@dataclass(frozen=True)
class SprintDraft:
    name: str
    capacity: int | None
    start_date: date | None
    eligibility_notes: str = ""
    stage_days: Mapping[str, int | None] | None = None


def _checked_draft(draft: SprintDraft) -> tuple[str, int, date, dict[str, int]]:
    errors: dict[str, list[str]] = {}
    name = draft.name.strip()
    if not name:
        errors["name"] = ["Give the sprint a name."]
    elif len(name) > MAX_NAME:
        errors["name"] = [f"Keep the name under {MAX_NAME} characters."]
    if draft.capacity is None or not 1 <= draft.capacity <= MAX_CAPACITY:
        errors["capacity"] = [f"Capacity is the number of seats: a whole number from 1 to "
                              f"{MAX_CAPACITY}."]
    if draft.start_date is None:
        errors["start_date"] = ["Choose the day the sprint opens."]
    elif abs((draft.start_date - today()).days) > MAX_START_DISTANCE_DAYS:
        errors["start_date"] = [f"Choose a day within two years of today "
                                f"({today().isoformat()})."]
    if len(draft.eligibility_notes) > MAX_NOTES:
        errors["eligibility_notes"] = [f"Keep the notes under {MAX_NOTES} characters."]
    overrides: dict[str, int] = {}
    defaults = {d.stage.value: d for d in domain.STAGE_DEFAULTS}
    for key, days in (draft.stage_days or {}).items():
        if key not in defaults:
            errors.setdefault("stage_days", []).append(f"There is no stage called {key}.")
            continue
        if days is None or days == defaults[key].days:
            continue
        problems = domain.calendar_problems({SprintStage(key): days})
        if problems:
            errors[f"days_{key}"] = problems
        else:
            overrides[key] = days
    if errors or draft.capacity is None or draft.start_date is None:
        raise DomainError("The sprint has problems.", field_errors=errors)
    return name, draft.capacity, draft.start_date, overrides


def create_sprint(actor: Any, draft: SprintDraft) -> Sprint:
    require(actor, "can_manage_sprints")
    name, capacity, start, overrides = _checked_draft(draft)
    sprint = Sprint(name=name, capacity=capacity, start_date=start, stage_days=overrides,
                    eligibility_notes=draft.eligibility_notes.strip(), status="open",
                    created_by_id=getattr(actor, "id", None))
    db.session.add(sprint)
    db.session.flush()
    audit.record("sprint.created", actor=actor, object_type="sprint", object_id=sprint.id,
                 detail={"name": name, "capacity": capacity, "start_date": start.isoformat(),
                         "stage_days": overrides})
    return sprint


def update_sprint(actor: Any, sprint: Sprint, draft: SprintDraft) -> Sprint:
    require(actor, "can_manage_sprints")
    if sprint.status != "open":
        raise refuse("The sprint is closed; it is kept as it was decided.")
    name, capacity, start, overrides = _checked_draft(draft)
    appointed = _count(sprint, CandidateStage.APPOINTED)
    if capacity < appointed:
        raise refuse(f"{appointed} coaches are already appointed in this sprint; capacity "
                     f"cannot be lower.", "capacity")
    before = {"name": sprint.name, "capacity": sprint.capacity,
              "start_date": sprint.start_date.isoformat(), "stage_days": sprint.stage_days}
    sprint.name, sprint.capacity, sprint.start_date = name, capacity, start
    sprint.stage_days = overrides
    sprint.eligibility_notes = draft.eligibility_notes.strip()
    db.session.flush()
    audit.record("sprint.updated", actor=actor, object_type="sprint", object_id=sprint.id,
                 detail={"before": before, "after": {
                     "name": name, "capacity": capacity, "start_date": start.isoformat(),
                     "stage_days": overrides}})
    return sprint


def close_sprint(actor: Any, sprint: Sprint) -> Sprint:
    """Close a sprint: no more entries or moves. Refused while candidates are still open, so
    nobody is left without a decision."""
    require(actor, "can_manage_sprints")
    if sprint.status == "closed":
        raise refuse("The sprint is already closed.")
    open_ = [c for c in sprint.candidates if not domain.is_final(c.stage)]
    if open_:
        waiting = "1 candidate still has" if len(open_) == 1 else \
            f"{len(open_)} candidates still have"
        raise refuse(f"{waiting} no decision; appoint, reject or "
                     f"withdraw them before closing the sprint.")
    sprint.status = "closed"
    db.session.flush()
    audit.record("sprint.closed", actor=actor, object_type="sprint", object_id=sprint.id)
    return sprint


def list_sprints(actor: Any, *, status: str | None = None) -> Sequence[Sprint]:
    """Program staff see every sprint; anyone else the sprints whose panel they sit on.
    `status` ("open") narrows it in SQL (the home panel needs only open sprints' candidates)."""
    query = sa.select(Sprint).options(selectinload(Sprint.panel),
                                      selectinload(Sprint.candidates))
    if status is not None:
        query = query.where(Sprint.status == status)
    if not can(actor, "can_view_sprints"):
        if getattr(actor, "id", None) is None:
            return []
        query = query.where(Sprint.id.in_(
            sa.select(SprintPanelMember.sprint_id).where(SprintPanelMember.user_id == actor.id)))
    return db.session.scalars(query.order_by(Sprint.start_date.desc(), Sprint.id.desc())).all()


def list_open_sprints() -> Sequence[Sprint]:
    """Sprints taking entries (open, nomination window not over), for the apply/nominate
    pages."""
    rows = db.session.scalars(sa.select(Sprint).where(Sprint.status == "open")
                              .order_by(Sprint.start_date)).all()
    return [s for s in rows if entries_open(s)]


def get_sprint(actor: Any, sprint_id: int, rule: str = "can_view_sprint") -> Sprint:
    return get_or_404(Sprint, sprint_id, what="sprint", actor=actor, rule=rule)


def calendar(sprint: Sprint) -> tuple[domain.StageWindow, ...]:
    overrides = {SprintStage(k): int(v) for k, v in (sprint.stage_days or {}).items()}
    return domain.plan_calendar(sprint.start_date, overrides)


def window_of(sprint: Sprint, stage: SprintStage) -> domain.StageWindow:
    return next(w for w in calendar(sprint) if w.stage is stage)


def entries_open(sprint: Sprint, on: date | None = None) -> bool:
    """Entries are taken from the sprint's first day to the end of its nomination window."""
    on = on or today()
    window = window_of(sprint, SprintStage.NOMINATION_APPLICATION)
    return sprint.status == "open" and window.start <= on <= window.end


@dataclass(frozen=True)
class StageTally:
    """How many of a sprint's entries stand at each stage now (`at`) and how many got
    furthest to each pipeline stage (`reached`): all a board's counts, funnel and lateness
    read, so a board never walks its candidates."""

    at: Mapping[CandidateStage, int]
    reached: Mapping[CandidateStage, int]


def stage_tally(sprint: Sprint) -> StageTally:
    """Counted from the loaded candidates when a list page loaded them (no query per sprint),
    otherwise in SQL (one GROUP BY, whatever the number of candidates)."""
    at: dict[CandidateStage, int] = dict.fromkeys(CandidateStage, 0)
    reached: dict[CandidateStage, int] = dict.fromkeys(CandidateStage, 0)
    if "candidates" not in sa.inspect(sprint).unloaded:
        pairs = [(c.stage, c.furthest_stage, 1) for c in sprint.candidates]
    else:
        pairs = [(row.stage, row.furthest_stage, row.n) for row in db.session.execute(
            sa.select(Candidate.stage, Candidate.furthest_stage, sa.func.count().label("n"))
            .where(Candidate.sprint_id == sprint.id)
            .group_by(Candidate.stage, Candidate.furthest_stage))]
    for stage, furthest, count in pairs:
        at[CandidateStage(stage)] += count
        reached[CandidateStage(furthest)] += count
    return StageTally(at, reached)


def _stage_complete(tally: StageTally) -> dict[SprintStage, bool]:
    """A calendar stage is complete when nobody still open sits at it or before it.

    Derived rather than ticked by hand so a stage cannot be marked done over waiting people."""
    order = list(domain.SprintStage)
    open_positions = [order.index(domain.CALENDAR_STAGE[stage])
                      for stage, count in tally.at.items() if count and not domain.is_final(stage)]
    earliest_open = min(open_positions, default=len(order))
    return {stage: order.index(stage) < earliest_open for stage in order}


@dataclass(frozen=True)
class Lateness:
    stage: domain.LateStage
    waiting: int  # open candidates still at (or before) the late stage


def lateness(sprint: Sprint, on: date | None = None) -> list[Lateness]:
    on = on or today()
    if sprint.status == "closed":
        return []
    tally = stage_tally(sprint)
    late = domain.late_stages(calendar(sprint), on, _stage_complete(tally))
    order = list(domain.SprintStage)
    result = []
    for item in late:
        waiting = sum(count for stage, count in tally.at.items() if not domain.is_final(stage)
                      and order.index(domain.CALENDAR_STAGE[stage]) <= order.index(item.stage))
        result.append(Lateness(item, waiting))
    return result


# A board column shows this many cards; the rest are on the stage's candidate list.
BOARD_COLUMN_SIZE = 20


def board(sprint: Sprint, per_column: int | None = None) -> dict[CandidateStage, list[Candidate]]:
    """The first `per_column` (`BOARD_COLUMN_SIZE`) candidates of each stage by name (every
    column present, empty ones too), with their evidence: a fixed number of queries and cards
    whatever the size."""
    per_column = per_column or BOARD_COLUMN_SIZE
    ranked = (sa.select(Candidate.id, sa.func.row_number().over(
        partition_by=Candidate.stage, order_by=(Person.name, Candidate.id)).label("rank"))
        .join(Person, Person.id == Candidate.person_id)
        .where(Candidate.sprint_id == sprint.id).subquery())
    ids = sa.select(ranked.c.id).where(ranked.c.rank <= per_column)
    columns: dict[CandidateStage, list[Candidate]] = {stage: [] for stage in CandidateStage}
    for candidate in _with_evidence(sa.select(Candidate).where(Candidate.id.in_(ids))):
        columns[CandidateStage(candidate.stage)].append(candidate)
    for cards in columns.values():
        cards.sort(key=lambda c: (c.person.name, c.id))
    return columns


def every_candidate_by_stage(sprint: Sprint) -> dict[CandidateStage, list[Candidate]]:
    """Every candidate of the sprint by stage and name, with their evidence (the board
    export: a download of the whole sprint, in a fixed number of queries)."""
    columns: dict[CandidateStage, list[Candidate]] = {stage: [] for stage in CandidateStage}
    for candidate in _with_evidence(
            sa.select(Candidate).join(Person, Person.id == Candidate.person_id)
            .where(Candidate.sprint_id == sprint.id).order_by(Person.name, Candidate.id)):
        columns[CandidateStage(candidate.stage)].append(candidate)
    return columns


def list_sprint_candidates(actor: Any, sprint: Sprint, *, stage: CandidateStage | None,
                           q: str = "", page: int = 1, per_page: int = 50,
                           ) -> tuple[list[Candidate], int, int]:
    """One page of the sprint's candidates by name (at `stage`, whose name or employee id
    contains `q`), how many there are, and the page shown (the last one when `page` is past
    it)."""
    require(actor, "can_view_sprints")
    query = (sa.select(Candidate).join(Person, Person.id == Candidate.person_id)
             .where(Candidate.sprint_id == sprint.id))
    if stage is not None:
        query = query.where(Candidate.stage == stage.value)
    if q.strip():
        query = query.where(sa.or_(Person.name.icontains(q.strip(), autoescape=True),
                                   Person.employee_id.icontains(q.strip(), autoescape=True)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = min(max(page, 1), max(1, -(-total // per_page)))
    rows = _with_evidence(query.order_by(Person.name, Candidate.id).limit(per_page)
                          .offset((page - 1) * per_page))
    return rows, total, page


def panel_list(sprint: Sprint) -> list[Candidate]:
    """The candidates a panel member's page lists: those who reached the panel."""
    return list(db.session.scalars(
        sa.select(Candidate).options(joinedload(Candidate.person))
        .where(Candidate.sprint_id == sprint.id,
               Candidate.furthest_stage.in_(PANEL_VISIBLE_STAGES))
        .order_by(Candidate.id)))


# What a candidate's card, page or API record reads (the guards' evidence): loaded up front so
# a board costs the same few queries whatever its size (the calibration look-up per rater
# assignment remains). Built on first use, not at import: a loader option configures every
# mapper, which app start need not pay for (issue 22).
@functools.cache
def candidate_evidence() -> tuple[Any, ...]:
    return (
        joinedload(Candidate.person),
        selectinload(Candidate.assessments).joinedload(CandidateAssessment.assessment).options(
            selectinload(Assessment.assignments).selectinload(RaterAssignment.marks),
            joinedload(Assessment.rubric_version)),
        selectinload(Candidate.hours),
        selectinload(Candidate.reviews).joinedload(PracticeReview.reviewer),
        selectinload(Candidate.panel_decisions).joinedload(PanelDecisionRecord.member),
    )


def _with_evidence(query: sa.Select[Any]) -> list[Candidate]:
    """The candidates of `query` with everything their cards read, in a fixed number of
    queries."""
    candidates = list(db.session.scalars(query.options(*candidate_evidence())).unique())
    # Each card's stage evidence asks whether its raters were calibrated: one query for all.
    linked = [link.assessment for c in candidates for link in c.assessments]
    prefetch_calibrations({a.rater_id for x in linked for a in x.assignments},
                          {x.rubric_version.rubric_key for x in linked})
    return candidates


def load_board(actor: Any, sprint_id: int) -> Sprint:
    """The sprint and its panel; its counts come from `stage_tally` and its cards from
    `board`, so a large sprint is never loaded whole."""
    sprint = db.session.scalar(
        sa.select(Sprint).where(Sprint.id == sprint_id).options(
            selectinload(Sprint.panel).joinedload(SprintPanelMember.user)))
    if sprint is None:
        raise NotFound("sprint")
    require(actor, "can_view_sprint", sprint)
    return sprint


def _count(sprint: Sprint, stage: CandidateStage) -> int:
    return stage_tally(sprint).at[stage]


def funnel(sprint: Sprint) -> tuple[domain.FunnelRow, ...]:
    return domain.funnel_of_counts(stage_tally(sprint).reached)


def appointed_now(sprint: Sprint) -> int:
    """Appointments as committed, counted under a lock on the sprint row (PostgreSQL), so two
    simultaneous appointments cannot both take the last seat."""
    db.session.execute(sa.select(Sprint.id).where(Sprint.id == sprint.id).with_for_update())
    return db.session.scalar(sa.select(sa.func.count()).select_from(Candidate).where(
        Candidate.sprint_id == sprint.id,
        Candidate.stage == CandidateStage.APPOINTED.value)) or 0


def seats_left(sprint: Sprint) -> int:
    return max(0, sprint.capacity - _count(sprint, CandidateStage.APPOINTED))


def require_open_sprint(candidate: Candidate) -> None:
    if candidate.sprint.status != "open":
        raise refuse("This sprint is closed; its candidates no longer move.")
