"""Supervision structure services: warnings from assignments, supervision events."""

from __future__ import annotations

from datetime import date

import pytest

from coachprog.audits.structure import services as structure_services
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.roles import Role
from tests.audits.builders import (
    ADMIN,
    coaches,
    supervise,
    supervisor,
    world,
)


def test_structure_warnings_from_assignments(clock) -> None:
    from tests.factories import PersonFactory, UserFactory

    master_person = PersonFactory(name="Mara Master")
    master = UserFactory(roles=[Role.MASTER_COACH], person_id=master_person.id)
    lead = supervisor()
    lead_person = db.session.get(type(master_person), lead.person_id)
    supervise(lead_person, master)
    coaches(3, lead)
    coaches(1)
    db.session.commit()
    view = structure_services.structure(ADMIN)
    texts = [w.text for w in view.warnings]
    assert any("Mara Master has 4 coaches under them; at least 8" in t for t in texts)
    assert any(t.endswith("has no supervisor.") for t in texts)
    assert view.roots and view.roots[0].name == "Mara Master"
    assert view.roots[0].descendant_count() == 4


def test_supervision_event(clock) -> None:
    w = world()
    with pytest.raises(DomainError) as info:
        structure_services.record_event(ADMIN, kind="party", title="", held_on=None,
                              attendee_person_ids=[999999])
    assert set(info.value.field_errors) == {"kind", "title", "held_on", "attendees"}
    event = structure_services.record_event(ADMIN, kind="case_clinic", title="November clinic",
                                  held_on=date(2026, 11, 5),
                                  attendee_person_ids=[c.id for c in w["a"][:3]])
    assert len(event.attendee_person_ids) == 3
