"""The program overview for program staff: a page of the enrolled trainees with their week,
verified hours, gate checklists and overdue items, and every supervisor's load (counts only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from coachprog.auth.models import User
from coachprog.authority import require
from coachprog.coaching.models import SupervisorAssignment
from coachprog.coaching.supervisors import prefetch_supervisors
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.people.services import not_managed_by
from coachprog.practicum.ledger import domain as ledger_rules
from coachprog.practicum.ledger import services as ledger
from coachprog.practicum.ledger.models import LedgerEntry, PracticumEnrolment
from coachprog.practicum.supervision import domain as rules
from coachprog.practicum.supervision.gates import gate_facts_many
from coachprog.practicum.supervision.models import GateDecision
from coachprog.practicum.supervision.services import overdue_by_trainee


@dataclass(frozen=True)
class GateSummary:
    gate: rules.Gate
    met: int
    total: int
    decision: GateDecision | None  # the latest, if any


@dataclass(frozen=True)
class ProgramRow:
    trainee: Person
    enrolment: PracticumEnrolment
    window: ledger_rules.Window
    targets: ledger_rules.Targets
    hours: ledger.HoursSummary
    supervisors: list[User]
    gates: list[GateSummary]
    feedback_overdue: int
    one_on_ones_overdue: int
    entries_waiting: int


@dataclass(frozen=True)
class SupervisorLoad:
    supervisor: User
    trainees: int
    feedback_overdue: int
    one_on_ones_overdue: int
    entries_waiting: int


@dataclass(frozen=True)
class ProgramOverview:
    rows: list[ProgramRow]  # one page of the trainees
    supervisors: list[SupervisorLoad]
    feedback_overdue: int
    one_on_ones_overdue: int
    trainees: int = 0  # every enrolled trainee matching the search, over all pages


def program_overview(actor: Any, *, now: datetime | None = None, page: int = 1,
                     per_page: int = 50, q: str = "") -> ProgramOverview:
    """Program staff's view: one page of the enrolled trainees by name (week, verified hours
    against the targets, gate checklists and decisions, overdue items; those whose name
    contains `q`), every supervisor's overdue items, and the program's totals. An item of a
    trainee with two supervisors counts for each of them; the totals count it once.
    Counts only: no feedback text, no 1:1 notes. A fixed number of queries, whatever the
    size of the program: sums and counts in SQL, the page's gate facts batched."""

    require(actor, "can_view_practicum_program")
    now = now or utcnow()
    # The chain bar: the actor's own reporting line is left out of the overview.
    own = getattr(actor, "person_id", None)
    supervisors_of: dict[int, set[int]] = {}
    for coach, supervisor in db.session.execute(sa.select(
            SupervisorAssignment.coach_person_id, SupervisorAssignment.supervisor_user_id).where(
            not_managed_by(SupervisorAssignment.coach_person_id, own))):
        supervisors_of.setdefault(coach, set()).add(supervisor)
    query = (sa.select(PracticumEnrolment).join(Person, PracticumEnrolment.person_id == Person.id)
             .where(not_managed_by(PracticumEnrolment.person_id, own)))
    if q.strip():
        query = query.where(Person.name.icontains(q.strip(), autoescape=True))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    enrolments = list(db.session.scalars(
        query.options(contains_eager(PracticumEnrolment.person),
                      selectinload(PracticumEnrolment.program))
        .order_by(Person.name, Person.id).limit(per_page).offset((max(page, 1) - 1) * per_page)))
    late_feedback, late_meetings = overdue_by_trainee(now=now)
    waiting: dict[int, int] = dict(db.session.execute(
        sa.select(LedgerEntry.person_id, sa.func.count())
        .where(LedgerEntry.status == ledger_rules.PENDING).group_by(LedgerEntry.person_id)).all())
    page_ids = [e.person_id for e in enrolments]
    latest: dict[tuple[int, str], GateDecision] = {}
    for decision in db.session.scalars(
            sa.select(GateDecision).where(GateDecision.trainee_person_id.in_(page_ids))
            .options(selectinload(GateDecision.decided_by))
            .order_by(GateDecision.decided_at, GateDecision.id)):
        latest[(decision.trainee_person_id, decision.gate)] = decision
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(
        User.id.in_({uid for ids in supervisors_of.values() for uid in ids})))}
    sums = ledger.totals_by_person(page_ids)
    facts_of = gate_facts_many(enrolments, supervisors_of, sums)
    prefetch_supervisors(page_ids)  # the template's ledger links ask per row
    rows = []
    today = now.date()
    for enrolment in enrolments:
        pid = enrolment.person_id
        targets = enrolment.program.targets
        gates = []
        for gate in rules.Gate:
            met, total_items = rules.met_count(rules.checklist(gate, facts_of[pid]))
            gates.append(GateSummary(gate, met, total_items, latest.get((pid, gate.value))))
        rows.append(ProgramRow(
            enrolment.person, enrolment, ledger_rules.window(enrolment.start_date, today,
                                                             targets),
            targets, ledger.summary_of(sums[pid][0], targets),
            sorted((users[u] for u in supervisors_of.get(pid, set()) if u in users),
                   key=lambda u: u.display_name.lower()),
            gates, late_feedback.get(pid, 0), late_meetings.get(pid, 0), waiting.get(pid, 0)))
    coaches_of: dict[int, list[int]] = {}  # supervisor -> trainees, built in one pass
    for pid, ids in supervisors_of.items():
        for uid in ids:
            coaches_of.setdefault(uid, []).append(pid)
    loads = []
    for uid, user in users.items():
        mine = coaches_of.get(uid, [])
        loads.append(SupervisorLoad(
            user, len(mine), sum(late_feedback.get(p, 0) for p in mine),
            sum(late_meetings.get(p, 0) for p in mine), sum(waiting.get(p, 0) for p in mine)))
    loads.sort(key=lambda load: (-(load.feedback_overdue + load.one_on_ones_overdue),
                                 load.supervisor.display_name.lower()))
    return ProgramOverview(rows, loads, sum(late_feedback.values()),
                           sum(late_meetings.values()), total)

