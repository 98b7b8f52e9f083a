"""Objects the safeguarding tests need: cases raised from a flag and by hand, and the people
the demo escalation paths name (policy/escalation_paths.yaml)."""

from __future__ import annotations

from typing import Any

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.safeguarding.escalations import services
from coachprog.safeguarding.escalations.models import EscalationCase
from tests.factories import PersonFactory, UserFactory

SYSTEM = SystemActor("test")
# Named under visible_to of the mental-health, harassment and discrimination paths.
PATH_ADMIN = "admin@demo.example"


def coach_user(**fields: Any) -> Any:
    person = PersonFactory()
    return UserFactory(roles=[Role.COACH], person_id=person.id, **fields)


def manual_case(category: str = "harassment", raiser: Any = None) -> EscalationCase:
    raiser = raiser or coach_user()
    return services.raise_case(raiser, category=category,
                               summary="Coachee J.D. described being shouted at daily.")


def matrix_case() -> dict[str, Any]:
    case = manual_case()
    db.session.commit()
    return {"case_id": case.id, "step_id": case.steps[0].id}
