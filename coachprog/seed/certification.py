"""Demo certification data for `flask seed`: one certified coach, one due soon and one lapsed,
from the demo's appointed coaches (nothing when there are none), each with the evidence their
level asks for, made through the services as the people involved would: a practicum with the
hour targets verified by lead@, a session review passed in master@'s moderation (an
independent master coach), a capstone brief passed by rater@ and lead@, and master@'s passed
final review. Their paperwork is completed by the coaching seed. Idempotent: nothing is added
once any certification exists."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import click
import sqlalchemy as sa

from coachprog.assessments import moderation as assessment_moderation
from coachprog.assessments import services as assessments
from coachprog.auth import services as auth_services
from coachprog.certification import domain
from coachprog.certification.models import Certification
from coachprog.coaching.roster.services import active_coach_ids
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.practicum.ledger import services as practicum
from coachprog.practicum.supervision import gates
from coachprog.seed.assessments import demo_assessment
from coachprog.seed.marks import SOLID, STRONG, WEAK, DemoMismatch
from coachprog.selection.candidates.services import latest_rubric_version

# (days until due, status) for the first three appointed coaches by id.
DEMO = ((300, "active"), (25, "active"), (-10, "lapsed"))


def seed_demo(actor: Any) -> bool:
    """Add this domain's demo data; running it again adds nothing. True when it added some."""
    if db.session.scalar(sa.select(sa.func.count(Certification.id))):
        return False
    coaches = sorted(active_coach_ids())[:len(DEMO)]
    # The evidence first: a lapsed coach leaves the active roster, and a practicum enrols
    # only coaches on it.
    for person_id in coaches:
        _level_evidence(actor, person_id)
    today = utcnow().date()
    for person_id, (days, status) in zip(coaches, DEMO, strict=False):
        due = today + timedelta(days=days)
        db.session.add(Certification(
            person_id=person_id, level=domain.Level.CERTIFIED_INTERNAL_COACH.value,
            status=status, issued_on=domain.add_months(due, -12), valid_until=due,
            lapsed_at=utcnow() if status == "lapsed" else None))
    db.session.flush()
    return bool(coaches)


def _hint(message: str) -> None:
    click.echo(f"Demo certification evidence not seeded: {message}", err=True)


def _level_evidence(actor: Any, person_id: int) -> None:
    """The Certified Internal Coach evidence of one coach. Needs the demo's master@, lead@
    and rater@ (calibrated by the assessments seed); a refusal rolls back this coach's
    evidence only and says why on stderr."""
    users = [auth_services.get_user_by_email(f"{name}@demo.example")
             for name in ("master", "lead", "rater")]
    if any(user is None for user in users):
        return
    master, lead, rater = users
    try:
        with db.session.begin_nested():
            _practicum(actor, person_id, lead)
            _reviewed(actor, person_id, "session-review", [rater, lead], master)
            _reviewed(actor, person_id, "capstone-brief", [rater, lead], None)
            gates.decide_gate(
                master, person_id, "final", outcome="passed",
                note="Demo: an independent review passed, the capstone passed and the hour "
                     "targets are verified.")
    except (DomainError, NotPermitted, NotFound, DemoMismatch) as error:
        _hint(getattr(error, "message", None) or str(error) or type(error).__name__)


# (kind, minutes, how many): above the default targets of 20 coached and 10 lab hours.
PRACTICUM = (("coached_session", 60, 22), ("reflective_lab", 90, 7))


def _practicum(actor: Any, person_id: int, lead: Any) -> None:
    """Enrolled 14 weeks ago; two coached sessions and a lab most weeks, all verified."""
    today = utcnow().date()
    practicum.enrol(actor, person_id, start_date=today - timedelta(weeks=14))
    drafts = []
    for kind, minutes, count in PRACTICUM:
        for number in range(count):
            day = today - timedelta(days=95 - 4 * number)
            hour = 9 if kind == "coached_session" else 14
            drafts.append(practicum.EntryDraft(
                kind=kind, day=day, at=time(hour), minutes=minutes,
                coachee=f"Client {'ABCDE'[number % 5]}" if kind == "coached_session" else ""))
    for entry in practicum.log_entries(actor, person_id, drafts):
        practicum.review_entry(lead, entry.id, decision="verify", comment="")


def _reviewed(actor: Any, person_id: int, rubric_key: str, raters: list[Any],
              moderator: Any) -> None:
    """A closed, passed assessment of this coach on the rubric. With a moderator, the two
    raters disagree on the non-negotiables and the moderator settles it as a pass (so a
    master coach who does not supervise the coach has scored it)."""
    version = latest_rubric_version(rubric_key)
    person = db.session.get(Person, person_id)
    if version is None or person is None:
        raise DemoMismatch(f"no {rubric_key} rubric is loaded.")
    what = "Session recording" if rubric_key == "session-review" else "Capstone brief"
    assessment = demo_assessment(
        actor, version, person, evidence=f"{what}: {person.name} (practicum)",
        note="Demo evidence for a certified coach (no file).",
        title=f"Demo {rubric_key} of {person.name}", raters=raters)
    rubric = version.to_domain()
    profiles = (STRONG, WEAK) if moderator is not None else (SOLID, SOLID)
    for user, profile in zip(raters, profiles, strict=True):
        assignment = next(a for a in assessment.assignments if a.rater_id == user.id)
        values, notes = profile.marks(rubric)
        assessments.save_marks(user, assignment, values, notes, submit=True)
    if moderator is not None:
        values, notes = STRONG.marks(rubric)
        assessment_moderation.settle_moderation(moderator, assessment, values, notes,
                                      "Demo: the non-negotiables were met; the second rater "
                                      "missed the contracting at minute two.")
    if assessment.status != "closed" or not (assessment.result or {}).get("passed"):
        raise DemoMismatch(f"the demo {rubric_key} of {person.name} did not close with a pass.")
