"""Objects the coaching tests need: appointed coaches (a Candidate at stage `appointed`),
their paperwork, engagements, evaluation relationships. Everything is flushed; the test
commits. The `matrix_*` functions set up the access matrix (they commit)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from coachprog.coaching.models import CoachPaperwork, Engagement, EvaluationRelationship
from coachprog.coaching.paperwork.consent_templates import PLACEHOLDER_CONSENT_VERSION
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.models import Person
from coachprog.roles import Role
from coachprog.selection.models import Candidate, Sprint
from tests.factories import PersonFactory, UserFactory

SIGNED_AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
_UNSET: Any = object()


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def user_of(person: Person, *roles: Role) -> Any:
    return UserFactory(person_id=person.id, roles=list(roles))


def sprint(name: str = "Spring sprint") -> Sprint:
    row = Sprint(name=name, capacity=6, start_date=date(2025, 1, 6))
    db.session.add(row)
    db.session.flush()
    return row


def candidate(person: Person, stage: str = "appointed") -> Candidate:
    row = Candidate(sprint_id=sprint().id, person_id=person.id, route="application",
                    stage=stage, furthest_stage=stage)
    db.session.add(row)
    db.session.flush()
    return row


def appointed_coach(*, manager: Person | None = _UNSET, **fields: Any) -> Person:
    """An appointed coach; by default with a manager of their own in the directory."""
    if manager is _UNSET:
        manager = PersonFactory(name="Morgan Manager")
    person: Person = PersonFactory(manager=manager, **fields)
    candidate(person)
    return person


def paperwork(coach: Person, *, percent: float | None = 15.0, weekly_hours: float = 40.0,
              signed: bool = True, consent: str | None = PLACEHOLDER_CONSENT_VERSION,
              profile: bool = True) -> CoachPaperwork:
    row = CoachPaperwork(
        coach_person_id=coach.id, protected_percent=percent, weekly_hours=weekly_hours,
        manager_person_id=coach.manager_id if percent is not None else None,
        non_evaluator_clause_accepted=signed,
        manager_signed_at=SIGNED_AT if signed else None,
        coach_signed_at=SIGNED_AT if signed else None,
        consent_template_version=consent,
        role_scope="Leadership transitions for new managers" if profile else "",
        escalation_paths="Wellbeing concerns to HR business partner" if profile else "",
        supervision_arrangement="Monthly group supervision with a master coach"
        if profile else "")
    db.session.add(row)
    db.session.flush()
    return row


def ready_coach(**fields: Any) -> Person:
    """An appointed coach whose paperwork is complete (15 % of 40 h: 6 h a week)."""
    coach = appointed_coach(**fields)
    paperwork(coach)
    return coach


def engagement(coach: Person, coachee: Person, *, hours: float = 1.0,
               status: str = "active", goals: str = "Lead the new team") -> Engagement:
    row = Engagement(coach_person_id=coach.id, coachee_person_id=coachee.id,
                     start_date=date(2025, 4, 1), goals=goals, kpi_name="Team engagement",
                     session_cap=8, hours_per_week=hours, status=status,
                     ended_at=SIGNED_AT if status == "ended" else None)
    db.session.add(row)
    db.session.flush()
    return row


def evaluation(evaluator: Person, evaluated: Person) -> EvaluationRelationship:
    row = EvaluationRelationship(evaluator_person_id=evaluator.id,
                                 evaluated_person_id=evaluated.id, note="Matrix manager")
    db.session.add(row)
    db.session.flush()
    return row


# --- for the access matrix (setup functions return URL parts) ----------------------------------


def matrix_coach() -> dict[str, Any]:
    coach = appointed_coach()
    paperwork(coach, signed=False)
    db.session.commit()
    return {"coach_person_id": coach.id}


def matrix_engagement() -> dict[str, Any]:
    row = engagement(ready_coach(), PersonFactory())
    db.session.commit()
    return {"engagement_id": row.id}


def matrix_evaluation() -> dict[str, Any]:
    evaluated = PersonFactory()
    row = evaluation(PersonFactory(), evaluated)
    db.session.commit()
    return {"evaluated_person_id": evaluated.id, "relationship_id": row.id}
