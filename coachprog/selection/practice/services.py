"""Shadowing and supervised practice: the coached hours a candidate logs, a supervisor's
verification (never their own) and practice reviews; at least `MIN_COACHED_HOURS` verified
and a reviewed session before the panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from coachprog.assessments.models import EvidenceItem
from coachprog.authority import require
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.selection import domain
from coachprog.selection.domain import CandidateStage
from coachprog.selection.models import (
    Candidate,
    CoachedHoursEntry,
    PracticeReview,
)
from coachprog.selection.sprints.services import MAX_NOTES, refuse, require_open_sprint, today

MAX_PRACTICE_MINUTES = 8 * 60


def log_practice_hours(actor: Any, candidate: Candidate, *, session_date: date | None,
                       minutes: int | None, note: str = "") -> CoachedHoursEntry:
    require(actor, "can_log_practice_hours", candidate)
    errors: dict[str, list[str]] = {}
    if session_date is None:
        errors["session_date"] = ["Give the date of the coached session."]
    elif session_date > today():
        errors["session_date"] = ["The date is in the future; log hours once coached."]
    elif session_date < candidate.sprint.start_date:
        errors["session_date"] = ["The date is before the sprint started."]
    if minutes is None or not 1 <= minutes <= MAX_PRACTICE_MINUTES:
        errors["minutes"] = [f"Give the length in minutes, from 1 to {MAX_PRACTICE_MINUTES} "
                             f"(8 hours)."]
    if len(note) > 500:
        errors["note"] = ["Keep the note under 500 characters."]
    if errors or session_date is None or minutes is None:
        raise DomainError("The hours cannot be logged.", field_errors=errors)
    entry = CoachedHoursEntry(candidate_id=candidate.id, session_date=session_date,
                              minutes=minutes, note=note.strip(),
                              logged_by_id=getattr(actor, "id", None))
    candidate.hours.append(entry)
    db.session.flush()
    audit.record("candidate.hours_logged", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"entry_id": entry.id, "minutes": minutes,
                                                 "date": session_date.isoformat()})
    return entry


def verify_practice_hours(actor: Any, candidate: Candidate, entry_id: int) -> CoachedHoursEntry:
    require(actor, "can_supervise_practice", candidate)
    entry = next((e for e in candidate.hours if e.id == entry_id), None)
    if entry is None:
        raise NotFound("hours entry")
    require_open_sprint(candidate)
    if candidate.stage != CandidateStage.SUPERVISED_PRACTICE.value:
        raise refuse("Hours are verified while the candidate is in supervised practice.")
    if entry.verified_by_id is not None:
        raise refuse("These hours are already verified.")
    if entry.logged_by_id is not None and entry.logged_by_id == getattr(actor, "id", None):
        raise refuse("Someone other than the person who logged the hours verifies them.")
    entry.verified_by_id = actor.id
    entry.verified_at = utcnow()
    db.session.flush()
    audit.record("candidate.hours_verified", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"entry_id": entry.id})
    return entry


def record_practice_review(actor: Any, candidate: Candidate, *, title: str, notes: str,
                           link: str = "") -> PracticeReview:
    """A supervisor records that they reviewed a practice session (an evidence item: until
    recordings exist, a description and an optional link)."""
    require(actor, "can_supervise_practice", candidate)
    if candidate.stage != CandidateStage.SUPERVISED_PRACTICE.value:
        raise refuse("Practice sessions are reviewed while the candidate is in supervised "
                     "practice.")
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Say which session you reviewed (e.g. date and topic)."]
    elif len(title.strip()) > 200:
        errors["title"] = ["Keep the title under 200 characters."]
    if not notes.strip():
        errors["notes"] = ["Write your review notes (what you observed, what to develop)."]
    elif len(notes) > MAX_NOTES:
        errors["notes"] = [f"Keep the notes under {MAX_NOTES} characters."]
    link = link.strip()
    if link and not link.startswith(("http://", "https://")):
        errors["link"] = ["A link starts with http:// or https://."]
    if errors:
        raise DomainError("The review cannot be recorded.", field_errors=errors)
    evidence = EvidenceItem(title=title.strip(), description=notes.strip(), link=link or None,
                            subject_person_id=candidate.person_id,
                            created_by_id=getattr(actor, "id", None))
    db.session.add(evidence)
    db.session.flush()
    review = PracticeReview(candidate_id=candidate.id, evidence_item_id=evidence.id,
                            reviewer_id=actor.id, notes=notes.strip())
    candidate.reviews.append(review)
    db.session.flush()
    audit.record("candidate.practice_reviewed", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"review_id": review.id,
                                                 "evidence_item_id": evidence.id})
    return review


@dataclass(frozen=True)
class HoursSummary:
    verified: float
    waiting: float
    minimum: float = domain.MIN_COACHED_HOURS
    target: float = domain.TARGET_COACHED_HOURS

    @property
    def percent_of_target(self) -> int:
        return min(100, round(self.verified / self.target * 100))


def hours_summary(candidate: Candidate) -> HoursSummary:
    verified = sum(e.minutes for e in candidate.hours if e.verified_by_id is not None) / 60
    total = sum(e.minutes for e in candidate.hours) / 60
    return HoursSummary(verified=verified, waiting=total - verified)
