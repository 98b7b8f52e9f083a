"""Acknowledging the published policy, opting out, and the retention register.

Policy: every signed-in user acknowledges the current versions of the use-case matrix and the
data-use policy before anything else (the gate in `views.policy_gate`); the acknowledgement
is kept with its versions and time and audited. Opt-outs (recording, analytics, the program)
are the person's own, or recorded by an L&D admin on their behalf with a reason; both audited.
Domains honour them through `is_opted_out`, `opted_out_ids` and `opt_out_problems` — this
module sits below them and knows none of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from coachprog.authority import require
from coachprog.db import fetch_page, get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.jobs.models import BatchRun
from coachprog.people.models import Person
from coachprog.policy import domain
from coachprog.policy.files import Policy, current_policy
from coachprog.policy.models import OptOut, PolicyAcknowledgement

MAX_REASON = 500

# --- acknowledgement ----------------------------------------------------------------------------


def policy() -> Policy:
    return current_policy()


def needs_acknowledgement(user: Any) -> bool:
    """Whether this user has not yet acknowledged the current versions (one query)."""
    current = policy().versions
    found = db.session.scalar(sa.select(PolicyAcknowledgement.id).where(
        PolicyAcknowledgement.user_id == user.id,
        PolicyAcknowledgement.use_cases_version == current.use_cases,
        PolicyAcknowledgement.data_use_version == current.data_use).limit(1))
    return domain.needs_acknowledgement(current, [] if found is None else
                                        [(current.use_cases, current.data_use)])


def acknowledge_policy(actor: Any) -> PolicyAcknowledgement:
    """Record that the user read the current versions; a second acknowledgement of the same
    versions changes nothing (and is not audited again)."""
    require(actor, "can_read_policy")
    current = policy().versions
    existing = db.session.scalar(sa.select(PolicyAcknowledgement).where(
        PolicyAcknowledgement.user_id == actor.id,
        PolicyAcknowledgement.use_cases_version == current.use_cases,
        PolicyAcknowledgement.data_use_version == current.data_use))
    if existing is not None:
        return existing
    row = PolicyAcknowledgement(user_id=actor.id, use_cases_version=current.use_cases,
                                data_use_version=current.data_use)
    db.session.add(row)
    db.session.flush()
    audit.record("policy.acknowledged", actor=actor, object_type="user", object_id=actor.id,
                 detail={"use_cases_version": current.use_cases,
                         "data_use_version": current.data_use})
    return row


def latest_acknowledgement(user: Any) -> PolicyAcknowledgement | None:
    return db.session.scalar(sa.select(PolicyAcknowledgement).where(
        PolicyAcknowledgement.user_id == user.id)
        .order_by(PolicyAcknowledgement.acknowledged_at.desc(),
                  PolicyAcknowledgement.id.desc()).limit(1))


# --- opt-outs: what domains ask -----------------------------------------------------------------


def _kinds_that_mean(kind: domain.OptOutKind) -> list[str]:
    """The stored kinds that count as `kind`: itself and, leaving the program, everything."""
    return sorted({kind.value, domain.OptOutKind.PROGRAM.value})


def opted_out_ids(kind: domain.OptOutKind) -> sa.Select[Any]:
    """The people currently opted out of `kind` (leaving the program counts for every kind),
    as a subquery for a domain's `not_in` filter."""
    return sa.select(OptOut.person_id).where(OptOut.kind.in_(_kinds_that_mean(kind)),
                                             OptOut.ended_at.is_(None))


def is_opted_out(person_id: int | None, kind: domain.OptOutKind) -> bool:
    if person_id is None:
        return False
    return db.session.scalar(opted_out_ids(kind).where(OptOut.person_id == person_id)
                             .limit(1)) is not None


def opt_out_problems(people: Iterable[Person], kind: domain.OptOutKind) -> list[str]:
    """A refusal in words for each of these people who opted out of `kind` (one query)."""
    people = [p for p in people if p is not None]
    if not people:
        return []
    out = set(db.session.scalars(opted_out_ids(kind).where(
        OptOut.person_id.in_([p.id for p in people]))))
    return [domain.opt_out_refusal(kind, p.name) for p in people if p.id in out]


def count_opt_outs(*, kind: domain.OptOutKind | str | None = None,
                   on: datetime | None = None) -> domain.OptOutCounts:
    """Current opt-outs by kind (each person once per kind), for the program scorecard: as
    of `on` (default now) — opted out before it and not back in by then. `kind` narrows the
    answer to one kind."""
    on = on or utcnow()
    query = (sa.select(OptOut.kind, sa.func.count(sa.distinct(OptOut.person_id)))
             .where(OptOut.started_at <= on,
                    sa.or_(OptOut.ended_at.is_(None), OptOut.ended_at > on))
             .group_by(OptOut.kind))
    if kind is not None:
        query = query.where(OptOut.kind == domain.parse_opt_out_kind(str(kind)).value)
    found = {str(k): int(n) for k, n in db.session.execute(query)}
    kinds = [domain.parse_opt_out_kind(str(kind))] if kind is not None else list(
        domain.OptOutKind)
    return domain.OptOutCounts({k.value: found.get(k.value, 0) for k in kinds})


# --- opt-outs: the person's page and the admin's ------------------------------------------------


