"""Quarterly sampling services: the population and its priority weights, the recorded draw,
its verification, and the samples. Services flush; the caller commits."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from coachprog.audits import domain as audit_domain
from coachprog.audits.fidelity import services as fidelity_services
from coachprog.audits.models import Audit, AuditSample
from coachprog.audits.sampling import domain
from coachprog.audits.sampling.assignment import assign_drawn
from coachprog.audits.structure.services import supervisors_by_coach
from coachprog.auth.models import User
from coachprog.authority import require
from coachprog.coaching.models import Engagement
from coachprog.coaching.roster import services as roster
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.recordings.models import CoachingSession, Recording, SensitiveFlag


def default_percent() -> float:
    return float(current_app.config.get("AUDIT_SAMPLE_PERCENT", audit_domain.MIN_PERCENT))


def current_quarter() -> str:
    return audit_domain.quarter_of(utcnow().date())


def stratum_of(person_id: int, sup_of: dict[int, list[User]]) -> str:
    sups = sup_of.get(person_id) or []
    if not sups:
        return domain.NO_SUPERVISOR
    first = min(sups, key=lambda u: u.id)
    return domain.supervisor_stratum(first.display_name)


def _drifting() -> set[int]:
    return set(fidelity_services.drifting_coach_ids())


def escalated_coach_ids() -> set[int]:
    return set(db.session.scalars(
        sa.select(Engagement.coach_person_id).join(
            CoachingSession, CoachingSession.engagement_id == Engagement.id).join(
            Recording, Recording.session_id == CoachingSession.id).join(
            SensitiveFlag, SensitiveFlag.recording_id == Recording.id).where(
            SensitiveFlag.status == "open").distinct()))


def _audited_in(quarters: list[str]) -> set[int]:
    return set(db.session.scalars(sa.select(Audit.coach_person_id).join(AuditSample).where(
        Audit.quarter.in_(quarters), AuditSample.superseded_at.is_(None),
        Audit.outcome.is_not(None))))


def population_for(quarter: str) -> list[domain.PopulationMember]:
    coaches = sorted(roster.active_coach_ids())
    sup_of = supervisors_by_coach()
    recent = _audited_in(audit_domain.previous_quarters(quarter, 2))
    drifting, escalated = _drifting(), escalated_coach_ids()
    return [domain.PopulationMember(
        coach_id=c, stratum=stratum_of(c, sup_of),
        weight=domain.weight_for(recently_audited=c in recent, drifting=c in drifting,
                                 escalated=c in escalated)) for c in coaches]


def current_sample(quarter: str) -> AuditSample | None:
    return db.session.scalar(sa.select(AuditSample).where(
        AuditSample.quarter == quarter, AuditSample.superseded_at.is_(None)))


def check_quarter(quarter: str) -> str:
    try:
        year, q = audit_domain.parse_quarter(quarter)
    except ValueError as error:
        raise DomainError(str(error), field_errors={"quarter": [str(error)]}) from None
    return f"{year}Q{q}"


def draw(actor: Any, quarter: str, *, seed: int | None = None, percent: float | None = None,
         override_reason: str = "", redraw_reason: str = "") -> AuditSample:
    """Draw the quarter's sample and assign auditors. A quarter that already has a sample
    needs `redraw_reason`; the old record is kept, marked superseded."""
    require(actor, "can_manage_audits")
    quarter = check_quarter(quarter)
    percent = default_percent() if percent is None else percent
    problem = domain.percent_problem(percent, override_reason)
    if problem:
        raise DomainError(problem, field_errors={"percent": [problem]})
    if seed is not None and not 0 <= seed < 2 ** 62:
        raise DomainError("The seed must be a whole number from 0.",
                          field_errors={"seed": ["The seed must be a whole number from 0."]})
    existing = current_sample(quarter)
    if existing is not None:
        if not redraw_reason.strip():
            message = (f"{quarter} already has a sample (drawn {existing.drawn_at:%Y-%m-%d}); "
                       "a redraw needs a reason.")
            raise DomainError(message, field_errors={"redraw_reason": [message]})
        if any(a.outcome for a in existing.audits):
            message = "Audits of this sample are already decided; it can no longer be redrawn."
            raise DomainError(message, field_errors={"redraw_reason": [message]})
        existing.superseded_at = utcnow()
        existing.superseded_reason = redraw_reason.strip()[:500]
        db.session.flush()
    population = population_for(quarter)
    if not population:
        raise DomainError("There is no active coach to sample.")
    seed = random.SystemRandom().randrange(2 ** 31) if seed is None else seed
    result = domain.draw_sample(population, percent=percent, seed=seed)
    sample = AuditSample(
        quarter=quarter, seed=seed, method_version=domain.METHOD_VERSION, percent=percent,
        override_reason=override_reason.strip()[:500],
        population=[{"coach_id": m.coach_id, "stratum": m.stratum, "weight": m.weight}
                    for m in population],
        drawn=list(result.drawn), drawn_by_id=getattr(actor, "id", None))
    db.session.add(sample)
    db.session.flush()
    assign_drawn(sample)
    return sample


def _population_of(sample: AuditSample) -> list[domain.PopulationMember]:
    return [domain.PopulationMember(int(m["coach_id"]), str(m["stratum"]), float(m["weight"]))
            for m in sample.population]


@dataclass(frozen=True)
class Verification:
    matches: bool
    recomputed: tuple[int, ...]
    stored: tuple[int, ...]
    method_known: bool


def verify(actor: Any, sample_id: int) -> Verification:
    sample = get_sample(actor, sample_id)
    stored = tuple(sorted(sample.drawn))
    if sample.method_version != domain.METHOD_VERSION:
        return Verification(False, (), stored, False)
    result = domain.draw_sample(_population_of(sample), percent=sample.percent,
                                seed=sample.seed)
    return Verification(result.drawn == stored, result.drawn, stored, True)


def get_sample(actor: Any, sample_id: int) -> AuditSample:
    require(actor, "can_manage_audits")
    # Audits with their coach, auditor and actions: the page and the API list every one.
    audits = selectinload(AuditSample.audits)
    sample = db.session.scalar(sa.select(AuditSample).where(AuditSample.id == sample_id).options(
        audits.joinedload(Audit.coach), audits.joinedload(Audit.auditor),
        audits.selectinload(Audit.actions)))
    if sample is None:
        raise NotFound("audit sample")
    return sample


def list_samples(actor: Any) -> list[AuditSample]:
    require(actor, "can_manage_audits")
    return list(db.session.scalars(sa.select(AuditSample).order_by(
        AuditSample.quarter.desc(), AuditSample.id.desc())))


