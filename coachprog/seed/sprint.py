"""The demo selection sprint: an open sprint with its panel seated and candidates on the board at
several stages, each with the evidence its next move needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click
import sqlalchemy as sa

from coachprog.assessments import services as assessment_services
from coachprog.assessments.domain import AssessmentStatus
from coachprog.assessments.models import Assessment
from coachprog.auth import services as auth_services
from coachprog.auth.models import User
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.seed.assessments import staff_free_of_conflicts, submit_marks
from coachprog.seed.marks import SOLID, STRONG, DemoMismatch, MarkProfile
from coachprog.seed.people import DEMO_ACCOUNTS, LEAD_EMAIL, MASTER_EMAIL, RATER_EMAIL
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.entries import services as entry_services
from coachprog.selection.models import Sprint
from coachprog.selection.panel import services as panel_services
from coachprog.selection.sprints import services as sprint_services

DEMO_SPRINT = "Demo selection sprint"
DEMO_APPLICATION = (
    "Last year I supported two colleagues who had just become team leads. Rather than tell "
    "them how I would run their teams, I asked what they wanted their first quarter to look "
    "like, what worried them, and what they had already tried. One of them realised she was "
    "avoiding a hard conversation with a senior engineer; she planned it herself and came "
    "back to tell me how it went. With the other, I noticed I kept offering my own stories, "
    "so I started to hold them back and let the silence do the work. I want to train as an "
    "internal coach because I enjoy helping people find their own answers, and because I "
    "want to learn to do it with discipline: contracting properly, keeping confidentiality, "
    "and knowing when to refer someone on. I can protect a tenth of my week for coaching and "
    "my manager supports it. I would bring curiosity, patience and a habit of asking one more "
    "question before offering a view."
)


def seed_demo_sprint(actor: Any) -> bool:
    """An open sprint with its panel seated and candidates on the board at several stages,
    each with the evidence its next move needs, unless the sprint exists already:

    - applied (two): admin can move them to interview;
    - at interview with the interview scored and passed by calibrated raters: admin can move
      them on to the simulations;
    - at interview with the interview open: rater@'s and lead@'s scoring work;
    - at simulations with both simulations passed: admin can move them to supervised practice;
    - rejected with a reason, and a nomination from manager@ awaiting the nominee's answer.

    Candidates are staff who hold no demo account and are outside every panel member's and
    rater's reporting line, so no seat or rater is conflicted; every demo login can still
    apply or nominate."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Sprint).where(
            Sprint.name == DEMO_SPRINT)):
        return False
    accounts = {email: auth_services.get_user_by_email(email) for email, _, _ in DEMO_ACCOUNTS}
    raters = [user for user in (accounts.get(RATER_EMAIL), accounts.get(LEAD_EMAIL))
              if user is not None]
    try:
        with db.session.begin_nested():
            sprint = sprint_services.create_sprint(actor, sprint_services.SprintDraft(
                name=DEMO_SPRINT, capacity=4, start_date=sprint_services.today(),
                eligibility_notes="Twelve months in the company; the manager agrees to "
                "protect 10–20 % of working time."))
            panel: list[User] = []
            for seat, email in DEMO_PANEL:
                user = accounts.get(email)
                if user is not None:
                    panel_services.seat_panel_member(actor, sprint, seat, user.id)
                    panel.append(user)
            # From the end of the staff list: the demo assessments take theirs from the start.
            people = staff_free_of_conflicts(
                6, [*panel, *raters], among=80, from_the_end=True,
                shortfall="not enough staff free of conflicts with the panel to be candidates.")
            entries = [entry_services.apply(actor, sprint, text=DEMO_APPLICATION, on_behalf_of=p)
                       for p in people]
            for candidate in (entries[0], entries[1], entries[5]):
                candidate_services.advance_candidate(actor, candidate, "interview")
            if len(raters) == 2:
                _stage_assessment(actor, entries[0], "interview", raters, SOLID)
                _stage_assessment(actor, entries[1], "interview", raters, None)
                _stage_assessment(actor, entries[5], "interview", raters, STRONG)
                candidate_services.advance_candidate(actor, entries[5], "simulations")
                for purpose in ("simulation-performance", "simulation-transition"):
                    _stage_assessment(actor, entries[5], purpose, raters, SOLID)
            candidate_services.reject_candidate(
                actor, entries[4], "Demo: does not meet the eligibility notes (eight months in "
                "the company).")
            manager = accounts.get("manager@demo.example")
            report = _report_of(manager)
            if manager is not None and report is not None:
                entry_services.nominate(manager, sprint, nominee_employee_id=report.employee_id,
                                        why="Demo nomination: calm, curious, and people "
                                        "already come to them for advice.")
    except (DomainError, NotPermitted, NotFound, DemoMismatch) as error:
        click.echo(f"Demo sprint not seeded: {getattr(error, 'message', None) or error}",
                   err=True)
        return False
    return True


DEMO_PANEL = (("hr_ld", "admin@demo.example"), ("external_master_coach", MASTER_EMAIL),
              ("business_sponsor", "sponsor@demo.example"))


def _stage_assessment(actor: Any, candidate: Any, purpose: str, raters: Sequence[User],
                      profile: MarkProfile | None) -> Assessment:
    """The stage's assessment with both demo raters assigned; scored by both (and so closed
    with their combined result) when `profile` is given, left open for them otherwise."""
    assessment = candidate_services.create_stage_assessment(actor, candidate, purpose)
    for user in raters:
        assessment_services.assign_rater(actor, assessment, user.id)
    if profile is not None:
        rubric = assessment.rubric_version.to_domain()
        for user in raters:
            submit_marks(user, assessment, "rater", profile.marks(rubric))
        if assessment.status != AssessmentStatus.CLOSED.value or \
                not (assessment.result or {}).get("passed"):
            raise DemoMismatch(f"the demo {purpose} of {candidate.person.name} did not close "
                               f"with a pass.")
    return assessment


def _report_of(manager: User | None) -> Person | None:
    """A direct report of the demo manager who holds no demo account."""
    if manager is None or manager.person_id is None:
        return None
    account_ids = {employee_id for _, _, employee_id in DEMO_ACCOUNTS if employee_id}
    return db.session.scalar(
        sa.select(Person).where(Person.manager_id == manager.person_id,
                                Person.active.is_(True), Person.employee_id.not_in(account_ids))
        .order_by(Person.employee_id).limit(1))
