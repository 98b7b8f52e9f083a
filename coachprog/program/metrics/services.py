"""Metrics use cases: import tier 2–3 observations, read tier 1 from the app's own data (SQL
aggregates, a fixed number of statements whatever the organisation's size), and load the
pseudonymised KPI series the ROI and the group aggregates are computed from.

People opted out of analytics (issue 24) are left out of every figure here: tier 1 counts filter
on `governance.policy.opted_out_ids` as an SQL subquery; the pseudonymised leaders are matched by
deriving the opted-out people's pseudonyms (one query, however many leaders)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from coachprog.audits.fidelity.models import FidelitySignal
from coachprog.audits.models import Audit, AuditSample
from coachprog.authority import require
from coachprog.certification.models import Certification
from coachprog.coaching.models import CoachPaperwork, Engagement, SupervisorAssignment
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.policy.domain import OptOutKind
from coachprog.policy.services import opted_out_ids
from coachprog.program.metrics import domain
from coachprog.program.metrics.models import ProgramLeader, ProgramObservation
from coachprog.program.roi.domain import Estimate, Leader, Point
from coachprog.recordings.models import CoachingSession

CHUNK = 500


class ImportRejected(DomainError):  # noqa: N818 - reads as what happened
    def __init__(self, parsed: domain.ParsedImport) -> None:
        super().__init__(f"{len(parsed.problems) + parsed.more} problem(s); nothing was "
                         "imported.", field_errors={"file": parsed.problems})
        self.problems = parsed.problems
        self.more = parsed.more


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    leaders_created: int
    created: int
    updated: int


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def import_observations(actor: Any, data: bytes, *, source: str) -> ImportSummary:
    """All rows or none. Leaders are matched by pseudonym; a leader's group attributes come
    from the directory where the employee is known (else from the file); a second value for
    the same leader, measure and date replaces the first."""
    require(actor, "can_import_program_metrics")
    parsed = domain.parse_observations(data)
    if parsed.problems:
        raise ImportRejected(parsed)
    secret = current_app.config["SECRET_KEY"]
    employee_ids = sorted({row.employee_id for row in parsed.rows})
    directory: dict[str, str] = {}
    for chunk in _chunks(employee_ids):
        directory.update(db.session.execute(
            sa.select(Person.employee_id, Person.department)
            .where(Person.employee_id.in_(chunk))).all())
    keys = {employee_id: domain.pseudonym(secret, employee_id) for employee_id in employee_ids}
    leaders: dict[str, ProgramLeader] = {}
    for chunk in _chunks(sorted(keys.values())):
        leaders.update((leader.pseudonym, leader) for leader in db.session.scalars(
            sa.select(ProgramLeader).where(ProgramLeader.pseudonym.in_(chunk))))
    created_leaders = 0
    for row in parsed.rows:
        key = keys[row.employee_id]
        leader = leaders.get(key)
        if leader is None:
            leader = leaders[key] = ProgramLeader(pseudonym=key, group=row.group)
            db.session.add(leader)
            created_leaders += 1
        leader.group = row.group
        leader.department = directory.get(row.employee_id) or row.department or leader.department
        leader.level = row.level or leader.level or ""
        leader.cohort = row.cohort or leader.cohort or ""
    db.session.flush()
    existing: dict[tuple[int, str, date], ProgramObservation] = {}
    leader_ids = sorted(leader.id for leader in leaders.values())
    for chunk in _chunks(leader_ids):
        for obs in db.session.scalars(sa.select(ProgramObservation)
                                      .where(ProgramObservation.leader_id.in_(chunk))):
            existing[(obs.leader_id, obs.metric, obs.observed_on)] = obs
    created = updated = 0
    for row in parsed.rows:
        leader_id = leaders[keys[row.employee_id]].id
        found = existing.get((leader_id, row.metric, row.on))
        if found is None:
            found = existing[(leader_id, row.metric, row.on)] = ProgramObservation(
                leader_id=leader_id, tier=row.tier, metric=row.metric, observed_on=row.on,
                value=row.value, source=source[:200])
            db.session.add(found)
            created += 1
        elif found.value != row.value or found.tier != row.tier:
            found.value, found.tier, found.source = row.value, row.tier, source[:200]
            updated += 1
    db.session.flush()
    audit.record("program.metrics_imported", actor=actor, object_type="program_metrics",
                 detail={"source": source[:200], "rows": len(parsed.rows),
                         "created": created, "updated": updated})
    return ImportSummary(len(parsed.rows), created_leaders, created, updated)


# --- the KPI series --------------------------------------------------------------------------


@dataclass
class Series:
    """Every leader's KPI points and estimates, and the attributes groups are drawn by."""

    coached: list[Leader] = field(default_factory=list)
    comparison: list[Leader] = field(default_factory=list)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)  # pseudonym → group by


