"""Peer-triad services against the database: forming a triad within one program, logging
rounds as observer with the suggested rotation, the pending ledger entries a round creates
(and skips where a member logged the time already), and who sees a triad."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.practicum.ledger import domain as ledger_rules
from coachprog.practicum.ledger.models import LedgerEntry, PracticumEnrolment, PracticumProgram
from coachprog.practicum.triads import services
from coachprog.roles import Role
from tests.factories import PersonFactory, UserFactory
from tests.practicum.builders import NOW, enrolled_trainee, entry

pytestmark = pytest.mark.usefixtures("clock")
DAY = (NOW - timedelta(days=1)).date()


def trio():
    """Three enrolled trainees of the default program: [(person, user, supervisor)]."""
    return [enrolled_trainee() for _ in range(3)]


def formed(members):
    (_, a_user, _), (b, _, _), (c, _, _) = members
    return services.form_triad(a_user, name="Tuesday triad", partner_ids=(b.id, c.id))


def round_draft(members, *, coach=0, client=1, observer=2, **fields):
    values = {"day": DAY, "at": time(14), "minutes": 90,
              "coach_id": members[coach][0].id, "client_id": members[client][0].id,
              "observer_id": members[observer][0].id, "feedback": "Strong contracting."}
    values.update(fields)
    return services.RoundDraft(**values)


def test_forming_a_triad_of_one_program() -> None:
    members = trio()
    triad = formed(members)
    assert triad.member_ids == tuple(m[0].id for m in members)
    assert triad.name == "Tuesday triad"
    partners = services.possible_partners(members[0][1])
    assert {p.id for p in partners} == {members[1][0].id, members[2][0].id}


def test_forming_refusals() -> None:
    members = trio()
    a_user, b, c = members[0][1], members[1][0], members[2][0]
    with pytest.raises(DomainError) as refused:
        services.form_triad(a_user, name="", partner_ids=(b.id, None))
    assert set(refused.value.field_errors) == {"name", "members"}
    with pytest.raises(DomainError, match="not formed"):
        services.form_triad(a_user, name="T", partner_ids=(b.id, b.id))
    other_program = PracticumProgram(name="Short practicum", weeks_min=6, weeks_max=8)
    db.session.add(other_program)
    db.session.flush()
    db.session.get(PracticumEnrolment, db.session.scalar(sa.select(PracticumEnrolment.id).where(
        PracticumEnrolment.person_id == c.id))).program_id = other_program.id
    with pytest.raises(DomainError) as refused:
        services.form_triad(a_user, name="T", partner_ids=(b.id, c.id))
    assert "same practicum program" in refused.value.field_errors["members"][0]
    loose = PersonFactory()
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        services.form_triad(a_user, name="T", partner_ids=(b.id, loose.id))
    assert "enrolled" in refused.value.field_errors["members"][0]


def test_the_same_three_form_one_triad_only() -> None:
    members = trio()
    formed(members)
    with pytest.raises(DomainError) as refused:
        services.form_triad(members[1][1], name="Again", partner_ids=(members[0][0].id,
                                                                    members[2][0].id))
    assert "already form a triad" in refused.value.field_errors["members"][0]


def test_a_round_creates_pending_ledger_entries_with_each_role() -> None:
    members = trio()
    triad = formed(members)
    logged = services.log_round(members[2][1], triad.id, round_draft(members))
    row = logged.round
    assert (row.number, row.minutes, row.feedback) == (1, 90, "Strong contracting.")
    assert logged.skipped == []
    entries = db.session.scalars(sa.select(LedgerEntry).order_by(LedgerEntry.person_id)).all()
    assert sorted(row.ledger_entry_ids) == sorted(e.id for e in entries)
    by_person = {e.person_id: e for e in entries}
    for (person, _, _), role in zip(members, ("coach", "client", "observer"), strict=True):
        e = by_person[person.id]
        assert (e.kind, e.triad_role, e.status, e.minutes) == (
            ledger_rules.TRIAD, role, ledger_rules.PENDING, 90)


def test_a_member_who_logged_the_time_already_gets_no_second_entry() -> None:
    members = trio()
    triad = formed(members)
    entry(members[0][0], days_ago=1, hour=14, kind=ledger_rules.TRIAD, coachee=None,
          triad_role="coach")
    logged = services.log_round(members[2][1], triad.id, round_draft(members))
    assert [p.id for p, _ in logged.skipped] == [members[0][0].id]
    assert "Overlaps another entry" in logged.skipped[0][1]
    assert len(logged.round.ledger_entry_ids) == 2


def test_rotation_suggests_everyone_every_role_in_three_rounds() -> None:
    members = trio()
    triad = formed(members)
    ids = triad.member_ids
    for number in range(3):
        roles = services.suggested_roles(triad)
        observer = next(m for m in members if m[0].id == roles["observer"])
        services.log_round(observer[1], triad.id, services.RoundDraft(
            day=DAY - timedelta(days=number), at=time(9), minutes=60,
            coach_id=roles["coach"], client_id=roles["client"], observer_id=roles["observer"],
            feedback=f"Round {number + 1}."))
        db.session.refresh(triad)
    assert services.roles_missing(triad) == {m: [] for m in ids}
    assert [r.number for r in triad.rounds] == [1, 2, 3]


@pytest.mark.parametrize(("logger", "fields", "field"), [
    (0, {}, "roles"),  # the coach may not log: the observer does
    (2, {"observer_id": None}, "roles"),
    (2, {"minutes": None}, "minutes"),
    (2, {"minutes": 0}, "minutes"),
    (2, {"day": None}, "day"),
    (2, {"day": (NOW + timedelta(days=2)).date()}, "day"),
    (2, {"feedback": ""}, "feedback"),
])
def test_bad_rounds_are_refused(logger, fields, field) -> None:
    members = trio()
    triad = formed(members)
    with pytest.raises(DomainError) as refused:
        services.log_round(members[logger][1], triad.id, round_draft(members, **fields))
    assert field in refused.value.field_errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0


def test_overlapping_rounds_are_refused() -> None:
    members = trio()
    triad = formed(members)
    services.log_round(members[2][1], triad.id, round_draft(members))
    with pytest.raises(DomainError) as refused:
        services.log_round(members[0][1], triad.id, round_draft(
            members, coach=1, client=2, observer=0, at=time(15)))
    assert "Overlaps round 1" in refused.value.field_errors["day"][0]


def test_who_sees_a_triad() -> None:
    members = trio()
    triad = formed(members)
    supervisor_of_b = members[1][2]
    assert services.get_triad(supervisor_of_b, triad.id).id == triad.id
    assert [t.id for t in services.triads_of(supervisor_of_b, members[1][0].id)] == [triad.id]
    assert [t.id for t in services.triads_of(members[0][1], members[0][0].id)] == [triad.id]
    outsider_person, outsider, outsider_supervisor = enrolled_trainee()
    admin = UserFactory(roles=[Role.ADMIN])
    sponsor = UserFactory(roles=[Role.SPONSOR], person_id=None)
    manager_person = PersonFactory()
    db.session.flush()
    members[0][0].manager_id = manager_person.id
    manager = UserFactory(roles=[Role.MANAGER, Role.LEAD_COACH], person_id=manager_person.id)
    db.session.flush()
    for user in (outsider, outsider_supervisor, admin, sponsor, manager):
        with pytest.raises(NotPermitted):
            services.get_triad(user, triad.id)
    with pytest.raises(NotPermitted):
        services.triads_of(outsider, members[0][0].id)
    with pytest.raises(NotPermitted):  # a supervisor sees but does not log
        services.log_round(supervisor_of_b, triad.id, round_draft(members))
    with pytest.raises(NotFound):
        services.get_triad(members[0][1], 999_999)
    assert outsider_person.id not in triad.member_ids
