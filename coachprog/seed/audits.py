"""Demo supervision and audit data for `flask seed`."""

from __future__ import annotations

from datetime import date
from typing import Any

import click
import sqlalchemy as sa

from coachprog.assessments import evidence as assessment_evidence
from coachprog.assessments import services as assessment_services
from coachprog.assessments.exercises import services as calibration_services
from coachprog.audits.models import Audit
from coachprog.audits.sampling import assignment
from coachprog.audits.sampling import services as sampling
from coachprog.auth.models import User
from coachprog.calibration.models import CalibrationExercise
from coachprog.coaching.models import SupervisorAssignment
from coachprog.coaching.roster.services import active_coach_ids
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.rubrics.models import RubricVersion
from coachprog.seed.fidelity import seed_fidelity
from coachprog.seed.marks import MIXED, STRONG
from coachprog.selection.models import Candidate, Sprint

DEMO_SEED = 2026


def seed_demo(actor: Any) -> bool:
    """Add this domain's demo data; running it again adds nothing. True when it added some.

    A supervision tree (master@ over lead@, lead@ over every active coach without a
    supervisor), rater@ calibrated for the audit rubric (a closed calibration exercise with
    master@'s gold marks) so the draw assigns an auditor, three demo transcripts of one coach
    (`seed.fidelity`: signals and a drift flag), the current quarter's sample, and
    one audit decided by its auditor; the others stay open on rater@'s list."""
    master = db.session.scalar(sa.select(User).where(User.email == "master@demo.example"))
    lead = db.session.scalar(sa.select(User).where(User.email == "lead@demo.example"))
    if master is None or lead is None:
        return False
    added = _appoint_demo_cohort(lead.person_id) if not active_coach_ids() else False
    coaches = sorted(active_coach_ids())
    if not coaches:
        return added
    supervised = set(db.session.scalars(sa.select(SupervisorAssignment.coach_person_id)))
    for coach_id in coaches:
        if coach_id not in supervised and coach_id != lead.person_id:
            db.session.add(SupervisorAssignment(coach_person_id=coach_id,
                                                supervisor_user_id=lead.id,
                                                assigned_by_id=getattr(actor, "id", None)))
            added = True
    if lead.person_id is not None and lead.person_id not in supervised:
        db.session.add(SupervisorAssignment(coach_person_id=lead.person_id,
                                            supervisor_user_id=master.id))
        added = True
    db.session.flush()

    added = seed_fidelity(actor, lead) or added
    added = _calibrate_auditor(actor, master) or added
    quarter = sampling.current_quarter()
    sample = sampling.current_sample(quarter)
    if sample is None:
        sample = sampling.draw(actor, quarter, seed=DEMO_SEED)
        added = True
    else:
        added = _assign_open(actor, sample) or added
    assigned = [a for a in sample.audits if a.auditor_user_id is not None]
    if assigned and not any(a.outcome for a in sample.audits):
        # Decided by its auditor, so the demo never bypasses the auditor rules.
        audit: Audit = assigned[0]
        audit.observed = True
        audit.findings = ("Demo: agreement made in the coachee's words; two moments of "
                          "advising (14:20, 31:05) quickly turned back into questions.")
        audit.outcome, audit.decided_at = "meets_standard", utcnow()
        audit.decided_by_id = audit.auditor_user_id
        added = True
    db.session.flush()
    return added


AUDIT_EXERCISE_TITLE = "Demo calibration: session audit"
AUDIT_EVIDENCE = ("Demo audit calibration recording 1", "Demo audit calibration recording 2")
RATER_EMAIL = "rater@demo.example"


def _hint(message: str) -> None:
    click.echo(f"Demo audit calibration not seeded: {message}", err=True)


