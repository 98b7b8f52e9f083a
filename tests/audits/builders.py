"""Objects the audits tests need: coaches with supervisors, calibrated auditors, a drawn
sample. Everything is flushed; the test commits. `matrix_*` set up the access matrix."""

from __future__ import annotations

from datetime import date
from typing import Any

from coachprog.audits import services
from coachprog.audits.models import Audit
from coachprog.audits.sampling import services as sampling_services
from coachprog.auth.models import User
from coachprog.authority import SystemActor
from coachprog.coaching.models import SupervisorAssignment
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.roles import Role
from tests.assessments.builders import calibrate
from tests.coaching.builders import appointed_coach
from tests.factories import PersonFactory, UserFactory

ADMIN = SystemActor("tests")


def supervisor(role: Role = Role.LEAD_COACH, **fields: Any) -> User:
    person = PersonFactory()
    user: User = UserFactory(roles=[role], person_id=person.id, **fields)
    return user


def auditor(*, calibrated: bool = True, role: Role = Role.MASTER_COACH,
            expired: bool = False, rubric: str = "audit") -> User:
    person = PersonFactory()
    user: User = UserFactory(roles=[role], person_id=person.id)
    if calibrated:
        calibrate(user, rubric, expired=expired)
    return user


def supervise(coach: Person, sup: User) -> None:
    db.session.add(SupervisorAssignment(coach_person_id=coach.id, supervisor_user_id=sup.id))
    db.session.flush()


def coaches(count: int, sup: User | None = None) -> list[Person]:
    made = [appointed_coach(manager=None) for _ in range(count)]
    if sup is not None:
        for coach in made:
            supervise(coach, sup)
    return made


def session_for(coach: Person, day: date) -> Any:
    from coachprog.recordings.models import CoachingSession
    from tests.coaching.builders import engagement

    row = engagement(coach, PersonFactory())
    sess = CoachingSession(engagement_id=row.id, session_date=day, duration_minutes=45)
    db.session.add(sess)
    db.session.flush()
    return sess


def matrix_audit() -> dict[str, Any]:
    """A sample with one audit whose auditor is not the matrix user."""
    auditor()
    coaches(3, supervisor())
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=1)
    audit: Audit = sample.audits[0]
    db.session.commit()
    return {"sample_id": sample.id, "audit_id": audit.id}


def matrix_audit_recording() -> dict[str, Any]:
    """A sampled coach's recorded session chosen for audit by its (other) auditor."""
    from pathlib import Path

    from tests.recordings.recording_builders import session, stored_recording, world

    w = world()
    assert w.consent is not None
    recording = stored_recording(session(w.engagement, date(2026, 10, 20)), w.consent,
                                 Path("/nonexistent"))
    chosen_by = auditor()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=1)
    audit: Audit = sample.audits[0]
    assert audit.auditor_user_id == chosen_by.id
    services.choose_session(chosen_by, audit.id, recording.session_id)
    db.session.commit()
    return {"audit_id": audit.id, "recording_id": recording.id}


def matrix_action() -> dict[str, Any]:
    found = matrix_audit()
    audit = db.session.get(Audit, found["audit_id"])
    assert audit is not None
    audit.outcome = "needs_development"
    from coachprog.audits.models import CorrectiveAction

    action = CorrectiveAction(audit_id=audit.id, kind="retraining", due_on=date(2027, 1, 15))
    db.session.add(action)
    db.session.commit()
    return {**found, "action_id": action.id}


def full_marks(level: str = "max") -> dict[str, str]:
    """A complete set of marks on the loaded audit rubric (empty when none is loaded)."""
    rubric = services.audit_rubric()
    if rubric is None:
        return {}
    pick = max if level == "max" else min
    return {b.id: str(pick(b.valid_values())) for b in rubric.behaviours}


def world() -> dict:
    """Two supervisor groups (7 and 3 coaches), two coaches with no supervisor, three
    calibrated auditors; committed."""
    lead_a, lead_b = supervisor(), supervisor()
    group_a, group_b = coaches(7, lead_a), coaches(3, lead_b)
    loners = coaches(2)
    masters = [auditor(), auditor(), auditor()]
    db.session.commit()
    return {"leads": (lead_a, lead_b), "a": group_a, "b": group_b, "loners": loners,
            "masters": masters}
