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
                              attendees="E-NOBODY")
    assert set(info.value.field_errors) == {"kind", "title", "held_on", "attendees"}
    event = structure_services.record_event(ADMIN, kind="case_clinic", title="November clinic",
                                  held_on=date(2026, 11, 5),
                                  attendees=", ".join(c.employee_id for c in w["a"][:3]))
    assert len(event.attendee_person_ids) == 3


@pytest.mark.parametrize(("typed", "tokens"), [
    ("", []),
    (" , ;\n", []),
    ("ada@x.org, bob@x.org;E-1\nE-2  E-1", ["ada@x.org", "bob@x.org", "E-1", "E-2"]),
    ('Ada Lovelace <ada@x.org>; "Cleo Moss" <cleo@x.org>', ["ada@x.org", "cleo@x.org"]),
])
def test_typed_attendees_are_split_as_pasted(typed: str, tokens: list[str]) -> None:
    assert structure_services.split_attendees(typed) == tokens


def test_attendees_are_found_by_address_or_employee_id_and_strangers_named(clock) -> None:
    first, second, third = coaches(3)
    db.session.commit()
    typed = f"{first.email.upper()}, {second.employee_id}\nnobody@x.org; E-NOPE"
    with pytest.raises(DomainError) as info:
        structure_services.record_event(ADMIN, kind="case_clinic", title="Clinic",
                                        held_on=date(2026, 11, 5), attendees=typed)
    assert info.value.field_errors == {"attendees": [
        "Not in the directory (check the address or employee id): nobody@x.org, E-NOPE."]}
    event = structure_services.record_event(
        ADMIN, kind="case_clinic", title="Clinic", held_on=date(2026, 11, 5),
        attendees=f"{third.name} <{third.email}>, {first.email}, {second.employee_id}, "
                  f"{first.employee_id}")
    assert event.attendee_person_ids == sorted([first.id, second.id, third.id])
    assert structure_services.attendee_names([event]) == {
        c.id: c.name for c in (first, second, third)}
    many = ", ".join(f"E-{n}" for n in range(structure_services.MAX_ATTENDEES + 1))
    with pytest.raises(DomainError) as info:
        structure_services.record_event(ADMIN, kind="case_clinic", title="Clinic",
                                        held_on=date(2026, 11, 5), attendees=many)
    assert info.value.field_errors["attendees"] == ["At most 500 attendees per event."]
