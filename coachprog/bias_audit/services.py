"""The quarterly bias audit: grouped counts from SQL, turned into the selection monitor's
reports (`domain.py`), significant gaps opened as review items, and the items' closure.

Every figure is an aggregate computed by the database: one grouped query per section, whatever
the size of the organisation (the statement count of the page is flat). Demographic answers are
read only inside those counts; no row about one person leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.models import User
from coachprog.authority import can, require
from coachprog.bias_audit import domain
from coachprog.bias_audit.models import BiasReviewItem
from coachprog.certification.domain import DecisionStatus
from coachprog.certification.models import CertificationDecision
from coachprog.coaching.models import Engagement
from coachprog.db import get_or_404, opened_closed_open, utc_midnight, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.practicum.supervision.domain import Gate, is_passing
from coachprog.practicum.supervision.models import GateDecision
from coachprog.recordings.models import CoachingSession
from coachprog.selection.models import Candidate, CandidateDemographics, Sprint

MAX_NOTE_CHARS = 4000
GATE_LABELS = {Gate.MIDPOINT.value: "Practicum midpoint gate",
               Gate.FINAL.value: "Practicum final review"}
DEMOGRAPHIC_KEYS = tuple(d.key for d in domain.DEMOGRAPHIC_DIMENSIONS)


class _Dims:
    """The dimension columns for a query about people: the consented answers (`demo`: the
    person's latest candidacy's, or a given candidacy's), department, location and tenure."""

    def __init__(self, last_day: date, demo: Any, person: Any = Person) -> None:
        tenure = sa.case(*((person.hired_on <= day, code)
                           for code, day in domain.tenure_thresholds(last_day)), else_="")
        self.columns = [*(getattr(demo, key).label(key) for key in DEMOGRAPHIC_KEYS),
                        person.department.label("department"),
                        person.location.label("location"), tenure.label("tenure")]


def _latest_answers() -> tuple[Any, Any]:
    """(alias of the answers table, join condition) for a person's latest consented answers."""
    latest = (sa.select(Candidate.person_id.label("person_id"),
                        sa.func.max(CandidateDemographics.id).label("answers_id"))
              .join(CandidateDemographics, CandidateDemographics.candidate_id == Candidate.id)
              .group_by(Candidate.person_id).subquery())
    answers = aliased(CandidateDemographics)
    return latest, answers


def _with_answers(query: Any, person_id: Any) -> tuple[Any, Any]:
    latest, answers = _latest_answers()
    return (query.outerjoin(latest, latest.c.person_id == person_id)
            .outerjoin(answers, answers.id == latest.c.answers_id)), answers


def _grouped(inner: Any, *extra: str,
             measures: Callable[[Any], tuple[Any, ...]] | None = None) -> list[Any]:
    """Group an inner query's rows by the dimensions (and `extra` columns); count by default."""
    sub = inner.subquery()
    keys = [sub.c[key] for key in (*domain.DIMENSION_KEYS, *extra)]
    columns = measures(sub) if measures is not None else (sa.func.count().label("n"),)
    return list(db.session.execute(sa.select(*keys, *columns).group_by(*keys)))


def _groups(row: Any) -> dict[str, str | None]:
    return {key: getattr(row, key) for key in domain.DIMENSION_KEYS}


# --- the sections -------------------------------------------------------------------------------


def _selection(start: date, end: date, last_day: date) -> list[domain.StageCount]:
    """Candidacies of the sprints that started in the quarter, by where they stand; answers
    are the candidacy's own (as the monitor counts them)."""
    dims = _Dims(last_day, CandidateDemographics)
    inner = (sa.select(*dims.columns, Candidate.stage.label("stage"),
                       Candidate.furthest_stage.label("furthest_stage"))
             .join(Person, Person.id == Candidate.person_id)
             .join(Sprint, Sprint.id == Candidate.sprint_id)
             .outerjoin(CandidateDemographics,
                        CandidateDemographics.candidate_id == Candidate.id)
             .where(Sprint.start_date >= start, Sprint.start_date < end))
    return [domain.StageCount(_groups(r), r.stage, r.furthest_stage, r.n)
            for r in _grouped(inner, "stage", "furthest_stage")]


def _offered(start: date, end: date, last_day: date) -> list[domain.Count]:
    """Everyone active: offered coaching = an engagement as coachee begun in the quarter."""
    began = sa.exists().where(Engagement.coachee_person_id == Person.id,
                              Engagement.created_at >= utc_midnight(start),
                              Engagement.created_at < utc_midnight(end))
    query, answers = _with_answers(sa.select(Person.id), Person.id)
    dims = _Dims(last_day, answers)
    inner = query.add_columns(*dims.columns, began.label("passed")).where(
        Person.active.is_(True))
    return [domain.Count(_groups(r), bool(r.passed), r.n) for r in _grouped(inner, "passed")]


def _in_quarter_engagement(start: date, end: date) -> Any:
    return sa.and_(Engagement.created_at < utc_midnight(end),
                   sa.or_(Engagement.ended_at.is_(None),
                          Engagement.ended_at >= utc_midnight(start)))


def _received(start: date, end: date, last_day: date) -> list[domain.Count]:
    """Coachees with an engagement running in the quarter: received = a session in it."""
    coachees = sa.select(Engagement.coachee_person_id).where(_in_quarter_engagement(start, end))
    had = (sa.exists().where(CoachingSession.engagement_id == Engagement.id,
                             Engagement.coachee_person_id == Person.id,
                             CoachingSession.session_date >= start,
                             CoachingSession.session_date < end))
    query, answers = _with_answers(sa.select(Person.id), Person.id)
    dims = _Dims(last_day, answers)
    inner = query.add_columns(*dims.columns, had.label("passed")).where(
        Person.id.in_(coachees))
    return [domain.Count(_groups(r), bool(r.passed), r.n) for r in _grouped(inner, "passed")]


def _volumes(start: date, end: date, last_day: date) -> list[domain.VolumeCount]:
    """Sessions and minutes of the quarter by the coachee's group. The sessions are summed
    per coachee first, so the grouping by dimensions counts people as rows (a COUNT DISTINCT
    over every session made PostgreSQL sort them all)."""
    per_coachee = (
        sa.select(Engagement.coachee_person_id.label("person_id"),
                  sa.func.count(CoachingSession.id).label("sessions"),
                  sa.func.coalesce(sa.func.sum(CoachingSession.duration_minutes), 0)
                  .label("minutes"))
        .join(Engagement, Engagement.id == CoachingSession.engagement_id)
        .where(CoachingSession.session_date >= start, CoachingSession.session_date < end)
        .group_by(Engagement.coachee_person_id).subquery())
    query, answers = _with_answers(
        sa.select(per_coachee.c.sessions, per_coachee.c.minutes)
        .join(Person, Person.id == per_coachee.c.person_id), Person.id)
    dims = _Dims(last_day, answers)
    rows = _grouped(query.add_columns(*dims.columns), measures=lambda sub: (
        sa.func.count().label("people"),
        sa.func.sum(sub.c.sessions).label("sessions"),
        sa.func.sum(sub.c.minutes).label("minutes")))
    return [domain.VolumeCount(_groups(r), int(r.people), int(r.sessions), int(r.minutes))
            for r in rows]


def _gates(start: date, end: date, last_day: date) -> list[domain.TransitionTally]:
    query, answers = _with_answers(
        sa.select(GateDecision.gate.label("gate"), GateDecision.outcome.label("outcome"))
        .join(Person, Person.id == GateDecision.trainee_person_id), Person.id)
    dims = _Dims(last_day, answers)
    inner = query.add_columns(*dims.columns).where(
        GateDecision.decided_at >= utc_midnight(start), GateDecision.decided_at < utc_midnight(end))
    rows = _grouped(inner, "gate", "outcome")
    out = []
    for gate, label in GATE_LABELS.items():
        out.extend(domain.tallies(label, (
            domain.Count(_groups(r), is_passing(Gate(gate), r.outcome), r.n)
            for r in rows if r.gate == gate)))
    return out


def _certification(start: date, end: date, last_day: date) -> list[domain.Count]:
    decided = sa.func.coalesce(CertificationDecision.decided_at, CertificationDecision.created_at)
    query, answers = _with_answers(
        sa.select(CertificationDecision.status.label("status"))
        .join(Person, Person.id == CertificationDecision.person_id), Person.id)
    dims = _Dims(last_day, answers)
    inner = query.add_columns(*dims.columns).where(
        CertificationDecision.status.in_([DecisionStatus.APPROVED.value,
                                          DecisionStatus.WITHDRAWN.value]),
        decided >= utc_midnight(start), decided < utc_midnight(end))
    return [domain.Count(_groups(r), r.status == DecisionStatus.APPROVED.value, r.n)
            for r in _grouped(inner, "status")]


def _raters(start: date, end: date, last_day: date
            ) -> tuple[list[domain.Count], list[domain.SeverityCount]]:
    """Raters' submitted marks on live assessments closed in the quarter, by the group of the
    person assessed: whether the rater passed them, and how far the rater's overall score lay
    from the agreed result."""
    rater_overall = RaterAssignment.result["overall"].as_float()
    agreed_overall = Assessment.result["overall"].as_float()
    query, answers = _with_answers(
        sa.select(RaterAssignment.result["passed"].as_boolean().label("passed"),
                  (rater_overall - agreed_overall).label("deviation"))
        .select_from(RaterAssignment)
        .join(Assessment, Assessment.id == RaterAssignment.assessment_id)
        .join(EvidenceItem, EvidenceItem.id == Assessment.evidence_item_id)
        .join(Person, Person.id == EvidenceItem.subject_person_id), Person.id)
    dims = _Dims(last_day, answers)
    inner = query.add_columns(*dims.columns).where(
        RaterAssignment.role == "rater", RaterAssignment.submitted_at.is_not(None),
        RaterAssignment.result.is_not(None), Assessment.result.is_not(None),
        Assessment.kind == "live", Assessment.status == "closed",
        Assessment.closed_at >= utc_midnight(start), Assessment.closed_at < utc_midnight(end))
    rows = _grouped(inner, "passed", measures=lambda sub: (
        sa.func.count().label("n"),
        sa.func.coalesce(sa.func.sum(sub.c.deviation), 0.0).label("deviation")))
    return ([domain.Count(_groups(r), bool(r.passed), r.n) for r in rows],
            [domain.SeverityCount(_groups(r), r.n, float(r.deviation)) for r in rows])


# --- the audit ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewCounts:
    open: int
    closed: int


@dataclass(frozen=True)
class BiasAudit:
    quarter: str
    start: date
    end: date
    sections: list[domain.Section]
    volumes: dict[str, list[domain.VolumeRow]]
    severity: dict[str, list[domain.SeverityRow]]
    gaps: list[domain.Gap]
    reviews: ReviewCounts
    items: list[BiasReviewItem] = field(default_factory=list)  # L&D only; empty for sponsors


def build_audit(quarter: str) -> tuple[list[domain.Section], dict[str, list[domain.VolumeRow]],
                                       dict[str, list[domain.SeverityRow]]]:
    """The figures of one quarter (no permission check: callers check)."""
    start, end = domain.bounds(quarter)
    last = end - timedelta(days=1)
    rater_counts, severity_counts = _raters(start, end, last)
    coaching = domain.section(
        "coaching", "Who is offered and receives coaching",
        "Offered: of everyone active, who began an engagement as coachee this quarter. "
        "Received: of the coachees with an engagement running this quarter, who had a session.",
        [*domain.tallies("Offered coaching", _offered(start, end, last)),
         *domain.tallies("Received coaching", _received(start, end, last))])
    raters = domain.section(
        "raters", "Rater decisions by the group of the person assessed",
        "Of raters' submitted marks on live assessments closed this quarter, the share that "
        "passed the person assessed.", domain.tallies("Rater passed", rater_counts))
    sections = [
        domain.section("selection", "Nomination and selection",
                       "Candidacies of sprints that began this quarter, decided at each stage.",
                       domain.selection_tallies(_selection(start, end, last))),
        coaching,
        domain.section("practicum", "Practicum gate decisions",
                       "Midpoint and final-review decisions recorded this quarter.",
                       _gates(start, end, last)),
        domain.section("certification", "Certification decisions",
                       "Certification and recertification decisions approved or withdrawn "
                       "this quarter.",
                       domain.tallies("Certified", _certification(start, end, last))),
        raters,
    ]
    volumes = domain.volumes(_volumes(start, end, last), domain.shown_groups(coaching))
    severity = domain.severities(severity_counts, domain.shown_groups(raters))
    return sections, volumes, severity


def _check_quarter(quarter: str) -> str:
    try:
        return domain.check_quarter(quarter)
    except ValueError as error:
        raise DomainError(str(error), field_errors={"quarter": [str(error)]}) from None


def run_audit(actor: Any, quarter: str, *, open_reviews: bool = False) -> BiasAudit:
    """The quarter's audit for L&D and sponsors (aggregates only). With `open_reviews` (L&D),
    each significant gap without a review item gets one. The viewing is audited."""
    require(actor, "can_view_bias_audit")
    quarter = _check_quarter(quarter)
    start, end = domain.bounds(quarter)
    sections, volumes, severity = build_audit(quarter)
    gaps = domain.significant_gaps(sections)
    opened = 0
    if open_reviews:
        require(actor, "can_manage_bias_reviews")
        opened = _open_reviews(actor, quarter, gaps)
    reviews = dict(db.session.execute(
        sa.select(BiasReviewItem.status, sa.func.count(BiasReviewItem.id))
        .where(BiasReviewItem.quarter == quarter)
        .group_by(BiasReviewItem.status)).all())
    items: list[BiasReviewItem] = []
    if can(actor, "can_manage_bias_reviews"):
        items = list(db.session.scalars(
            sa.select(BiasReviewItem).where(BiasReviewItem.quarter == quarter)
            .order_by(BiasReviewItem.id)))
    audit.record("bias_audit.viewed", actor=actor, object_type="bias_audit",
                 object_id=quarter, detail={"reviews_opened": opened})
    return BiasAudit(quarter, start, end, sections, volumes, severity, gaps,
                     ReviewCounts(reviews.get("open", 0), reviews.get("closed", 0)), items)


def _open_reviews(actor: Any, quarter: str, gaps: list[domain.Gap]) -> int:
    known = {(r.section, r.transition, r.attribute, r.group_label) for r in db.session.scalars(
        sa.select(BiasReviewItem).where(BiasReviewItem.quarter == quarter))}
    owner_id = getattr(actor, "id", None)
    opened = 0
    for gap in gaps:
        if gap.key in known:
            continue
        db.session.add(BiasReviewItem(
            quarter=quarter, section=gap.section, transition=gap.transition,
            attribute=gap.attribute, group_label=gap.group, impact_ratio=gap.impact_ratio,
            p_value=gap.p_value, status="open", owner_id=owner_id, opened_at=utcnow()))
        opened += 1
    db.session.flush()
    return opened


def close_review(actor: Any, item_id: int, *, note: str) -> BiasReviewItem:
    """Close a review item with what was found and done (L&D)."""
    require(actor, "can_manage_bias_reviews")
    item = get_or_404(BiasReviewItem, item_id, what="review item")
    problems: dict[str, list[str]] = {}
    if item.status == "closed":
        raise DomainError("This review item is already closed.")
    if not note.strip():
        problems["note"] = ["Say what was looked into and what follows."]
    elif len(note.strip()) > MAX_NOTE_CHARS:
        problems["note"] = [f"At most {MAX_NOTE_CHARS} characters."]
    if problems:
        raise DomainError("The review item was not closed: see the note field.",
                          field_errors=problems)
    item.status, item.closure_note = "closed", note.strip()
    item.closed_at, item.closed_by_id = utcnow(), getattr(actor, "id", None)
    if item.owner_id is None:
        item.owner_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("bias_review.closed", actor=actor, object_type="bias_review_item",
                 object_id=item.id, detail={"quarter": item.quarter})
    return item


def assign_review(actor: Any, item_id: int, *, owner_email: str) -> BiasReviewItem:
    require(actor, "can_manage_bias_reviews")
    item = get_or_404(BiasReviewItem, item_id, what="review item")
    owner = db.session.scalar(sa.select(User).where(User.email == owner_email.strip().lower(),
                                                    User.is_active.is_(True)))
    if owner is None:
        raise DomainError("No active account has that e-mail address.",
                          field_errors={"owner_email": ["No active account has that e-mail."]})
    item.owner_id = owner.id
    db.session.flush()
    audit.record("bias_review.assigned", actor=actor, object_type="bias_review_item",
                 object_id=item.id, detail={"owner_id": owner.id})
    return item


def count_bias_reviews(start_day: date, end_day: date) -> dict[str, int]:
    """Scorecard source: review items opened and closed in [start, end), open at the end."""
    opened, closed, still = db.session.execute(opened_closed_open(
        BiasReviewItem.opened_at, BiasReviewItem.closed_at, start_day, end_day)).one()
    return {"opened": opened, "closed": closed, "open": still}