def opted_out_pseudonyms() -> list[str]:
    """The leader pseudonyms of people opted out of analytics. Leaders hold no person id, so
    the keys are derived with the import's keyed hash from the opted-out people's employee ids
    (one statement; opt-outs are few next to the leaders)."""
    secret = current_app.config["SECRET_KEY"]
    return sorted(domain.pseudonym(secret, employee_id) for employee_id in db.session.scalars(
        sa.select(Person.employee_id).where(Person.id.in_(opted_out_ids(OptOutKind.ANALYTICS)))))


def load_series(kpi_metric: str) -> Series:
    """One statement for the opted-out, one for the leaders, one for their observations."""
    leaders = db.session.execute(sa.select(
        ProgramLeader.id, ProgramLeader.pseudonym, ProgramLeader.group,
        ProgramLeader.department, ProgramLeader.level, ProgramLeader.cohort)
        .where(ProgramLeader.pseudonym.not_in(opted_out_pseudonyms()))
        .order_by(ProgramLeader.pseudonym)).all()
    points: dict[int, list[Point]] = defaultdict(list)
    estimates: dict[int, dict[str, float]] = defaultdict(dict)
    rows = db.session.execute(
        sa.select(ProgramObservation.leader_id, ProgramObservation.metric,
                  ProgramObservation.observed_on, ProgramObservation.value)
        .where(ProgramObservation.metric.in_([kpi_metric, *domain.ESTIMATE_METRICS]))
        .order_by(ProgramObservation.observed_on)).all()
    for leader_id, metric, on, value in rows:
        if metric == kpi_metric:
            points[leader_id].append(Point(on, value))
        else:
            estimates[leader_id][metric] = value  # the latest estimate counts
    series = Series()
    for leader_id, key, group, department, level, cohort in leaders:
        given = estimates.get(leader_id, {})
        estimate = (Estimate(given["estimate_improvement"],
                             _share(given.get("estimate_contribution", 0.0)),
                             _share(given.get("estimate_confidence", 0.0)))
                    if "estimate_improvement" in given else None)
        leader = Leader(key, tuple(points.get(leader_id, ())), estimate)
        (series.coached if group == "coached" else series.comparison).append(leader)
        series.attributes[key] = {"department": department or "Not recorded",
                                  "level": level or "Not recorded",
                                  "cohort": cohort or "Not recorded"}
    return series


def _share(value: float) -> float:
    """Shares may be imported as 0–1 or as percentages."""
    share = value / 100 if value > 1 else value
    return max(0.0, min(1.0, share))


def pilot_leaders() -> int:
    """Coached leaders the program tracks (imported with KPI or indicator data)."""
    return int(_scalar(sa.select(sa.func.count(ProgramLeader.id))
                       .where(ProgramLeader.group == "coached",
                              ProgramLeader.pseudonym.not_in(opted_out_pseudonyms()))) or 0)


def tier2_means() -> dict[str, dict[str, float | int]]:
    """Tier 2 indicators of coached leaders: mean and how many leaders, per measure."""
    rows = db.session.execute(
        sa.select(ProgramObservation.metric, sa.func.avg(ProgramObservation.value),
                  sa.func.count(sa.distinct(ProgramObservation.leader_id)))
        .join(ProgramLeader)
        .where(ProgramObservation.tier == 2, ProgramLeader.group == "coached",
               ProgramObservation.metric.not_in(domain.ESTIMATE_METRICS),
               ProgramLeader.pseudonym.not_in(opted_out_pseudonyms()))
        .group_by(ProgramObservation.metric).order_by(ProgramObservation.metric)).all()
    return {metric: {"mean": round(float(avg), 2), "leaders": int(n)} for metric, avg, n in rows}


# --- tier 1: the app's own data --------------------------------------------------------------


def _scalar(stmt: Any) -> Any:
    return db.session.scalar(stmt)


def _quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


SessionDays = list[tuple[date, int, int]]


def session_days() -> SessionDays:
    """(day, sessions, minutes) of every engagement that counts (neither its coach nor its
    coachee opted out of analytics): one grouped statement, whose few hundred rows give both
    tier 1's totals and the sessions chart (each read every session on its own before)."""
    out = opted_out_ids(OptOutKind.ANALYTICS)
    rows = db.session.execute(
        sa.select(CoachingSession.session_date, sa.func.count(CoachingSession.id),
                  sa.func.coalesce(sa.func.sum(CoachingSession.duration_minutes), 0))
        .join(Engagement, CoachingSession.engagement_id == Engagement.id)
        .where(Engagement.coachee_person_id.not_in(out), Engagement.coach_person_id.not_in(out))
        .group_by(CoachingSession.session_date)).all()
    return [(day, int(count), int(minutes)) for day, count, minutes in rows]


