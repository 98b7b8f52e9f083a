"""The demo's scoring story (issue 21), run after every domain's demo data:

- master@ is calibrated for every rubric the demo sprint and the session reviews use, so the
  rater lists offer them (they set the gold marks of the other demo exercises, so their own
  gold comes from a second external master coach, an account that only sets gold marks);
- a blind session review of coach@'s recorded session (the LibriVox clip the coaching seed
  stores, with its transcript and the coach's session notes as an evidence document) waits on
  rater@'s list: rater@ hears the tag-free audio, reads the transcript with the names
  replaced and scores it beside the rubric. lead@ supervises coach@ and master@ supervises
  lead@, so a blind review of the session could not be blind for them: rater@ alone rates it;
- master@ supervises the demo coach whose sessions drift toward advice (the fidelity seed's
  coach, beside lead@), so the master coach reviews that coach's fidelity signals and can
  close the drift flag; "Demo session review 3" already waits for master@'s moderation.

Idempotent: each part is skipped when its marker (an exercise's or the assessment's title, the
gold account's e-mail) exists. A refusal rolls back this part only and says why on stderr."""

from __future__ import annotations

import io
import secrets
from typing import Any

import click
import sqlalchemy as sa

from coachprog.assessments import evidence as assessment_evidence
from coachprog.assessments import services as assessment_services
from coachprog.assessments.models import Assessment
from coachprog.auth import services as auth_services
from coachprog.auth.models import User
from coachprog.calibration.models import CalibrationExercise
from coachprog.coaching.models import Engagement, SupervisorAssignment
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.recordings.models import CoachingSession, Recording
from coachprog.roles import Role
from coachprog.rubrics.models import RubricVersion
from coachprog.seed import coaching as coaching_seed
from coachprog.seed import fidelity as fidelity_seed
from coachprog.seed.assessments import CALIBRATED_RUBRICS, DEMO_RUBRIC, seed_calibration
from coachprog.seed.marks import DemoMismatch
from coachprog.seed.people import MASTER_EMAIL, RATER_EMAIL

GOLD_EMAIL = "gold@demo.example"
GOLD_NAME = "Rowan Hale (external master coach)"
MASTER_EXERCISE = "Demo calibration (master coach): {title}"
RECORDED_REVIEW = "Demo recorded session review"
SESSION_NOTES = (
    "Session notes (written by the coach after the session)\n\n"
    "Contracting: the coachee chose the topic, preparing a first conversation with a new "
    "team. Agreed to record the session.\n"
    "What happened: mostly open questions; one moment where I offered my own view, which I "
    "named and handed back.\n"
    "Agreed action: the coachee drafts the opening lines of the conversation before the next "
    "session.\n"
)


def seed_demo(actor: Any) -> bool:
    """Add the scoring story; running it again adds nothing. True when it added some."""
    master = auth_services.get_user_by_email(MASTER_EMAIL)
    rater = auth_services.get_user_by_email(RATER_EMAIL)
    if master is None or rater is None:
        return False
    try:
        with db.session.begin_nested():
            added = _calibrate_master(actor, master)
            added = _recorded_review(actor, rater) or added
            added = _master_over_drifting_coach(actor, master) or added
    except (DomainError, NotPermitted, NotFound, DemoMismatch) as error:
        click.echo("Demo scoring story not seeded: "
                   f"{getattr(error, 'message', None) or error}", err=True)
        return False
    return added


def _gold_setter(actor: Any) -> User:
    """The second external master coach, who sets the gold marks master@ is calibrated
    against (a password nobody knows: an admin issues a reset link if it is ever needed)."""
    user = auth_services.get_user_by_email(GOLD_EMAIL)
    if user is None:
        user = auth_services.create_user(actor, email=GOLD_EMAIL, display_name=GOLD_NAME,
                                         password=secrets.token_urlsafe(24),
                                         roles=(Role.MASTER_COACH,), check_password=False)
    return user


def _latest(key: str) -> RubricVersion | None:
    return db.session.scalar(sa.select(RubricVersion).where(RubricVersion.rubric_key == key)
                             .order_by(RubricVersion.version.desc()).limit(1))


def _calibrate_master(actor: Any, master: User) -> bool:
    """master@ calibrated for the session review and each rubric of the demo sprint and the
    capstones, once per rubric (by the exercise's title)."""
    wanted = {DEMO_RUBRIC: "coaching session review", **{
        key: title.removeprefix("Demo calibration: ") for key, title in CALIBRATED_RUBRICS.items()}}
    added = False
    for key, name in wanted.items():
        title = MASTER_EXERCISE.format(title=name)
        if db.session.scalar(sa.select(CalibrationExercise.id).where(
                CalibrationExercise.title == title).limit(1)) is not None:
            continue
        version = _latest(key)
        if version is None:
            raise DemoMismatch(f"no {key} rubric is loaded.")
        seed_calibration(actor, version, _gold_setter(actor), [master], title=title,
                          recordings=tuple(f"{title}, recording {n}" for n in (1, 2)))
        added = True
    return added


def _coach_recording() -> Recording | None:
    """coach@'s transcribed demo recording (the coaching seed's engagement)."""
    return db.session.scalar(
        sa.select(Recording).join(CoachingSession).join(Engagement)
        .where(Engagement.goals == coaching_seed.DEMO_GOALS,
               Recording.storage_name.is_not(None))
        .order_by(Recording.id).limit(1))


def _recorded_review(actor: Any, rater: User) -> bool:
    """The blind review of coach@'s recorded session, assigned to rater@ (once, by title)."""
    if db.session.scalar(sa.select(Assessment.id).where(
            Assessment.title == RECORDED_REVIEW).limit(1)) is not None:
        return False
    recording = _coach_recording()
    version = _latest(DEMO_RUBRIC)
    if recording is None or version is None:
        return False
    coach = recording.session.engagement.coach
    evidence = assessment_evidence.create_evidence_item(
        actor, title=f"Recorded coaching session: {coach.name}, "
        f"{recording.session.session_date:%Y-%m-%d}",
        description="A short recorded session of a trainee coach, transcribed, with the "
        "coach's own session notes attached.",
        subject_employee_id=coach.employee_id, recording_id=recording.id,
        attachment=assessment_evidence.Upload("session-notes.txt",
                                              io.BytesIO(SESSION_NOTES.encode())))
    assessment = assessment_services.create_assessment(
        actor, evidence_item_id=evidence.id, rubric_version_id=version.id,
        title=RECORDED_REVIEW, blind=True)
    assessment_services.assign_rater(actor, assessment, rater.id)
    return True


def _master_over_drifting_coach(actor: Any, master: User) -> bool:
    """master@ as a supervisor of the fidelity demo coach (once: the assignment is the
    marker)."""
    coach_id = db.session.scalar(sa.select(Engagement.coach_person_id).where(
        Engagement.goals == fidelity_seed.DEMO_GOALS).limit(1))
    if coach_id is None or db.session.scalar(sa.select(SupervisorAssignment.id).where(
            SupervisorAssignment.coach_person_id == coach_id,
            SupervisorAssignment.supervisor_user_id == master.id).limit(1)) is not None:
        return False
    db.session.add(SupervisorAssignment(coach_person_id=coach_id, supervisor_user_id=master.id,
                                        assigned_by_id=getattr(actor, "id", None)))
    db.session.flush()
    return True
