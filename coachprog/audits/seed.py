"""Demo supervision and audit data for `flask seed`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

DEMO_SEED = 2026


def seed_demo(actor: Any) -> bool:
    """Add this domain's demo data; running it again adds nothing. True when it added some.

    A supervision tree (master@ over lead@, lead@ over every active coach without a
    supervisor), the current quarter's sample, and one audit decided by master@."""
    from coachprog.audits import services
    from coachprog.audits.models import Audit
    from coachprog.auth.models import User
    from coachprog.coaching.models import SupervisorAssignment
    from coachprog.coaching.services import active_coach_ids
    from coachprog.db import utcnow
    from coachprog.extensions import db

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
    quarter = services.current_quarter()
    sample = services.current_sample(quarter)
    if sample is None:
        sample = services.draw(actor, quarter, seed=DEMO_SEED)
        added = True
    if sample.audits and not any(a.outcome for a in sample.audits):
        audit: Audit = sample.audits[0]
        audit.auditor_user_id = audit.auditor_user_id or master.id
        audit.observed = True
        audit.findings = ("Demo: agreement made in the coachee's words; two moments of "
                          "advising (14:20, 31:05) quickly turned back into questions.")
        audit.outcome, audit.decided_at = "meets_standard", utcnow()
        audit.decided_by_id = audit.auditor_user_id
        added = True
    db.session.flush()
    return added


COHORT_NAME = "Demo cohort (audits)"
COHORT_SIZE = 12


def _appoint_demo_cohort(skip_person_id: int | None) -> bool:
    """When no earlier seed appointed anyone, appoint a small demo cohort from the directory
    (people without an account), so the audit demo has a population. Idempotent by name."""
    from datetime import date

    from coachprog.auth.models import User
    from coachprog.extensions import db
    from coachprog.people.models import Person
    from coachprog.selection.models import Candidate, Sprint

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
