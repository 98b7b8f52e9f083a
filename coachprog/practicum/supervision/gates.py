"""The practicum gates (midpoint and final): the facts each checklist item is decided on
(verified hours against the program's targets, scored session reviews, a passed review by an
independent master coach, the capstone), the gate page and the recorded decision.
Services flush; the caller commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from coachprog.assessments.models import Assessment
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import require
from coachprog.coaching.models import SupervisorAssignment
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.practicum.ledger import domain as ledger_rules
from coachprog.practicum.ledger import services as ledger
from coachprog.practicum.ledger.models import LedgerEntry, PracticumEnrolment
from coachprog.practicum.supervision import domain as rules
from coachprog.practicum.supervision.models import GateDecision
from coachprog.practicum.supervision.services import (
    CAPSTONE,
    closed_of_purpose,
    display_zone,
    is_passed,
    latest_capstone,
    scored_reviews,
)
from coachprog.roles import Role


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
    passed = [r for r in reversed(reviews) if is_passed(r)]
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
                       _independent_masters(person_id), latest_capstone(person_id), _names)


def _gate_facts(hours: HourFacts, reviews: list[Assessment], independent: set[int],
                brief: Assessment | None, names: Callable[[set[int]], str]) -> rules.GateFacts:
    review, review_detail = _independent(reviews, independent, names)
    latest = reviews[-1] if reviews else None
    session_detail = (f"{len(reviews)} scored; latest {_when(latest.closed_at)} "
                      f"({'passed' if is_passed(latest) else 'not passed'})" if latest
                      else "no session review has been scored yet")
    capstone_detail = (f"latest brief scored {_when(brief.closed_at)}: "
                       f"{'passed' if is_passed(brief) else 'not passed'}" if brief
                       else "no brief has been scored yet")
    return rules.GateFacts(
        session_scored=latest is not None,
        hours_on_track=hours.on_track, hours_targets_met=hours.targets_met,
        independent_review_passed=review is not None,
        capstone_passed=brief is not None and is_passed(brief), hours_detail=hours.met_detail,
        hours_on_track_detail=hours.on_track_detail, session_detail=session_detail,
        review_detail=review_detail, capstone_detail=capstone_detail)


def gate_facts_many(enrolments: list[PracticumEnrolment], supervisors_of: dict[int, set[int]],
                    sums: dict[int, tuple[ledger_rules.Totals, int]] | None = None,
                    ) -> dict[int, rules.GateFacts]:
    """`gate_facts` of a page of enrolled trainees in a fixed number of queries; `sums`: their
    `ledger.totals_by_person` when the caller has it already."""
    ids = [e.person_id for e in enrolments]
    if sums is None:
        sums = ledger.totals_by_person(ids)
    reviews: dict[int, list[Assessment]] = {i: [] for i in ids}
    for review in scored_reviews(set(ids)):
        reviews[review.evidence.subject_person_id or 0].append(review)
    briefs: dict[int, Assessment] = {}
    for brief in db.session.scalars(closed_of_purpose(CAPSTONE, set(ids)).options(
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
    trainee = get_or_404(Person, person_id, what="trainee")
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

