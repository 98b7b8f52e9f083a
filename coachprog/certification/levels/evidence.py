"""The named evidence queries that level criteria refer to (rubrics/certification/levels.yaml).

Policy: each query answers one measurement for one coach; evidence a domain cannot give yet
(its contract still raises NotImplementedError) is "not available", which never meets a
criterion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa

from coachprog.assessments.models import Assessment, EvidenceItem
from coachprog.audits import services as audit_services
from coachprog.certification import domain
from coachprog.certification.models import Certification, CertificationEvidence
from coachprog.coaching.paperwork import services as paperwork_services
from coachprog.extensions import db
from coachprog.practicum.ledger import services as practicum_services
from coachprog.practicum.supervision import services as supervision_services
from coachprog.rubrics.models import RubricVersion
from coachprog.selection.appointment.domain import missing_paperwork


@dataclass(frozen=True)
class EvidenceContext:
    person_id: int
    today: date
    cycle_start: date | None = None  # recertification: the cycle being reviewed
    # Recertification: the certification under review. Its briefs and peer reviews are the
    # ones recorded for it, so a coach holding two certifications does not share them.
    certification_id: int | None = None


Query = Callable[[EvidenceContext, domain.CriterionSpec], domain.Measurement]
QUERIES: dict[str, Query] = {}
NUMERIC: set[str] = set()

NOT_AVAILABLE = domain.Measurement(None, "Evidence not available yet.")


def evidence(name: str, *, numeric: bool = False) -> Callable[[Query], Query]:
    def register(func: Query) -> Query:
        QUERIES[name] = func
        if numeric:
            NUMERIC.add(name)
        return func
    return register


def measure(ctx: EvidenceContext, spec: domain.CriterionSpec) -> domain.Measurement:
    try:
        return QUERIES[spec.evidence](ctx, spec)
    except NotImplementedError:
        return NOT_AVAILABLE


def _hours(ctx: EvidenceContext, since: date | None = None) -> Any:
    return practicum_services.hours_summary(ctx.person_id, since=since)


@evidence("final_review_passed")
def _final_review(ctx: EvidenceContext, spec: domain.CriterionSpec) -> domain.Measurement:
    result = supervision_services.final_review(ctx.person_id)
    if result is None:
        return domain.Measurement(False, "No final review decided yet.")
    return domain.Measurement(result.passed, f"Decided by {result.decided_by_name}.", result.url)


@evidence("practicum_hour_targets_met")
def _practicum_hours(ctx: EvidenceContext, spec: domain.CriterionSpec) -> domain.Measurement:
    s = _hours(ctx)
    return domain.Measurement(bool(s.coached_target_met and s.lab_target_met),
                              f"{s.coached_hours:g} coached h, {s.lab_hours:g} lab h verified.")


@evidence("capstone_passed")
def _capstone(ctx: EvidenceContext, spec: domain.CriterionSpec) -> domain.Measurement:
    return domain.Measurement(bool(supervision_services.capstone_passed(ctx.person_id)))


@evidence("paperwork_complete")
def _paperwork(ctx: EvidenceContext, spec: domain.CriterionSpec) -> domain.Measurement:
    row = paperwork_services.paperwork_for(ctx.person_id)
    if row is None:
        # Nothing drawn up yet: no link, since the paperwork page exists only once L&D has
        # started the coach's file (it answers 404 before).
        return domain.Measurement(False, "No paperwork drawn up yet: L&D starts it after "
                                         "appointment.")
    missing = missing_paperwork(paperwork_services.to_domain(row))
    return domain.Measurement(not missing, "; ".join(missing),
                              f"/coaching/coaches/{ctx.person_id}/paperwork")


@evidence("coached_hours", numeric=True)
def _coached_hours(ctx: EvidenceContext, spec: domain.CriterionSpec) -> domain.Measurement:
    s = _hours(ctx)
    return domain.Measurement(float(s.coached_hours), f"{s.coached_hours:g} verified hours.")


@evidence("months_certified", numeric=True)
def _months_certified(ctx: EvidenceContext, spec: domain.CriterionSpec) -> domain.Measurement:
    first = db.session.scalar(sa.select(sa.func.min(Certification.issued_on)).where(
        Certification.person_id == ctx.person_id,
        Certification.level == domain.Level.CERTIFIED_INTERNAL_COACH.value,
        Certification.status == domain.CertStatus.ACTIVE.value))
    if first is None:
        return domain.Measurement(0.0, "Not a Certified Internal Coach.")
    months = domain.whole_months_between(first, ctx.today)
    return domain.Measurement(float(months), f"Certified since {first.isoformat()}.")


@evidence("audits_meet_standard")
def _audits(ctx: EvidenceContext, spec: domain.CriterionSpec) -> domain.Measurement:
    last = int(spec.params.get("last", 3))
    outcomes = audit_services.audit_outcomes(ctx.person_id, limit=last)
    return domain.Measurement(
        domain.audits_meet_standard([o.outcome for o in outcomes], last),
        f"{len(outcomes)} of the last {last} audits decided.",
        outcomes[0].url if outcomes else None)


def _has_evidence(ctx: EvidenceContext, kind: str, since: date | None) -> bool:
    query = sa.select(sa.func.count(CertificationEvidence.id)).where(
        CertificationEvidence.person_id == ctx.person_id, CertificationEvidence.kind == kind)
    if since is not None:
        query = query.where(CertificationEvidence.recorded_on >= since)
        if ctx.certification_id is not None:
            query = query.where(CertificationEvidence.certification_id == ctx.certification_id)
    return bool(db.session.scalar(query))


@evidence("outcomes_brief")
def _outcomes_brief(ctx: EvidenceContext, spec: domain.CriterionSpec) -> domain.Measurement:
    return domain.Measurement(_has_evidence(ctx, "outcomes_brief", None))


@evidence("outcomes_brief_in_cycle")
def _outcomes_brief_cycle(ctx: EvidenceContext,
                          spec: domain.CriterionSpec) -> domain.Measurement:
    return domain.Measurement(_has_evidence(ctx, "outcomes_brief", ctx.cycle_start))


@evidence("peer_review_in_cycle")
def _peer_review_cycle(ctx: EvidenceContext, spec: domain.CriterionSpec) -> domain.Measurement:
    return domain.Measurement(_has_evidence(ctx, "peer_review", ctx.cycle_start))


@evidence("scored_sessions_in_cycle", numeric=True)
def _scored_sessions(ctx: EvidenceContext, spec: domain.CriterionSpec) -> domain.Measurement:
    query = (sa.select(sa.func.count(Assessment.id))
             .join(EvidenceItem, Assessment.evidence_item_id == EvidenceItem.id)
             .join(RubricVersion, Assessment.rubric_version_id == RubricVersion.id)
             .where(EvidenceItem.subject_person_id == ctx.person_id,
                    RubricVersion.purpose.in_(("session_review", "audit")),
                    Assessment.kind == "live", Assessment.status == "closed"))
    if ctx.cycle_start is not None:
        query = query.where(Assessment.closed_at >= datetime.combine(
            ctx.cycle_start, time(), tzinfo=UTC))
    return domain.Measurement(float(db.session.scalar(query) or 0))


@evidence("development_hours_in_cycle", numeric=True)
def _development_hours(ctx: EvidenceContext,
                       spec: domain.CriterionSpec) -> domain.Measurement:
    s = _hours(ctx, ctx.cycle_start)
    return domain.Measurement(float(s.development_hours),
                              f"{s.development_hours:g} verified hours in the cycle.")
