"""Practicum supervision services: queue, feedback deadlines, 1:1s, gates.
Services flush; the caller commits.

Contract used by other domains (keep these names and shapes):
- `final_review(person_id)` — the latest final observed review decision, or None;
- `capstone_passed(person_id)` — whether the coach's latest capstone brief passed.
Certification reads both.

A "scored review" is a closed live assessment whose evidence is about the trainee and whose
rubric is a session-review rubric; its `closed_at` starts the 48 h feedback and 7-day 1:1
deadlines (coachprog.practicum.supervision_domain).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.orm import contains_eager, selectinload

from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import can, require
from coachprog.coaching.models import SupervisorAssignment
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.practicum import domain as ledger_rules
from coachprog.practicum import services as ledger
from coachprog.practicum import supervision_domain as rules
from coachprog.practicum.models import LedgerEntry, PracticumEnrolment
from coachprog.practicum.supervision_models import GateDecision, OneOnOne, SessionFeedback
from coachprog.roles import Role
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


def _closed_of_purpose(purpose: str, person_ids: set[int] | None = None) -> sa.Select[Any]:
    query = (sa.select(Assessment)
             .join(EvidenceItem, Assessment.evidence_item_id == EvidenceItem.id)
             .join(RubricVersion, Assessment.rubric_version_id == RubricVersion.id)
             .where(RubricVersion.purpose == purpose, Assessment.kind == "live",
                    Assessment.status == "closed", Assessment.closed_at.is_not(None)))
    if person_ids is not None:
        query = query.where(EvidenceItem.subject_person_id.in_(person_ids))
    return query


def _passed(assessment: Assessment) -> bool:
    return bool((assessment.result or {}).get("passed"))


def scored_reviews(person_ids: set[int]) -> list[Assessment]:
    if not person_ids:
        return []
    return list(db.session.scalars(
        _closed_of_purpose(SESSION_REVIEW, person_ids).order_by(Assessment.closed_at)
        .options(contains_eager(Assessment.evidence), selectinload(Assessment.assignments))))


def trainee_ids_of(actor: Any) -> set[int]:
    """The people this supervisor is assigned over (bar their own reporting line)."""
    from coachprog.recordings.permissions import supervised_person_ids

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
        _closed_of_purpose(SESSION_REVIEW).with_only_columns(
            Assessment.id, EvidenceItem.subject_person_id, Assessment.closed_at)
        .where(whose)).all()
    written = dict(db.session.execute(sa.select(
        SessionFeedback.assessment_id, SessionFeedback.written_at).where(
        SessionFeedback.assessment_id.in_(
            _closed_of_purpose(SESSION_REVIEW).with_only_columns(Assessment.id)))).all())
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
    from coachprog.recordings.models import CoachingSession, Recording, Transcript

    require(actor, "can_view_supervision_queue")
    result = Queue(entries=ledger.entries_to_verify(actor))
    trainees = trainee_ids_of(actor)
    result.trainees = list(db.session.scalars(
        sa.select(Person).where(Person.id.in_(trainees)).order_by(Person.name)))
    if trainees:
        from coachprog.coaching.models import Engagement

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
        _closed_of_purpose(SESSION_REVIEW).where(Assessment.id == assessment_id))
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
            _closed_of_purpose(SESSION_REVIEW, {trainee_person_id})
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
    from coachprog.people.services import user_in_chain_of

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


def get_person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound()
    return person


# --- gates -------------------------------------------------------------------------------------


def _h(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class HourFacts:
    """The hours side of both gates, from the ledger (verified entries only)."""

    on_track: bool
    targets_met: bool
    on_track_detail: str
    met_detail: str


def _hours(person_id: int) -> HourFacts:
    """Verified hours against the trainee's program targets (the defaults when not enrolled):
    on track at midpoint = half of each minimum; met at the final review = each minimum.
    Pending and queried entries are named but never counted."""
    summary = ledger.hours_summary(person_id)
    enrolment = ledger.get_enrolment(person_id)
    targets = enrolment.program.targets if enrolment else ledger_rules.DEFAULT_TARGETS
    pending = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.minutes), 0))
                                .where(LedgerEntry.person_id == person_id,
                                       LedgerEntry.status != ledger_rules.VERIFIED)) or 0
    return _hour_facts(summary, targets, pending, enrolled=enrolment is not None)


def _hour_facts(summary: ledger.HoursSummary, targets: ledger_rules.Targets, pending: int, *,
                enrolled: bool) -> HourFacts:
    totals = ledger_rules.Totals(
        coached_hours=summary.coached_hours, lab_hours=summary.lab_hours,
        development_hours=summary.development_hours, pending_hours=0.0,
        unique_coachees=summary.unique_coachees)

    def detail(fraction: float) -> str:
        text = (f"verified: {_h(summary.coached_hours)} of "
                f"{_h(targets.coached_min * fraction)} coached h, {_h(summary.lab_hours)} of "
                f"{_h(targets.lab_min * fraction)} lab/peer-debrief h")
        missing = ledger_rules.missing(totals, targets, fraction=fraction)
        if missing:
            text += "; still missing " + " and ".join(missing)
        if pending:
            text += f"; {_h(pending / 60)} h logged but not verified (not counted)"
        if not enrolled:
            text += "; not enrolled in a practicum (default targets)"
        return text

    on_track = rules.hours_on_track(summary.coached_hours, summary.lab_hours,
                                    coached_target=targets.coached_min,
                                    lab_target=targets.lab_min)
    return HourFacts(on_track, summary.coached_target_met and summary.lab_target_met,
                     detail(ledger_rules.MIDPOINT_FRACTION), detail(1.0))


def _direct_supervisors(person_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(SupervisorAssignment.supervisor_user_id).where(
        SupervisorAssignment.coach_person_id == person_id)))


def _names(user_ids: set[int]) -> str:
    names = sorted(db.session.scalars(sa.select(User.display_name).where(
        User.id.in_(user_ids))))
    return ", ".join(names) or "(removed account)"


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return rules.local_time(value, display_zone()).strftime("%Y-%m-%d %H:%M %Z")


def _scorers(review: Assessment) -> set[int]:
    return {a.rater_id for a in review.assignments if a.status == "submitted"
            and a.role in ("rater", "moderator")}


def independent_review(person_id: int) -> Assessment | None:
    """The latest passed session review of this trainee with a submitted mark sheet by a master
    coach who is not their direct supervisor."""
    return _independent(scored_reviews({person_id}), _independent_masters(person_id), _names)[0]


def _masters() -> set[int]:
    return set(db.session.scalars(sa.select(RoleGrant.user_id).where(
        RoleGrant.role == Role.MASTER_COACH.value)))


def _independent_masters(person_id: int) -> set[int]:
    return _masters() - _direct_supervisors(person_id)


def _independent(reviews: list[Assessment], independent: set[int],
                 names: Callable[[set[int]], str]) -> tuple[Assessment | None, str]:
    passed = [r for r in reversed(reviews) if _passed(r)]
    for review in passed:
        scorers = _scorers(review) & independent
        if scorers:
            return review, (f"passed, scored by {names(scorers)} on "
                            f"{_when(review.closed_at)}")
    if passed:
        return None, ("the passed session reviews so far were not scored by an independent "
                      "master coach")
    if reviews:
        return None, "no session review has passed yet"
    return None, "no session review has been scored yet"


def gate_facts(person_id: int) -> rules.GateFacts:
    return _gate_facts(_hours(person_id), scored_reviews({person_id}),
                       _independent_masters(person_id), _latest_capstone(person_id), _names)


def _gate_facts(hours: HourFacts, reviews: list[Assessment], independent: set[int],
                brief: Assessment | None, names: Callable[[set[int]], str]) -> rules.GateFacts:
    review, review_detail = _independent(reviews, independent, names)
    latest = reviews[-1] if reviews else None
    session_detail = (f"{len(reviews)} scored; latest {_when(latest.closed_at)} "
                      f"({'passed' if _passed(latest) else 'not passed'})" if latest
                      else "no session review has been scored yet")
    capstone_detail = (f"latest brief scored {_when(brief.closed_at)}: "
                       f"{'passed' if _passed(brief) else 'not passed'}" if brief
                       else "no brief has been scored yet")
    return rules.GateFacts(
        session_scored=latest is not None,
        hours_on_track=hours.on_track, hours_targets_met=hours.targets_met,
        independent_review_passed=review is not None,
        capstone_passed=brief is not None and _passed(brief), hours_detail=hours.met_detail,
        hours_on_track_detail=hours.on_track_detail, session_detail=session_detail,
        review_detail=review_detail, capstone_detail=capstone_detail)


def _gate_facts_many(enrolments: list[PracticumEnrolment],
                     supervisors_of: dict[int, set[int]]) -> dict[int, rules.GateFacts]:
    """`gate_facts` of a page of enrolled trainees in a fixed number of queries."""
    ids = [e.person_id for e in enrolments]
    sums = ledger.totals_by_person(ids)
    reviews: dict[int, list[Assessment]] = {i: [] for i in ids}
    for review in scored_reviews(set(ids)):
        reviews[review.evidence.subject_person_id or 0].append(review)
    briefs: dict[int, Assessment] = {}
    for brief in db.session.scalars(_closed_of_purpose(CAPSTONE, set(ids)).options(
            contains_eager(Assessment.evidence)).order_by(Assessment.closed_at, Assessment.id)):
        briefs[brief.evidence.subject_person_id or 0] = brief  # the latest wins
    scorer_ids = {a.rater_id for rows in reviews.values() for r in rows for a in r.assignments}
    display = dict(db.session.execute(sa.select(User.id, User.display_name).where(
        User.id.in_(scorer_ids))).all()) if scorer_ids else {}

    def names(user_ids: set[int]) -> str:
        return ", ".join(sorted(display[u] for u in user_ids if u in display)) or \
            "(removed account)"

    masters = _masters()
    out = {}
    for enrolment in enrolments:
        pid = enrolment.person_id
        totals, _ = sums[pid]
        targets = enrolment.program.targets
        hours = _hour_facts(ledger.summary_of(totals, targets), targets,
                            round(totals.pending_hours * 60), enrolled=True)
        out[pid] = _gate_facts(hours, reviews[pid], masters - supervisors_of.get(pid, set()),
                               briefs.get(pid), names)
    return out


@dataclass(frozen=True)
class GatePage:
    trainee: Person
    gate: rules.Gate
    items: list[rules.CheckItem]
    decisions: list[GateDecision]

    @property
    def latest(self) -> GateDecision | None:
        return self.decisions[0] if self.decisions else None


def _gate(name: str) -> rules.Gate:
    try:
        return rules.Gate(name)
    except ValueError:
        raise NotFound() from None


def gate_page(actor: Any, person_id: int, gate_name: str) -> GatePage:
    gate = _gate(gate_name)
    trainee = get_person(person_id)
    require(actor, "can_view_practicum_gate", person_id)
    decisions = list(db.session.scalars(sa.select(GateDecision).where(
        GateDecision.trainee_person_id == person_id, GateDecision.gate == gate.value)
        .order_by(GateDecision.decided_at.desc(), GateDecision.id.desc())))
    return GatePage(trainee, gate, rules.checklist(gate, gate_facts(person_id)), decisions)


def decide_gate(actor: Any, person_id: int, gate_name: str, *, outcome: str,
                note: str) -> GateDecision:
    page = gate_page(actor, person_id, gate_name)
    require(actor, "can_decide_practicum_gate", person_id)
    problems = rules.decision_problems(page.gate, outcome, page.items)
    if problems:
        raise DomainError("The decision was not recorded: " + " ".join(problems),
                          field_errors={"outcome": problems})
    row = GateDecision(trainee_person_id=person_id, gate=page.gate.value, outcome=outcome,
                       note=(note or "").strip(), decided_by_id=actor.id, decided_at=utcnow(),
                       checklist=[{"key": i.key, "label": i.label, "met": i.met}
                                  for i in page.items])
    db.session.add(row)
    db.session.flush()
    audit.record("practicum.gate_decided", actor=actor, object_type="person",
                 object_id=person_id, detail={"gate": page.gate.value, "outcome": outcome})
    return row


# --- the program overview ----------------------------------------------------------------------


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
    from coachprog.people.services import not_managed_by
    from coachprog.recordings.permissions import prefetch_supervisors

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
    facts_of = _gate_facts_many(enrolments, supervisors_of)
    sums = ledger.totals_by_person(page_ids)
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
    loads = []
    for uid, user in users.items():
        mine = [pid for pid, ids in supervisors_of.items() if uid in ids]
        loads.append(SupervisorLoad(
            user, len(mine), sum(late_feedback.get(p, 0) for p in mine),
            sum(late_meetings.get(p, 0) for p in mine), sum(waiting.get(p, 0) for p in mine)))
    loads.sort(key=lambda load: (-(load.feedback_overdue + load.one_on_ones_overdue),
                                 load.supervisor.display_name.lower()))
    return ProgramOverview(rows, loads, sum(late_feedback.values()),
                           sum(late_meetings.values()), total)


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


def _latest_capstone(person_id: int) -> Assessment | None:
    return db.session.scalar(_closed_of_purpose(CAPSTONE, {person_id})
                             .order_by(Assessment.closed_at.desc(), Assessment.id.desc())
                             .limit(1))


def capstone_passed(person_id: int) -> bool:
    latest = _latest_capstone(person_id)
    return latest is not None and _passed(latest)