def _calibrate_auditor(actor: Any, master: Any) -> bool:
    """A closed calibration exercise on the audit rubric: gold from master@, rater@ one level
    off gold on one item, so rater@ is calibrated for audits (master@, who sets gold, is not
    calibrated by it). Once only (by title). A refusal (no audit rubric, rater@ missing or
    without the rater role) rolls back this part only and is explained on stderr."""
    if db.session.scalar(sa.select(CalibrationExercise.id).where(
            CalibrationExercise.title == AUDIT_EXERCISE_TITLE).limit(1)) is not None:
        return False
    rater = db.session.scalar(sa.select(User).where(User.email == RATER_EMAIL))
    version = db.session.scalar(sa.select(RubricVersion).where(
        RubricVersion.rubric_key == "audit").order_by(RubricVersion.version.desc()))
    if rater is None or not rater.is_active or version is None:
        return False
    try:
        with db.session.begin_nested():
            items = [assessment_evidence.create_evidence_item(
                actor, title=title, description="A made-up session for the audit calibration "
                "demo: there is no recording.") for title in AUDIT_EVIDENCE]
            exercise = calibration_services.create_exercise(
                actor, calibration_services.ExerciseDraft(
                    title=AUDIT_EXERCISE_TITLE, rubric_version_id=version.id,
                    gold_rater_id=master.id, rater_ids=[rater.id],
                    evidence_item_ids=[item.id for item in items]))
            rubric = version.to_domain()
            for number, (item, gold) in enumerate(zip(exercise.items, (STRONG, MIXED),
                                                      strict=True)):
                for user, role, nudge in ((master, "gold", 0),
                                          (rater, "rater", 1 if number == 0 else 0)):
                    assignment = next(a for a in item.assignments
                                      if a.rater_id == user.id and a.role == role)
                    values, notes = gold.marks(rubric, nudge=nudge)
                    assessment_services.save_marks(user, assignment, values, notes,
                                                   submit=True)
            decisions = calibration_services.close_exercise(actor, exercise.id)
            if not all(d.calibrated for d in decisions):
                raise DomainError("the demo marks left rater@ uncalibrated for audits.")
    except (DomainError, NotPermitted, NotFound) as error:
        _hint(getattr(error, "message", None) or str(error) or type(error).__name__)
        return False
    return True


def _assign_open(actor: Any, sample: Any) -> bool:
    """A sample drawn before anyone was calibrated (an older demo database): give its open,
    unassigned audits an auditor under the same rules as the draw (least load, then lowest
    id). Nothing changes when no one is eligible or everything is assigned."""
    changed = False
    for audit in sample.audits:
        if audit.outcome is not None or audit.auditor_user_id is not None:
            continue
        load = {u.id: n for u, n in assignment.auditor_loads()}
        eligible = [u for u in assignment.auditor_pool()
                    if assignment.auditor_refusal(u, audit.coach_person_id) is None]
        if eligible:
            best = min(eligible, key=lambda u: (load.get(u.id, 0), u.id))
            assignment.assign_auditor(actor, audit.id, best.id)
            changed = True
    return changed


COHORT_NAME = "Demo cohort (audits)"
COHORT_SIZE = 12


def _appoint_demo_cohort(skip_person_id: int | None) -> bool:
    """When no earlier seed appointed anyone, appoint a small demo cohort from the directory
    (people without an account), so the audit demo has a population. Idempotent by name."""
    if db.session.scalar(sa.select(Sprint.id).where(Sprint.name == COHORT_NAME)) is not None:
        return False
    with_account = sa.select(User.person_id).where(User.person_id.is_not(None))
    people = list(db.session.scalars(sa.select(Person).where(
        Person.active.is_(True), Person.id.not_in(with_account),
        Person.manager_id.is_not(None)).order_by(Person.employee_id).limit(COHORT_SIZE)))
    people = [p for p in people if p.id != skip_person_id]
    if not people:
        return False
    sprint = Sprint(name=COHORT_NAME, capacity=len(people), start_date=date(2026, 1, 12))
    db.session.add(sprint)
    db.session.flush()
    for person in people:
        db.session.add(Candidate(sprint_id=sprint.id, person_id=person.id, route="application",
                                 stage="appointed", furthest_stage="appointed"))
    db.session.flush()
    return True
