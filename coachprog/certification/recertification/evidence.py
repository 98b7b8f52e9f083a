"""Recertification evidence people write: the cycle's client outcomes brief (the coach, or an
admin for them) and the peer review, requested from another currently certified coach and
written by that peer on a page that shows nothing else. Both are `CertificationEvidence`
rows tied to the certification; evidence can change until the review starts, not after
(rules: `recertification.domain`). Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from coachprog.auth.models import User
from coachprog.authority import require
from coachprog.certification import domain, services
from coachprog.certification.models import Certification, CertificationEvidence
from coachprog.certification.recertification import domain as rules
from coachprog.certification.recertification.services import (
    OUTCOMES_BRIEF,
    PEER_REQUEST,
    PEER_REVIEW,
    get_certification,
    latest_evidence,
    pending_decision,
    recert_policy,
    window_of,
)
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person


def check_open_for_evidence(cert: Certification, day: date) -> None:
    problems = rules.eligibility_problems(cert.status, cert.valid_until, day,
                                          recert_policy().reminder_days)
    if problems:
        raise DomainError(" ".join(problems))
    if pending_decision(cert) is not None:
        raise DomainError("The evidence review has started: the evidence can no longer "
                          "change. Withdraw the recertification to change it.")


def _stamp(evidence: CertificationEvidence, actor: Any, day: date) -> None:
    evidence.recorded_on = day
    evidence.recorded_by_id = getattr(actor, "id", None)


def _row_to_write(cert: Certification, kind: str, actor: Any,
                  day: date) -> tuple[CertificationEvidence, bool]:
    """The cycle's evidence of this kind to (re)write, stamped with the day and the writer:
    the latest row, or a new one; True when it replaces a row."""
    row = latest_evidence(cert, kind)
    replaced = row is not None
    if row is None:
        row = CertificationEvidence(person_id=cert.person_id, kind=kind,
                                    certification_id=cert.id, summary="", recorded_on=day)
        db.session.add(row)
    _stamp(row, actor, day)
    return row, replaced


def submit_outcomes_brief(actor: Any, cert_id: int, text: str) -> CertificationEvidence:
    """Write (or rewrite, until the review starts) the cycle's client outcomes brief."""
    cert = get_certification(cert_id)
    require(actor, "can_submit_recert_evidence", cert)
    day = services.today()
    check_open_for_evidence(cert, day)
    problems = rules.outcomes_brief_problems(text)
    if problems:
        raise DomainError("The outcomes brief was not saved.", field_errors={"text": problems})
    brief, replaced = _row_to_write(cert, OUTCOMES_BRIEF, actor, day)
    brief.summary = rules.clean_text(text)
    db.session.flush()
    audit.record("certification.outcomes_brief_recorded", actor=actor,
                 object_type="certification", object_id=cert.id,
                 detail={"person_id": cert.person_id, "evidence_id": brief.id,
                         "replaced": replaced, "characters": len(brief.summary)})
    return brief


def _held(person_id: int) -> list[rules.HeldCertification]:
    return [rules.HeldCertification(status, valid_until) for status, valid_until in
            db.session.execute(sa.select(Certification.status, Certification.valid_until)
                               .where(Certification.person_id == person_id))]


def peer_candidates(cert: Certification, *, on: date | None = None) -> list[Person]:
    """Coaches who may write this coach's peer review: another person with a current
    certification and an account to sign in with."""
    day = on or services.today()
    people = db.session.scalars(sa.select(Person).where(
        Person.id != cert.person_id,
        Person.id.in_(sa.select(Certification.person_id).where(
            Certification.status == domain.CertStatus.ACTIVE.value,
            Certification.valid_until >= day)),
        Person.id.in_(sa.select(User.person_id).where(User.is_active.is_(True))))
        .order_by(Person.name, Person.id))
    return list(people)


def request_peer_review(actor: Any, cert_id: int,
                        reviewer_person_id: int | None) -> CertificationEvidence:
    """Ask another certified coach for the peer review (replaces an unanswered request)."""
    cert = get_certification(cert_id)
    require(actor, "can_submit_recert_evidence", cert)
    day = services.today()
    check_open_for_evidence(cert, day)
    if latest_evidence(cert, PEER_REVIEW) is not None:
        raise DomainError("The peer review for this cycle has been written.")
    reviewer = db.session.get(Person, reviewer_person_id) if reviewer_person_id else None
    if reviewer is None:
        message = "Choose the coach who writes the peer review."
        raise DomainError(message, field_errors={"reviewer_person_id": [message]})
    has_account = db.session.scalar(sa.select(sa.func.count(User.id)).where(
        User.person_id == reviewer.id, User.is_active.is_(True)))
    problems = rules.peer_problems(reviewer_person_id=reviewer.id,
                                   coach_person_id=cert.person_id,
                                   reviewer_held=_held(reviewer.id), today=day)
    if not has_account:
        problems.append(f"{reviewer.name} has no account to sign in with and write the "
                        "review.")
    if problems:
        raise DomainError(" ".join(problems), field_errors={"reviewer_person_id": problems})
    request, _ = _row_to_write(cert, PEER_REQUEST, actor, day)
    replaced = request.reviewer_person_id  # None on a new request
    request.reviewer_person_id = reviewer.id
    db.session.flush()
    audit.record("certification.peer_review_requested", actor=actor,
                 object_type="certification", object_id=cert.id,
                 detail={"person_id": cert.person_id, "reviewer_person_id": reviewer.id,
                         "replaced_reviewer_person_id": replaced})
    return request


@dataclass(frozen=True)
class PeerRequest:
    """What the peer sees: whom the review is for, and nothing of their evidence."""

    cert: Certification
    coach: Person
    request: CertificationEvidence
    window: rules.CycleWindow


def peer_request(actor: Any, cert_id: int) -> PeerRequest:
    """The review request addressed to the actor, or the review they wrote (403 for anyone
    else)."""
    cert = get_certification(cert_id)
    request = latest_evidence(cert, PEER_REQUEST) or latest_evidence(cert, PEER_REVIEW)
    require(actor, "can_write_peer_review", request)
    if request is None:  # the permission refuses a missing request already
        raise NotFound("peer review request")
    return PeerRequest(cert, cert.person, request, window_of(cert))


def submit_peer_review(actor: Any, cert_id: int, text: str) -> CertificationEvidence:
    """The peer writes the review they were asked for; it becomes the cycle's peer review."""
    found = peer_request(actor, cert_id)
    cert, request = found.cert, found.request
    if request.kind == PEER_REVIEW:
        raise DomainError("You have submitted this peer review; it can no longer change.")
    day = services.today()
    check_open_for_evidence(cert, day)
    problems = rules.peer_problems(reviewer_person_id=getattr(actor, "person_id", None),
                                   coach_person_id=cert.person_id,
                                   reviewer_held=_held(request.reviewer_person_id or 0),
                                   today=day)
    if problems:
        raise DomainError(" ".join(problems))
    problems = rules.peer_review_problems(text)
    if problems:
        raise DomainError("The peer review was not saved.", field_errors={"text": problems})
    request.kind = PEER_REVIEW
    request.summary = rules.clean_text(text)
    _stamp(request, actor, day)
    db.session.flush()
    audit.record("certification.peer_review_recorded", actor=actor,
                 object_type="certification", object_id=cert.id,
                 detail={"person_id": cert.person_id, "evidence_id": request.id,
                         "reviewer_person_id": request.reviewer_person_id})
    return request