@dataclass(frozen=True)
class OptOutState:
    kind: domain.OptOutKind
    label: str
    effect: str
    row: OptOut | None
    in_effect: bool  # opted out of it, or of the whole program

    @property
    def opted_out(self) -> bool:
        return self.row is not None and self.row.ended_at is None


def opt_outs_of(person_id: int) -> list[OptOutState]:
    rows = {row.kind: row for row in db.session.scalars(
        sa.select(OptOut).where(OptOut.person_id == person_id))}
    effective = domain.implied_kinds(domain.OptOutKind(kind) for kind, row in rows.items()
                                     if row.ended_at is None)
    return [OptOutState(kind, domain.OPT_OUT_LABELS[kind], domain.OPT_OUT_EFFECTS[kind],
                        rows.get(kind.value), kind in effective)
            for kind in domain.OptOutKind]


def my_opt_outs(actor: Any) -> list[OptOutState]:
    require(actor, "can_manage_own_opt_outs")
    return opt_outs_of(actor.person_id)


def set_opt_out(actor: Any, person_id: int, kind: str, *, opted_out: bool,
                reason: str = "") -> OptOut:
    """Opt a person out of `kind` (or back in). The person themself, or an L&D admin on their
    behalf, who must give a reason. Audited; setting what already holds changes nothing."""
    on_behalf = getattr(actor, "person_id", None) != person_id
    require(actor, "can_manage_opt_outs" if on_behalf else "can_manage_own_opt_outs")
    get_or_404(Person, person_id, what="person")
    try:
        chosen = domain.parse_opt_out_kind(kind)
    except ValueError:
        raise DomainError("Choose recording, analytics or the program.",
                          field_errors={"kind": ["Choose what to opt out of."]}) from None
    reason = reason.strip()
    if on_behalf and not reason:
        raise DomainError("Give the reason you record this on the person's behalf.",
                          field_errors={"reason": ["Say why (e.g. asked by e-mail on a date)."]})
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.",
                          field_errors={"reason": [f"At most {MAX_REASON} characters."]})
    row = db.session.scalar(sa.select(OptOut).where(OptOut.person_id == person_id,
                                                    OptOut.kind == chosen.value))
    if row is not None and (row.ended_at is None) == opted_out:
        return row
    now = utcnow()
    if row is None:
        row = OptOut(person_id=person_id, kind=chosen.value, started_at=now)
        db.session.add(row)
    elif opted_out:
        row.started_at, row.ended_at = now, None
    else:
        row.ended_at = now
    row.recorded_by_id = getattr(actor, "id", None)
    row.reason = reason
    db.session.flush()
    audit.record("policy.opted_out" if opted_out else "policy.opted_in", actor=actor,
                 object_type="person", object_id=person_id,
                 detail={"kind": chosen.value, "on_behalf": on_behalf,
                         **({"reason": reason} if reason else {})})
    return row


def find_person(employee_id: str) -> Person | None:
    employee_id = employee_id.strip()
    if not employee_id:
        return None
    return db.session.scalar(sa.select(Person).where(Person.employee_id == employee_id))


def list_opt_outs(actor: Any, *, page: int, per_page: int) -> tuple[Sequence[OptOut], int]:
    """Current opt-outs, newest first, with their people (one page)."""
    require(actor, "can_manage_opt_outs")
    query = sa.select(OptOut).where(OptOut.ended_at.is_(None))
    return fetch_page(query.options(sa.orm.joinedload(OptOut.person))
                      .order_by(OptOut.started_at.desc(), OptOut.id.desc()),
                      page=page, per_page=per_page)


# --- the retention register ---------------------------------------------------------------------

# What each enforcing job is, in words (the ids are BatchRun.batch and the policy's `job`).
JOB_LABELS = {
    "retention-purge": "Retention purge (nightly at 03:30 UTC; `flask retention purge`)",
    "certification-tick": "Certification tick (daily at 04:00 UTC; `flask certification tick`)",
}


@dataclass(frozen=True)
class RegisterRow:
    kind: domain.DataKind
    period: str
    configured: str | None  # the deployment's value where the setting is configurable
    differs: bool  # the deployment's value differs from the published policy
    job: str | None
    last_run: BatchRun | None


def _configured(retention: domain.Retention) -> tuple[str | None, bool]:
    setting = retention.setting or ""
    if not setting.startswith("COACHPROG_") or setting not in current_app.config:
        return None, False
    value = int(current_app.config[setting])
    published = retention.days if retention.days is not None else retention.hours
    unit = "days" if retention.days is not None else "hours"
    return f"{value} {unit} ({setting})", value != published


def retention_register(actor: Any) -> list[RegisterRow]:
    """Each kind of data in the data-use policy with its retention period, the deployment's
    setting, and the job that enforces it with its last run (two queries in all)."""
    require(actor, "can_view_retention_register")
    kinds = policy().data_use.kinds
    jobs = {kind.retention.job for kind in kinds if kind.retention.job}
    latest = (sa.select(sa.func.max(BatchRun.id)).where(BatchRun.batch.in_(sorted(jobs)))
              .group_by(BatchRun.batch))
    runs = {run.batch: run for run in db.session.scalars(
        sa.select(BatchRun).where(BatchRun.id.in_(latest)))}
    rows = []
    for kind in kinds:
        configured, differs = _configured(kind.retention)
        job = kind.retention.job
        rows.append(RegisterRow(kind, kind.retention.period_words(), configured, differs,
                                JOB_LABELS.get(job, job) if job else None,
                                runs.get(job) if job else None))
    return rows
