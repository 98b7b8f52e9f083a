"""The practicum of the large organisation: every coach enrolled in the standard program, the
hour entries spread over their enrolments (older ones verified by their lead coach, a few
queried, the last ten days pending), peer triads, scored session reviews with feedback and 1:1s
(some deadlines due or overdue, as on a real queue) and gate decisions."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from coachprog.practicum.ledger import domain
from coachprog.practicum.ledger.models import LedgerEntry, PracticumEnrolment
from coachprog.practicum.ledger.services import default_program
from coachprog.practicum.supervision.models import GateDecision, OneOnOne, SessionFeedback
from coachprog.practicum.triads.models import PeerTriad, PeerTriadMember
from coachprog.seed.large.context import Org, closed_assessment

KIND_WEIGHTS = ((domain.COACHED, 55), (domain.LAB, 20), (domain.TRIAD, 10),
                (domain.SUPERVISION, 10), (domain.MENTOR, 5))
ENROLMENT_WEEKS = 12


def generate_ledger(org: Org) -> None:
    program_id = default_program().id
    kinds = [kind for kind, weight in KIND_WEIGHTS for _ in range(weight)]
    coaches = org.coaches
    total = org.sizes.hour_entries
    per = total // len(coaches)
    extra = total - per * len(coaches)
    for index, person_id in enumerate(coaches):
        weeks_ago = org.rng.randrange(2, 40)
        start = org.today - timedelta(weeks=weeks_ago)
        org.bulk.add(PracticumEnrolment, person_id=person_id, program_id=program_id,
                     start_date=start, created_by_id=org.admin_id,
                     created_at=datetime.combine(start, time(8), org.now.tzinfo))
        count = per + (1 if index < extra else 0)
        span_days = max(1, min(weeks_ago, ENROLMENT_WEEKS) * 7)
        lead = org.lead_of[person_id]
        for number in range(count):
            day = start + timedelta(days=span_days * number // max(count, 1))
            starts_at = datetime.combine(day, time(8 + number % 9), org.now.tzinfo)
            kind = org.pick(kinds)
            age = (org.today - day).days
            status = domain.PENDING if age < 10 else (
                domain.QUERIED if org.rng.random() < 0.02 else domain.VERIFIED)
            reviewed = status != domain.PENDING
            org.bulk.add(
                LedgerEntry, person_id=person_id, kind=kind, starts_at=starts_at,
                minutes=org.pick([45, 60, 60, 90]),
                coachee_pseudonym=f"Client {chr(65 + number % 6)}" if kind == domain.COACHED
                else None,
                triad_role=org.pick(list(domain.TRIAD_ROLES)) if kind == domain.TRIAD else None,
                status=status, review_comment="Was this the full hour?" if
                status == domain.QUERIED else "",
                reviewed_by_id=lead if reviewed else None,
                reviewed_at=starts_at + timedelta(days=3) if reviewed else None,
                created_at=starts_at, updated_at=starts_at)
    org.bulk.flush()
    _triads(org, program_id)


def _triads(org: Org, program_id: int) -> None:
    for number, first in enumerate(range(0, len(org.coaches) - 2, 3)):
        if number >= len(org.coaches) // 30:  # one coach in ten is in a triad
            break
        triad_id = org.bulk.add(PeerTriad, name=f"Triad {number + 1}", program_id=program_id,
                                created_by_id=org.admin_id, created_at=org.now)
        for position, person_id in enumerate(org.coaches[first:first + 3]):
            org.bulk.add(PeerTriadMember, triad_id=triad_id, person_id=person_id,
                         position=position)
    org.bulk.flush()


def generate_supervision(org: Org) -> None:
    """A scored session review for half the coaches, scored by their lead coach and a rater
    within the last three weeks; feedback written on 70 % of them and a 1:1 held on 60 %
    (the rest are due or overdue); gate decisions for a third of the coaches."""
    for index, person_id in enumerate(org.coaches):
        lead = org.lead_of[person_id]
        if index % 2 == 0:
            closed_at = org.now - timedelta(hours=org.rng.randrange(6, 21 * 24))
            review = closed_assessment(
                org, "session-review", title=f"Practicum session review {index + 1}",
                subject_person_id=person_id, rater_ids=[lead, org.pick(org.raters)],
                closed_at=closed_at)
            if review is not None:
                if org.rng.random() < 0.7:
                    org.bulk.add(SessionFeedback, assessment_id=review,
                                 trainee_person_id=person_id, author_id=lead,
                                 body="Good contracting; hold the silence a little longer.",
                                 written_at=closed_at + timedelta(hours=20))
                if org.rng.random() < 0.6:
                    org.bulk.add(OneOnOne, trainee_person_id=person_id,
                                 supervisor_user_id=lead, assessment_id=review,
                                 held_on=(closed_at + timedelta(days=2)).date(),
                                 notes="Talked through the opening and the summary.",
                                 recorded_at=closed_at + timedelta(days=2))
        if index % 3 == 0:
            final = index % 9 == 0
            org.bulk.add(GateDecision, trainee_person_id=person_id,
                         gate="final" if final else "midpoint",
                         outcome="passed" if final else "proceed",
                         note="Generated decision.", checklist=[
                             {"label": "Scored session review", "met": True}],
                         decided_by_id=org.pick(org.masters),
                         decided_at=org.now - timedelta(days=org.rng.randrange(1, 60)))
    org.bulk.flush()
