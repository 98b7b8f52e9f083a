"""Registrations with lower packages: how the admin's account pages (coachprog.auth) find a
person by employee id. Imported by create_app."""

from __future__ import annotations

from typing import Any

from coachprog.auth.services import register_person_lookup
from coachprog.people import services


def _person_id(actor: Any, employee_id: str) -> int:
    # Looked up on the module at each call: the directory's one look-up, scoped to the actor.
    return services.get_person_by_employee_id(actor, employee_id).id


register_person_lookup(_person_id)
