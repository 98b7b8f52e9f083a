"""The demo's assessment work: closed calibration exercises that calibrate rater@ and lead@ for
every rubric the demo uses (session review, interview, both simulations, capstone brief), and
live session reviews that are open, closed and in moderation. Marks are given as the demo user
whose marks they are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app

from coachprog.assessments import conflicts as assessment_conflicts
from coachprog.assessments import evidence as assessment_evidence
from coachprog.assessments import services as assessment_services
from coachprog.assessments.domain import AssessmentStatus, find_conflicts
from coachprog.assessments.exercises import services as calibration_services
from coachprog.assessments.models import Assessment
from coachprog.auth import services as auth_services
from coachprog.auth.models import User
from coachprog.calibration.models import CalibrationExercise
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.rubrics import services as rubric_services
from coachprog.rubrics.models import RubricVersion
from coachprog.seed.marks import MIXED, SOLID, STRONG, WEAK, DemoMismatch, MarkProfile
from coachprog.seed.people import DEMO_ACCOUNTS, LEAD_EMAIL, MASTER_EMAIL, RATER_EMAIL
from coachprog.selection.candidates import services as selection_services

DEMO_RUBRIC = "session-review"
# Fixed titles are the markers a second run looks for.
DEMO_EXERCISE_TITLE = "Demo calibration: coaching session review"
DEMO_RECORDINGS = ("Demo calibration recording 1", "Demo calibration recording 2")
# The rubrics the demo sprint's stages (and the certified coaches' capstones) are scored on:
# rater@ and lead@ are calibrated for each, so no one runs calibration by hand first.
CALIBRATED_RUBRICS = {
    "interview": "Demo calibration: behavioural interview",
    "simulation-performance": "Demo calibration: performance simulation",
    "simulation-transition": "Demo calibration: transition simulation",
    "capstone-brief": "Demo calibration: capstone brief",
}
DEMO_EVIDENCE_NOTE = ("A made-up coaching session for trying the demo: there is no recording, "
                      "so mark it however you like.")



@dataclass(frozen=True)
class DemoLive:
    title: str
    blind: bool
    status: AssessmentStatus  # what the demo leaves it in
    rater: tuple[MarkProfile, int] | None = None  # rater@'s marks (profile, nudge)
    lead: tuple[MarkProfile, int] | None = None  # lead@'s marks


DEMO_LIVE = (
    # Work on rater@'s and lead@'s lists: blind, nothing scored yet.
    DemoLive("Demo session review 1", blind=True, status=AssessmentStatus.OPEN),
    # Both raters agree: closed with the combined result.
    DemoLive("Demo session review 2", blind=False, status=AssessmentStatus.CLOSED,
             rater=(SOLID, 0), lead=(SOLID, -1)),
    # A pass/fail split: waiting for master@ to settle it.
    DemoLive("Demo session review 3", blind=True, status=AssessmentStatus.MODERATION,
             rater=(STRONG, 0), lead=(WEAK, 0)),
)


def _hint(message: str) -> None:
    click.echo(f"Demo assessments not seeded: {message}", err=True)


def seed_demo_assessments(actor: Any) -> bool:
    """The calibration exercise and the live assessments, unless they exist already. Loads the
    rubric files when `rubrics load` has not run. A refusal from a service (a demo account
    whose roles were changed, say) rolls back this part only and is explained on stderr:
    the people and accounts are still seeded."""
    version = _demo_rubric_version(actor)
    if version is None:
        return False
    emails = (MASTER_EMAIL, RATER_EMAIL, LEAD_EMAIL)
    found = {email: auth_services.get_user_by_email(email) for email in emails}
    users = [user for user in found.values() if user is not None and user.is_active]
    if len(users) < len(emails):
        missing = [e for e, user in found.items() if user is None or not user.is_active]
        _hint(f"{', '.join(missing)} missing or deactivated.")
        return False
    master, rater, lead = users
    try:
        with db.session.begin_nested():
            seed_calibration(actor, version, master, [rater, lead])
            for key, title in CALIBRATED_RUBRICS.items():
                other = selection_services.latest_rubric_version(key)
                if other is None:
                    raise DemoMismatch(f"no {key} rubric is loaded.")
                seed_calibration(actor, other, master, [rater, lead], title=title,
                                  recordings=tuple(f"{title}, recording {n}" for n in (1, 2)))
            _seed_live(actor, version, rater, lead)
    except (DomainError, NotPermitted, NotFound, DemoMismatch) as error:
        _hint(getattr(error, "message", None) or str(error) or type(error).__name__)
        return False
    return True


def _demo_rubric_version(actor: Any) -> RubricVersion | None:
    """The latest recorded session-review version; the rubric files are loaded (as
    `rubrics load` would) when none is recorded yet."""
    versions = rubric_services.list_rubric_versions(actor, key=DEMO_RUBRIC)
    if not versions:
        try:
            rubric_services.load_rubric_files(actor)
        except rubric_services.RubricRejected as rejected:
            _hint(f"{rejected.message} Run `flask --app wsgi rubrics check`.")
            return None
        versions = rubric_services.list_rubric_versions(actor, key=DEMO_RUBRIC)
    if not versions:
        _hint(f"no {DEMO_RUBRIC} rubric in {current_app.config['COACHPROG_RUBRICS_DIR']}.")
        return None
    return versions[0]


def seed_calibration(actor: Any, version: RubricVersion, master: User,
                      raters: Sequence[User], *, title: str = DEMO_EXERCISE_TITLE,
                      recordings: Sequence[str] = DEMO_RECORDINGS) -> None:
    """A closed exercise: gold from master@, each rater at most one level off gold on one
    item, so all of them are calibrated for the rubric. Once per title."""
    exists = db.session.scalar(sa.select(CalibrationExercise.id).where(
        CalibrationExercise.title == title).limit(1))
    if exists is not None:
        return
    items = [assessment_evidence.create_evidence_item(actor, title=recording,
                                                      description=DEMO_EVIDENCE_NOTE)
             for recording in recordings]
    exercise = calibration_services.create_exercise(actor, calibration_services.ExerciseDraft(
        title=title, rubric_version_id=version.id, gold_rater_id=master.id,
        rater_ids=[user.id for user in raters], evidence_item_ids=[item.id for item in items]))
    rubric = version.to_domain()
    gold_profiles = (STRONG, MIXED)
    for number, (item, gold) in enumerate(zip(exercise.items, gold_profiles, strict=True)):
        submit_marks(master, item, "gold", gold.marks(rubric))
        for index, user in enumerate(raters):
            # Rater n is a level off gold on item n, exact elsewhere.
            nudge = (1 if index % 2 == 0 else -1) if index == number else 0
            submit_marks(user, item, "rater", gold.marks(rubric, nudge=nudge))
    decisions = calibration_services.close_exercise(actor, exercise.id)
    uncalibrated = [d.rater.email for d in decisions if not d.calibrated]
    if uncalibrated:
        raise DemoMismatch(f"the demo marks left {', '.join(uncalibrated)} uncalibrated for "
                           f"{version.rubric_key}.")


def demo_assessment(actor: Any, version: RubricVersion, subject: Person, *, evidence: str,
                    note: str, title: str, raters: Sequence[User],
                    blind: bool = False) -> Assessment:
    """An assessment of `subject` on a new demo evidence item (`evidence` its title, `note` its
    description; no file), with `raters` assigned in that order."""
    item = assessment_evidence.create_evidence_item(
        actor, title=evidence, description=note, subject_employee_id=subject.employee_id)
    assessment = assessment_services.create_assessment(
        actor, evidence_item_id=item.id, rubric_version_id=version.id, title=title, blind=blind)
    for user in raters:
        assessment_services.assign_rater(actor, assessment, user.id)
    return assessment


def submit_marks(user: User, assessment: Assessment, role: str,
            marks: tuple[dict[str, str], dict[str, str]]) -> None:
    """Submit `user`'s marks as they would on the scoring page."""
    assignment = next(a for a in assessment.assignments
                      if a.rater_id == user.id and a.role == role)
    values, notes = marks
    assessment_services.save_marks(user, assignment, values, notes, submit=True)


