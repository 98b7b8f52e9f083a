"""Demo practicum data for `flask seed`: coach@demo.example enrolled four weeks ago, supervised
by lead@demo.example, with a few weeks of entries — the older ones verified, one queried, the
latest week waiting for verification — and supervision: two session reviews of coach@ scored by
rater@ and lead@ (one three days ago, its feedback now overdue and its 1:1 held; one 20 hours
ago, feedback and 1:1 due), so lead@'s queue shows a due and an overdue item and the midpoint
gate a partly met checklist (a scored session, hours not yet on track). Each part is skipped
when its marker exists (the enrolment; the first review's title), so a second run adds
nothing."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import click
import sqlalchemy as sa

from coachprog.assessments import services as assessments
from coachprog.assessments.models import Assessment
from coachprog.auth import services as auth_services
from coachprog.auth.models import User
from coachprog.coaching.models import SupervisorAssignment
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.practicum.ledger import services
from coachprog.practicum.supervision import services as supervision
from coachprog.rubrics.models import RubricVersion
from coachprog.seed.assessments import demo_assessment
from coachprog.seed.marks import STRONG
from coachprog.seed.people import RATER_EMAIL

TRAINEE_EMAIL = "coach@demo.example"
SUPERVISOR_EMAIL = "lead@demo.example"

# (days before today, kind, start hour, minutes, pseudonym, extra draft fields)
DEMO_ENTRIES: tuple[tuple[int, str, int, int, str, dict[str, Any]], ...] = (
    (26, "coached_session", 10, 60, "Client A", {}),
    (25, "reflective_lab", 14, 90, "", {}),
    (23, "coached_session", 11, 60, "Client B", {"pro_bono": True}),
    (19, "coached_session", 10, 60, "Client A", {}),
    (18, "peer_triad", 15, 90, "", {"triad_role": "observer"}),
    (16, "supervision", 9, 60, "", {}),
    (12, "coached_session", 10, 60, "Client C", {"is_group": True, "group_size": 4}),
    (11, "coached_session", 13, 45, "Client B", {"pro_bono": True}),
    (5, "coached_session", 10, 60, "Client A", {}),
    (4, "reflective_lab", 14, 60, "", {}),
    (2, "mentor_coaching", 9, 60, "", {}),
)
VERIFIED_BEFORE_DAYS = 10  # entries older than this are verified by the supervisor
QUERIED_DAYS = 11  # this one is queried instead

# (title, hours before now the review was scored, 1:1 held the day before today?)
DEMO_REVIEWS: tuple[tuple[str, int, bool], ...] = (
    ("Demo practicum session review 1", 72, True),
    ("Demo practicum session review 2", 20, False),
)
ONE_ON_ONE_NOTES = ("Demo: talked through the contracting at the start and when to stay "
                    "silent; next session, try a summary before moving on.")


def seed_demo(actor: Any) -> bool:
    """Add this domain's demo data; running it again adds nothing. True when it added some."""
    trainee = db.session.scalar(sa.select(User).where(User.email == TRAINEE_EMAIL))
    lead = db.session.scalar(sa.select(User).where(User.email == SUPERVISOR_EMAIL))
    if trainee is None or lead is None or trainee.person_id is None:
        return False
    added = _seed_ledger(actor, trainee.person_id, lead)
    return _seed_supervision(actor, trainee.person_id, lead) or added


def _seed_ledger(actor: Any, person_id: int, lead: Any) -> bool:
    if services.get_enrolment(person_id) is not None:
        return False
    if db.session.scalar(sa.select(SupervisorAssignment.id).where(
            SupervisorAssignment.coach_person_id == person_id,
            SupervisorAssignment.supervisor_user_id == lead.id)) is None:
        db.session.add(SupervisorAssignment(coach_person_id=person_id,
                                            supervisor_user_id=lead.id,
                                            assigned_by_id=getattr(actor, "id", None)))
        db.session.flush()
    today = utcnow().date()
    services.enrol(actor, person_id, start_date=today - timedelta(weeks=4))
    drafts = [services.EntryDraft(kind=kind, day=today - timedelta(days=days), at=time(hour),
                                  minutes=minutes, coachee=pseudonym, **extra)
              for days, kind, hour, minutes, pseudonym, extra in DEMO_ENTRIES]
    entries = services.log_entries(actor, person_id, drafts)
    for (days, *_), entry in zip(DEMO_ENTRIES, entries, strict=True):
        if days == QUERIED_DAYS:
            services.review_entry(lead, entry.id, decision="query",
                                  comment="Demo: was this 45 minutes or the full hour?")
        elif days > VERIFIED_BEFORE_DAYS:
            services.review_entry(lead, entry.id, decision="verify", comment="")
    db.session.flush()
    return True


def _hint(message: str) -> None:
    click.echo(f"Demo supervision not seeded: {message}", err=True)


def _seed_supervision(actor: Any, person_id: int, lead: Any) -> bool:
    """Two session reviews of the trainee, scored through the assessment services by rater@
    and lead@ (calibrated by the assessments seed), then dated back to when the demo says
    they were scored; a 1:1 that closes the older one's 7-day deadline. A refusal (a demo
    account changed, no rubric) rolls back this part only and says why on stderr."""
    if db.session.scalar(sa.select(Assessment.id).where(
            Assessment.title == DEMO_REVIEWS[0][0]).limit(1)) is not None:
        return False
    version = db.session.scalar(
        sa.select(RubricVersion).where(RubricVersion.purpose == supervision.SESSION_REVIEW)
        .order_by(RubricVersion.id.desc()).limit(1))
    rater = auth_services.get_user_by_email(RATER_EMAIL)
    person = db.session.get(Person, person_id)
    if version is None or rater is None or person is None:
        _hint("no session-review rubric, rater@ or coach@'s directory record.")
        return False
    rubric = version.to_domain()
    values, notes = STRONG.marks(rubric)
    now = utcnow()
    try:
        with db.session.begin_nested():
            for title, hours_ago, held in DEMO_REVIEWS:
                review = demo_assessment(
                    actor, version, person,
                    evidence=f"Practicum session recording: {person.name}",
                    note="A made-up practicum session for the demo (no recording).",
                    title=title, raters=(rater, lead))
                for assignment in list(review.assignments):
                    user = rater if assignment.rater_id == rater.id else lead
                    assessments.save_marks(user, assignment, values, notes, submit=True)
                if review.status != "closed" or review.closed_at is None:
                    raise DomainError(f"{title} ended {review.status}, not closed.")
                # Demo history: scored `hours_ago` hours before now (the deadlines run from
                # closed_at, so this is what makes one item overdue and one due).
                scored_at = now - timedelta(hours=hours_ago)
                review.closed_at = scored_at
                for assignment in review.assignments:
                    assignment.submitted_at = scored_at
                db.session.flush()
                if held:
                    supervision.record_one_on_one(
                        lead, person_id, held_on=now.date() - timedelta(days=1),
                        notes=ONE_ON_ONE_NOTES, assessment_id=review.id)
    except (DomainError, NotPermitted, NotFound) as error:
        _hint(getattr(error, "message", None) or str(error) or type(error).__name__)
        return False
    return True
