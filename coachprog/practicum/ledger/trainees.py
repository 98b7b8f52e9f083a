"""A trainee's practicum progress (verified hours against the program's targets, the hour
gates, what waits for verification) and the list of trainees a supervisor or program staff see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from coachprog.authority import can, require
from coachprog.coaching.supervisors import prefetch_supervisors, supervised_person_ids
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.people.services import not_managed_by
from coachprog.practicum.ledger import domain
from coachprog.practicum.ledger.models import LedgerEntry, PracticumEnrolment
from coachprog.practicum.ledger.services import (
    get_enrolment,
    get_trainee,
    list_entries,
    totals_by_person,
)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    target: float
    maximum: float
    percent: int
    met: bool


@dataclass(frozen=True)
class Progress:
    person: Person
    enrolment: PracticumEnrolment | None
    targets: domain.Targets
    totals: domain.Totals
    window: domain.Window | None
    bars: list[Bar]
    gates: list[domain.GateStatus]
    waiting: int  # entries pending verification
    queried: int


def _progress(person: Person, entries: list[LedgerEntry]) -> Progress:
    enrolment = get_enrolment(person.id)
    targets = enrolment.program.targets if enrolment else domain.DEFAULT_TARGETS
    totals = domain.totals(e.facts() for e in entries)
    win = (domain.window(enrolment.start_date, utcnow().date(), targets)
           if enrolment else None)
    bars = [
        Bar("Coached hours", totals.coached_hours, targets.coached_min, targets.coached_max,
            domain.percent(totals.coached_hours, targets.coached_min),
            domain.coached_target_met(totals, targets)),
        Bar("Reflective lab and peer-debrief hours", totals.lab_hours, targets.lab_min,
            targets.lab_max, domain.percent(totals.lab_hours, targets.lab_min),
            domain.lab_target_met(totals, targets)),
    ]
    return Progress(person, enrolment, targets, totals, win, bars,
                    domain.gate_hours(totals, targets),
                    sum(1 for e in entries if e.status == domain.PENDING),
                    sum(1 for e in entries if e.status == domain.QUERIED))


def progress(actor: Any, person_id: int) -> Progress:
    person = get_trainee(actor, person_id)
    return _progress(person, list_entries(actor, person_id))


@dataclass(frozen=True)
class TraineeRow:
    person: Person
    enrolment: PracticumEnrolment
    totals: domain.Totals
    waiting: int


def list_trainees(actor: Any, *, page: int = 1, per_page: int = 50,
                  q: str = "") -> tuple[list[TraineeRow], int]:
    """One page of the enrolled trainees this actor may see (all for admins, their own for
    supervisors), by name, optionally those whose name contains `q`; and how many there are.
    The page's permission checks share one supervisor query and its totals are SQL sums."""

    require(actor, "can_list_practicum_trainees")
    query = sa.select(PracticumEnrolment).join(Person, PracticumEnrolment.person_id == Person.id)
    # Set-based, as `can_view_practicum_ledger` decides per trainee: program staff see every
    # ledger bar their own reporting line's (the chain bar), supervisors their trainees.
    if can(actor, "can_view_every_practicum_ledger"):
        query = query.where(not_managed_by(PracticumEnrolment.person_id,
                                           getattr(actor, "person_id", None)))
    else:
        query = query.where(sa.or_(
            PracticumEnrolment.person_id.in_(supervised_person_ids(actor)),
            PracticumEnrolment.person_id == getattr(actor, "person_id", None)))
    if q.strip():
        query = query.where(Person.name.icontains(q.strip(), autoescape=True))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    enrolments = list(db.session.scalars(
        query.options(contains_eager(PracticumEnrolment.person))
        .order_by(sa.func.lower(Person.name), Person.id)
        .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    prefetch_supervisors(e.person_id for e in enrolments)
    # The predicate stays the authority; the query above only narrows what it is asked about.
    enrolments = [e for e in enrolments if can(actor, "can_view_practicum_ledger", e.person_id)]
    sums = totals_by_person([e.person_id for e in enrolments])
    rows = [TraineeRow(e.person, e, *sums[e.person_id]) for e in enrolments]
    return rows, total


# --- home panel --------------------------------------------------------------------------------