def _seed_live(actor: Any, version: RubricVersion, rater: User, lead: User) -> None:
    wanted = [live for live in DEMO_LIVE if db.session.scalar(
        sa.select(Assessment.id).where(Assessment.title == live.title).limit(1)) is None]
    if not wanted:
        return
    subjects = staff_free_of_conflicts(
        len(wanted), [rater, lead], among=50,
        shortfall="not enough people free of conflicts to be demo subjects.")
    rubric = version.to_domain()
    for live, subject in zip(wanted, subjects, strict=True):
        assessment = demo_assessment(
            actor, version, subject, evidence=f"Coaching session recording: {subject.name}",
            note=DEMO_EVIDENCE_NOTE, title=live.title, raters=(rater, lead), blind=live.blind)
        for user, marks in ((rater, live.rater), (lead, live.lead)):
            if marks is not None:
                profile, nudge = marks
                submit_marks(user, assessment, "rater", profile.marks(rubric, nudge=nudge))
        if assessment.status != live.status.value:
            raise DemoMismatch(f"{live.title} ended {assessment.status}, not {live.status.value}.")


def staff_free_of_conflicts(count: int, users: Sequence[User], *, among: int,
                            shortfall: str, from_the_end: bool = False) -> list[Person]:
    """`count` active staff (not demo account holders) none of `users` has a conflict with
    (neither is in the other's reporting line, no coaching relationship), taken from the
    first `among` in employee-id order (or from the end) so every machine picks the same
    people; `shortfall` says what was wanted when there are too few."""
    account_ids = {employee_id for _, _, employee_id in DEMO_ACCOUNTS if employee_id}
    order = Person.employee_id.desc() if from_the_end else Person.employee_id
    candidates = db.session.scalars(
        sa.select(Person).where(Person.active.is_(True), Person.employee_id.like("E2%"),
                                Person.employee_id.not_in(account_ids))
        .order_by(order).limit(among))
    chosen: list[Person] = []
    for person in candidates:
        if not any(find_conflicts(assessment_conflicts.relationship_facts(user, person.id))
                   for user in users):
            chosen.append(person)
            if len(chosen) == count:
                return chosen
    raise DemoMismatch(shortfall)


# --- a selection sprint ---------------------------------------------------------------------
