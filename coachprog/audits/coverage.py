"""Audit coverage of a quarter: sampled and audited coaches per supervisor group, overdue
audits and corrective actions, and the 20 % breach. Sponsors see aggregates only: coaches who
opted out of analytics left out, groups under five suppressed with their complement, neutral
group labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from coachprog.audits import domain
from coachprog.audits.models import Audit
from coachprog.audits.sampling import domain as sampling_domain
from coachprog.audits.sampling.services import check_quarter, current_sample
from coachprog.authority import require
from coachprog.coaching.roster.services import active_coach_ids
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.governance.domain import total_reveals_withheld, withheld_labels
from coachprog.policy.domain import OptOutKind
from coachprog.policy.services import opted_out_ids


@dataclass
class GroupCoverage:
    name: str
    sampled: int
    audited: int
    outcomes: dict[str, int] = field(default_factory=dict)
    suppressed: bool = False


@dataclass
class Coverage:
    quarter: str
    population: int
    sampled: int | None  # None: withheld, it would give away a suppressed group
    audited: int | None
    overdue: int | None
    actions_open: int
    actions_overdue: int
    breach: bool
    quarter_over: bool
    groups: list[GroupCoverage]
    has_sample: bool
    totals_withheld: bool = False


MIN_GROUP = 5


def coverage(actor: Any, quarter: str, *, aggregates_only: bool = False) -> Coverage:
    require(actor, "can_view_audit_coverage")
    quarter = check_quarter(quarter)
    sample = current_sample(quarter)
    today = utcnow().date()
    _, end = domain.quarter_bounds(quarter)
    quarter_over = today >= end
    # The actions come with the audits (one query, not one per audit).
    audits = list(db.session.scalars(sa.select(Audit).where(Audit.sample_id == sample.id)
                                     .options(selectinload(Audit.actions))
                                     .order_by(Audit.id))) if sample else []
    population = len(sample.population) if sample else len(active_coach_ids())
    audited = sum(1 for a in audits if a.outcome)
    strata = {int(m["coach_id"]): str(m["stratum"]) for m in sample.population} if sample else {}
    groups: dict[str, GroupCoverage] = {}
    # The aggregate view (sponsors) leaves out coaches who opted out of analytics.
    excluded = set(db.session.scalars(opted_out_ids(OptOutKind.ANALYTICS))) \
        if aggregates_only else set()
    for audit in audits:
        if audit.coach_person_id in excluded:
            continue
        name = sampling_domain.stratum_words(
            strata.get(audit.coach_person_id, sampling_domain.NO_SUPERVISOR))
        group = groups.setdefault(name, GroupCoverage(name, 0, 0))
        group.sampled += 1
        if audit.outcome:
            group.audited += 1
            group.outcomes[audit.outcome] = group.outcomes.get(audit.outcome, 0) + 1
    totals_withheld = False
    if aggregates_only:
        # Groups under 5 sampled coaches, and their complement (governance's one rule), so no
        # withheld figure is the total minus the shown ones; where a lone group cannot be
        # complemented, the totals go too.
        sizes = {name: group.sampled for name, group in groups.items()}
        hidden = withheld_labels(sizes, MIN_GROUP)
        for name in hidden:
            groups[name].suppressed, groups[name].outcomes = True, {}
        totals_withheld = total_reveals_withheld(sizes, hidden, MIN_GROUP)
        # Sponsors see aggregates, not individuals: a group named after its supervisor would
        # show that one person's team outcomes (a judgement of the supervisor), so the groups
        # get neutral labels, largest first (ties by the hidden name, stable across visits).
        # L&D and admins (the detail view) keep the supervisor's name: they act on it.
        ordered = sorted(groups.values(), key=lambda g: (-g.sampled, g.name))
        groups = {}
        for number, group in enumerate(ordered, start=1):
            group.name = f"Supervisor group {number}"
            groups[group.name] = group
    actions = [act for a in audits for act in a.actions]
    overdue = sum(1 for a in audits if not a.outcome) if quarter_over else 0
    return Coverage(
        quarter=quarter, population=population,
        sampled=None if totals_withheld else len(audits) - sum(
            1 for a in audits if a.coach_person_id in excluded),
        audited=None if totals_withheld else audited - sum(
            1 for a in audits if a.outcome and a.coach_person_id in excluded),
        overdue=None if totals_withheld else overdue, totals_withheld=totals_withheld,
        actions_open=sum(1 for a in actions if a.status == "open"),
        actions_overdue=sum(1 for a in actions if domain.action_overdue(a.status, a.due_on,
                                                                         today)),
        breach=domain.coverage_breach(audited=audited, population=population,
                                      quarter_over=quarter_over),
        quarter_over=quarter_over, groups=list(groups.values()) if aggregates_only
        else sorted(groups.values(), key=lambda g: g.name),
        has_sample=sample is not None)