def tier1(today: date, *, days: SessionDays | None = None) -> dict[str, Any]:
    """Adoption and fidelity: a fixed set of aggregate queries. An engagement counts only
    when neither its coach nor its coachee opted out of analytics (as for fidelity signals).
    `days`: `session_days()` when the caller has read them already."""
    out = opted_out_ids(OptOutKind.ANALYTICS)
    counted = sa.and_(Engagement.coachee_person_id.not_in(out),
                      Engagement.coach_person_id.not_in(out))
    leaders = _scalar(sa.select(sa.func.count(sa.distinct(Engagement.coachee_person_id)))
                      .where(counted))
    engagements = dict(db.session.execute(
        sa.select(Engagement.status, sa.func.count(Engagement.id)).where(counted)
        .group_by(Engagement.status)).all())
    started = sum(engagements.values())
    # Engagements with a session by an index probe each (a COUNT DISTINCT over the sessions
    # made PostgreSQL sort them all).
    with_session = _scalar(sa.select(sa.func.count(Engagement.id)).where(
        counted, sa.exists().where(CoachingSession.engagement_id == Engagement.id)))
    days = session_days() if days is None else days
    sessions, minutes = sum(n for _, n, _ in days), sum(m for _, _, m in days)
    protected = _scalar(sa.select(sa.func.avg(CoachPaperwork.protected_percent))
                        .where(CoachPaperwork.protected_percent.is_not(None),
                               CoachPaperwork.coach_person_id.not_in(out)))
    coaches_supervised, supervisors = db.session.execute(sa.select(
        sa.func.count(sa.distinct(SupervisorAssignment.coach_person_id)),
        sa.func.count(sa.distinct(SupervisorAssignment.supervisor_user_id)))
        .where(SupervisorAssignment.coach_person_id.not_in(out))).one()
    quarter = _quarter(today)
    drawn, audited, passed = db.session.execute(
        sa.select(sa.func.count(Audit.id),
                  sa.func.count(Audit.outcome),
                  sa.func.count(Audit.id).filter(Audit.outcome == "meets_standard"))
        .join(AuditSample).where(AuditSample.superseded_at.is_(None))).one()
    quarter_audited = _scalar(sa.select(sa.func.count(Audit.outcome)).join(AuditSample)
                              .where(AuditSample.superseded_at.is_(None),
                                     Audit.quarter == quarter))
    active_coaches = _scalar(sa.select(sa.func.count(sa.distinct(Engagement.coach_person_id)))
                             .where(Engagement.status == "active", counted))
    question_share = _scalar(sa.select(sa.func.avg(FidelitySignal.question_share)))
    recert_due = _scalar(sa.select(sa.func.count(Certification.id)).where(
        Certification.status == "active", Certification.valid_until <= today + timedelta(90),
        Certification.person_id.not_in(out)))
    return {
        "leaders_coached": int(leaders or 0),
        "leaders_in_pilot": pilot_leaders(),
        "engagements": {"started": started, "with_a_session": int(with_session or 0),
                        "completed": int(engagements.get("ended", 0)),
                        "active": int(engagements.get("active", 0))},
        "sessions": int(sessions or 0),
        "hours": round(float(minutes or 0) / 60, 1),
        "sessions_per_leader": round(sessions / leaders, 1) if leaders else None,
        "protected_time_pct": None if protected is None else round(float(protected), 1),
        "supervision_ratio": (round(coaches_supervised / supervisors, 1) if supervisors
                              else None),
        "audits": {"drawn": int(drawn), "decided": int(audited), "passed": int(passed)},
        "fidelity_pct": round(100 * passed / audited, 1) if audited else None,
        "question_share_pct": (None if question_share is None
                               else round(100 * float(question_share), 1)),
        "audit_coverage_pct": (round(100 * (quarter_audited or 0) / active_coaches, 1)
                               if active_coaches else None),
        "quarter": quarter,
        "recertification_due_90_days": int(recert_due or 0),
    }


def monthly_series(kind: str, since: date, *,
                   days: SessionDays | None = None) -> list[tuple[str, float]]:
    """Sessions per month, or the mean question share of fidelity signals per month, from
    `since` (months as YYYY-MM labels, oldest first). SQL groups by day, which both databases
    do from the date index; the few hundred days are folded into months here (grouping on an
    extracted month was slower on PostgreSQL: it computes the expression for every row).
    `days`: `session_days()` when the caller has read them already."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    if kind == "sessions":
        rows: Any = [(day, count, 1) for day, count, _ in
                     (session_days() if days is None else days) if day >= since]
    else:
        rows = db.session.execute(
            sa.select(FidelitySignal.session_date, sa.func.sum(FidelitySignal.question_share),
                      sa.func.count(FidelitySignal.question_share))
            .where(FidelitySignal.session_date >= since,
                   FidelitySignal.question_share.is_not(None))
            .group_by(FidelitySignal.session_date))
    for day, total, count in rows:
        month = totals[f"{day.year:04d}-{day.month:02d}"]
        month[0] += float(total)
        month[1] += count
    if kind == "sessions":
        return sorted((month, total) for month, (total, _) in totals.items())
    return sorted((month, total / count) for month, (total, count) in totals.items())
