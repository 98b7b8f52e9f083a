"""Practicum supervision services: the scored reviews, feedback and 1:1 deadlines, the queue,
feedback and 1:1s (the gates are in `gates`, the program overview in `overview`).
Services flush; the caller commits.

Contract used by other domains (keep these names and shapes):
- `final_review(person_id)` — the latest final observed review decision, or None;
- `capstone_passed(person_id)` — whether the coach's latest capstone brief passed.
Certification reads both.

A "scored review" is a closed live assessment whose evidence is about the trainee and whose
rubric is a session-review rubric; its `closed_at` starts the 48 h feedback and 7-day 1:1
deadlines (coachprog.practicum.supervision.domain).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.orm import contains_eager, selectinload

from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.models import User
from coachprog.authority import can, require
from coachprog.coaching.models import Engagement, SupervisorAssignment
from coachprog.coaching.supervisors import supervised_person_ids
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.people.services import user_in_chain_of
from coachprog.practicum.ledger import services as ledger
from coachprog.practicum.ledger.models import PracticumEnrolment
from coachprog.practicum.supervision import domain as rules
from coachprog.practicum.supervision.models import GateDecision, OneOnOne, SessionFeedback
from coachprog.recordings.models import CoachingSession, Recording, Transcript
from coachprog.rubrics.models import RubricVersion

SESSION_REVIEW = "session_review"
CAPSTONE = "capstone"


@dataclass(frozen=True)
class GateResult:
    gate: str  # "midpoint" | "final"
    passed: bool
    decided_at: datetime
    decided_by_name: str
    url: str  # the gate page, for evidence links


# --- reading the assessments -------------------------------------------------------------------


def closed_of_purpose(purpose: str, person_ids: set[int] | None = None) -> sa.Select[Any]:
    query = (sa.select(Assessment)
             .join(EvidenceItem, Assessment.evidence_item_id == EvidenceItem.id)
             .join(RubricVersion, Assessment.rubric_version_id == RubricVersion.id)
             .where(RubricVersion.purpose == purpose, Assessment.kind == "live",
                    Assessment.status == "closed", Assessment.closed_at.is_not(None)))
    if person_ids is not None:
        query = query.where(EvidenceItem.subject_person_id.in_(person_ids))
    return query


def is_passed(assessment: Assessment) -> bool:
    return bool((assessment.result or {}).get("passed"))


def scored_reviews(person_ids: set[int]) -> list[Assessment]:
    if not person_ids:
        return []
    return list(db.session.scalars(
        closed_of_purpose(SESSION_REVIEW, person_ids).order_by(Assessment.closed_at)
        .options(contains_eager(Assessment.evidence), selectinload(Assessment.assignments))))


def trainee_ids_of(actor: Any) -> set[int]:
    """The people this supervisor is assigned over (bar their own reporting line)."""
    return set(db.session.scalars(supervised_person_ids(actor)))


# --- deadlines ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewDeadlines:
    assessment: Assessment
    trainee: Person
    feedback: rules.Deadline
    one_on_one: rules.Deadline
    feedback_row: SessionFeedback | None


def deadlines_for(person_ids: set[int], *, now: datetime | None = None) -> list[ReviewDeadlines]:
    now = now or utcnow()
    reviews = scored_reviews(person_ids)
    if not reviews:
        return []
    ids = [a.id for a in reviews]
    feedback = {f.assessment_id: f for f in db.session.scalars(
        sa.select(SessionFeedback).where(SessionFeedback.assessment_id.in_(ids)))}
    meetings: dict[int, datetime] = {}
    for meeting in db.session.scalars(sa.select(OneOnOne).where(OneOnOne.assessment_id.in_(ids))
                                      .order_by(OneOnOne.recorded_at)):
        if meeting.assessment_id is not None:
            meetings.setdefault(meeting.assessment_id, meeting.recorded_at)
    trainees = {p.id: p for p in db.session.scalars(sa.select(Person).where(
        Person.id.in_({r.evidence.subject_person_id for r in reviews})))}
    out = []
    for review in reviews:
        trainee = trainees.get(review.evidence.subject_person_id or 0)
        if trainee is None or review.closed_at is None:
            continue
        row = feedback.get(review.id)
        out.append(ReviewDeadlines(
            review, trainee,
            rules.deadline("feedback", review.closed_at, now=now,
                           done_at=row.written_at if row else None),
            rules.deadline("one_on_one", review.closed_at, now=now,
                           done_at=meetings.get(review.id)),
            row))
    return out


def overdue_by_trainee(*, now: datetime | None = None, enrolled_too: bool = True,
                       ) -> tuple[dict[int, int], dict[int, int]]:
    """(feedback overdue, 1:1 overdue) per trainee (supervised, and enrolled unless not
    `enrolled_too`), program-wide: three queries of plain columns, however many reviews
    there are (the deadline rule stays `rules.deadline`)."""
    now = now or utcnow()
    whose: sa.ColumnElement[bool] = EvidenceItem.subject_person_id.in_(
        sa.select(SupervisorAssignment.coach_person_id))
    if enrolled_too:
        whose = sa.or_(whose, EvidenceItem.subject_person_id.in_(
            sa.select(PracticumEnrolment.person_id)))
    reviews = db.session.execute(
        closed_of_purpose(SESSION_REVIEW).with_only_columns(
            Assessment.id, EvidenceItem.subject_person_id, Assessment.closed_at)
        .where(whose)).all()
    written = dict(db.session.execute(sa.select(
        SessionFeedback.assessment_id, SessionFeedback.written_at).where(
        SessionFeedback.assessment_id.in_(
            closed_of_purpose(SESSION_REVIEW).with_only_columns(Assessment.id)))).all())
    met = dict(db.session.execute(sa.select(
        OneOnOne.assessment_id, sa.func.min(OneOnOne.recorded_at))
        .where(OneOnOne.assessment_id.is_not(None)).group_by(OneOnOne.assessment_id)).all())
    feedback: dict[int, int] = {}
    meetings: dict[int, int] = {}
    for assessment_id, person_id, closed_at in reviews:
        if person_id is None or closed_at is None:
            continue
        if rules.deadline("feedback", closed_at, now=now, done_at=written.get(
                assessment_id)).state is rules.SlaState.OVERDUE:
            feedback[person_id] = feedback.get(person_id, 0) + 1
        if rules.deadline("one_on_one", closed_at, now=now, done_at=met.get(
                assessment_id)).state is rules.SlaState.OVERDUE:
            meetings[person_id] = meetings.get(person_id, 0) + 1
    return feedback, meetings


def overdue_counts(*, now: datetime | None = None) -> tuple[int, int]:
    """Program-wide (feedback overdue, 1:1 overdue), for program staff."""
    feedback, meetings = overdue_by_trainee(now=now, enrolled_too=False)
    return sum(feedback.values()), sum(meetings.values())


# --- the queue ---------------------------------------------------------------------------------


@dataclass
class Queue:
    entries: list[ledger.VerifyItem] = field(default_factory=list)
    sessions_to_review: list[Any] = field(default_factory=list)  # Recording
    briefs_to_score: list[RaterAssignment] = field(default_factory=list)
    deadlines: list[ReviewDeadlines] = field(default_factory=list)
    trainees: list[Person] = field(default_factory=list)

    @property
    def open_feedback(self) -> list[ReviewDeadlines]:
        return [d for d in self.deadlines if d.feedback.is_open]

    @property
    def open_one_on_ones(self) -> list[ReviewDeadlines]:
        return [d for d in self.deadlines if d.one_on_one.is_open]


def queue(actor: Any, *, now: datetime | None = None) -> Queue:
    require(actor, "can_view_supervision_queue")
    result = Queue(entries=ledger.entries_to_verify(actor))
    trainees = trainee_ids_of(actor)
    result.trainees = list(db.session.scalars(
        sa.select(Person).where(Person.id.in_(trainees)).order_by(Person.name)))
    if trainees:
        assessed = sa.select(EvidenceItem.recording_id).where(
            EvidenceItem.recording_id.is_not(None))
        result.sessions_to_review = list(db.session.scalars(
            sa.select(Recording)
            .join(CoachingSession, Recording.session_id == CoachingSession.id)
            .join(Engagement, CoachingSession.engagement_id == Engagement.id)
            .join(Transcript, Transcript.recording_id == Recording.id)
            .where(Engagement.coach_person_id.in_(trainees),
                   Recording.storage_name.is_not(None),
                   Recording.id.not_in(assessed))
            .order_by(CoachingSession.session_date)))
    result.briefs_to_score = list(db.session.scalars(
        sa.select(RaterAssignment)
        .join(Assessment, RaterAssignment.assessment_id == Assessment.id)
        .join(RubricVersion, Assessment.rubric_version_id == RubricVersion.id)
        .where(RaterAssignment.rater_id == actor.id, RaterAssignment.status != "submitted",
               RubricVersion.purpose == CAPSTONE, Assessment.status == "open")
        .order_by(RaterAssignment.assigned_at)))
    result.deadlines = deadlines_for(trainees, now=now)
    return result


def display_zone() -> str:
    return str(current_app.config.get("COACHPROG_DISPLAY_TIMEZONE", "UTC"))


# --- feedback and 1:1s -------------------------------------------------------------------------


def get_review(actor: Any, assessment_id: int) -> ReviewDeadlines:
    """A scored review with its deadlines, for someone who may read its feedback."""
    assessment = db.session.scalar(
        closed_of_purpose(SESSION_REVIEW).where(Assessment.id == assessment_id))
    if assessment is None or assessment.evidence.subject_person_id is None:
        raise NotFound()
    person_id = assessment.evidence.subject_person_id
    require(actor, "can_view_session_feedback", person_id)
    found = [d for d in deadlines_for({person_id}) if d.assessment.id == assessment_id]
    if not found:
        raise NotFound()
    return found[0]


def write_feedback(actor: Any, assessment_id: int, body: str) -> SessionFeedback:
    review = get_review(actor, assessment_id)
    require(actor, "can_write_session_feedback", review.trainee.id)
    body = (body or "").strip()
    if len(body) < 10:
        raise DomainError("Write at least a couple of sentences of feedback.",
                          field_errors={"body": ["At least 10 characters."]})
    if len(body) > 20000:
        raise DomainError("The feedback is too long.",
                          field_errors={"body": ["At most 20,000 characters."]})
    row = review.feedback_row
    if row is None:
        row = SessionFeedback(assessment_id=assessment_id, trainee_person_id=review.trainee.id,
                              author_id=actor.id, body=body, written_at=utcnow())
        db.session.add(row)
    else:  # an edit keeps the first delivery time: the deadline was met (or not) then
        row.body = body
        row.author_id = actor.id
    db.session.flush()
    audit.record("supervision.feedback_written", actor=actor, object_type="assessment",
                 object_id=assessment_id, detail={"trainee_person_id": review.trainee.id})
    return row


def record_one_on_one(actor: Any, trainee_person_id: int, *, held_on: date | None,
                      notes: str, assessment_id: int | None = None) -> OneOnOne:
    require(actor, "can_record_one_on_one", trainee_person_id)
    errors: dict[str, list[str]] = {}
    today = utcnow().date()
    if held_on is None:
        errors["held_on"] = ["Give the date of the 1:1."]
    elif held_on > today:
        errors["held_on"] = ["A 1:1 is recorded once it has taken place: the date is in the "
                             "future."]
    if len(notes or "") > 20000:
        errors["notes"] = ["At most 20,000 characters."]
    if assessment_id is not None:
        review = db.session.scalar(
            closed_of_purpose(SESSION_REVIEW, {trainee_person_id})
            .where(Assessment.id == assessment_id))
        if review is None:
            errors["assessment_id"] = ["That review is not one of this trainee's."]
    if errors or held_on is None:
        raise DomainError("The 1:1 was not recorded.", field_errors=errors)
    row = OneOnOne(trainee_person_id=trainee_person_id, supervisor_user_id=actor.id,
                   assessment_id=assessment_id, held_on=held_on, notes=(notes or "").strip(),
                   recorded_at=utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record("supervision.one_on_one_recorded", actor=actor, object_type="person",
                 object_id=trainee_person_id, detail={"held_on": held_on.isoformat()})
    return row


def one_on_ones(actor: Any, trainee_person_id: int) -> list[OneOnOne]:
    """The pair's 1:1s that this actor may read (only the pair's own). Set-based twin of
    `can_view_one_on_one`: one chain check for the list, not one per row."""
    if not can(actor, "can_view_own_supervision") and not can(
            actor, "can_view_session_feedback", trainee_person_id):
        return []
    query = sa.select(OneOnOne).where(OneOnOne.trainee_person_id == trainee_person_id)
    if getattr(actor, "person_id", None) != trainee_person_id:
        if user_in_chain_of(actor, trainee_person_id):
            return []
        query = query.where(OneOnOne.supervisor_user_id == getattr(actor, "id", None))
    return list(db.session.scalars(query.order_by(OneOnOne.held_on.desc())))


@dataclass(frozen=True)
class OwnSupervision:
    reviews: list[ReviewDeadlines]
    meetings: list[OneOnOne]


def own_supervision(actor: Any) -> OwnSupervision:
    require(actor, "can_view_own_supervision")
    person_id = actor.person_id
    return OwnSupervision(deadlines_for({person_id}), one_on_ones(actor, person_id))



# --- the contract ------------------------------------------------------------------------------


def final_review(person_id: int) -> GateResult | None:
    row = db.session.scalar(sa.select(GateDecision).where(
        GateDecision.trainee_person_id == person_id, GateDecision.gate == rules.Gate.FINAL.value)
        .order_by(GateDecision.decided_at.desc(), GateDecision.id.desc()).limit(1))
    if row is None:
        return None
    decider = db.session.get(User, row.decided_by_id) if row.decided_by_id else None
    return GateResult(gate=row.gate, passed=rules.is_passing(rules.Gate.FINAL, row.outcome),
                      decided_at=row.decided_at,
                      decided_by_name=decider.display_name if decider else "(removed account)",
                      url=url_for("supervision.gate", person_id=person_id, gate="final"))


def latest_capstone(person_id: int) -> Assessment | None:
    return db.session.scalar(closed_of_purpose(CAPSTONE, {person_id})
                             .order_by(Assessment.closed_at.desc(), Assessment.id.desc())
                             .limit(1))


def capstone_passed(person_id: int) -> bool:
    latest = latest_capstone(person_id)
    return latest is not None and is_passed(latest)
