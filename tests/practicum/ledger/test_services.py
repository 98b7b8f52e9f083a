"""Ledger services: enrolment, logging, verification, verified hours, the contract."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.practicum.ledger import domain, services
from coachprog.practicum.ledger.models import LedgerEntry
from coachprog.roles import Role
from tests.factories import PersonFactory, UserFactory
from tests.practicum.builders import NOW, enrolled_trainee, entry

pytestmark = pytest.mark.usefixtures("clock")

YESTERDAY = (NOW - timedelta(days=1)).date()


def draft(**kw: object) -> services.EntryDraft:
    fields: dict[str, object] = {"kind": domain.COACHED, "day": YESTERDAY, "at": time(10),
                                 "minutes": 60, "coachee": "Client A"}
    fields.update(kw)
    return services.EntryDraft(**fields)  # type: ignore[arg-type]


def test_log_entries_saves_a_week_pending_in_utc() -> None:
    person, trainee, _ = enrolled_trainee()
    rows = services.log_entries(trainee, person.id, [
        draft(), draft(kind=domain.LAB, at=time(14), minutes=90, coachee=""),
        draft(kind=domain.TRIAD, at=time(16), triad_role="observer", coachee="")])
    db.session.commit()
    assert [r.status for r in rows] == [domain.PENDING] * 3
    assert rows[0].starts_at.hour == 10 and rows[0].starts_at.utcoffset() == timedelta(0)
    assert rows[1].coachee_pseudonym is None  # only coached sessions carry a pseudonym
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "practicum.entries_logged")) == 1


def test_log_entries_converts_local_time_to_utc() -> None:
    person, trainee, _ = enrolled_trainee()
    (row,) = services.log_entries(trainee, person.id, [draft(zone="Europe/Berlin")])
    assert row.starts_at.hour == 9  # 10:00 CET is 09:00 UTC in March before DST


def test_log_entries_is_all_or_nothing_with_row_errors() -> None:
    person, trainee, _ = enrolled_trainee()
    entry(person, days_ago=1, hour=10)
    db.session.commit()
    with pytest.raises(services.LedgerRejected) as caught:
        services.log_entries(trainee, person.id, [
            draft(at=time(12)), draft(at=time(10, 30)), draft(day=NOW.date() + timedelta(1)),
            draft(minutes=0), draft(minutes=600),
            draft(is_group=True, group_size=None, at=time(20))])
    rows = caught.value.row_errors
    assert set(rows) == {1, 2, 3, 4, 5}
    assert "Overlaps" in rows[1]["day"]
    assert "future" in rows[2]["day"]
    assert "more than zero" in rows[3]["minutes"]
    assert "8 hours" in rows[4]["minutes"]
    assert "group size" in rows[5]["group_size"]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 1


def test_log_entries_needs_enrolment_and_is_own_only() -> None:
    person, trainee, supervisor = enrolled_trainee()
    with pytest.raises(NotPermitted):
        services.log_entries(supervisor, person.id, [draft()])
    stranger = PersonFactory()
    user = UserFactory(roles=[Role.COACH], person_id=stranger.id)
    with pytest.raises(DomainError, match="not enrolled"):
        services.log_entries(user, stranger.id, [draft()])
    with pytest.raises(DomainError, match="at least one row"):
        services.log_entries(trainee, person.id, [])


def test_review_verify_and_query_and_verified_only_counts() -> None:
    person, trainee, supervisor = enrolled_trainee()
    a, b = entry(person, days_ago=2), entry(person, days_ago=3, coachee="Client B")
    assert services.hours_summary(person.id).coached_hours == 0
    services.review_entry(supervisor, a.id, decision="verify", comment="")
    with pytest.raises(DomainError) as caught:
        services.review_entry(supervisor, b.id, decision="query", comment=" ")
    assert "comment" in caught.value.field_errors
    services.review_entry(supervisor, b.id, decision="query", comment="Which engagement?")
    assert b.status == domain.QUERIED and b.reviewed_by_id == supervisor.id
    summary = services.hours_summary(person.id)
    assert summary.coached_hours == 1.0 and summary.unique_coachees == 1
    assert not summary.coached_target_met
    with pytest.raises(DomainError, match="verified already"):
        services.review_entry(supervisor, a.id, decision="query", comment="x")
    with pytest.raises(NotPermitted):
        services.review_entry(trainee, b.id, decision="verify", comment="")


def test_trainee_answers_a_query_and_it_waits_again() -> None:
    person, trainee, supervisor = enrolled_trainee()
    row = entry(person, days_ago=2, minutes=60)
    services.review_entry(supervisor, row.id, decision="query", comment="45 minutes?")
    with pytest.raises(DomainError) as caught:
        services.correct_entry(trainee, row.id, draft(day=(NOW - timedelta(2)).date(),
                                                      minutes=45), reply="")
    assert "reply" in caught.value.field_errors
    services.correct_entry(trainee, row.id, draft(day=(NOW - timedelta(2)).date(), minutes=45),
                           reply="Yes, 45.")
    assert row.status == domain.PENDING and row.minutes == 45
    assert row.trainee_reply == "Yes, 45."
    services.review_entry(supervisor, row.id, decision="verify", comment="")
    with pytest.raises(NotPermitted):  # verified hours are settled
        services.correct_entry(trainee, row.id, draft(), reply="")


def test_hours_summary_since_and_targets_of_program() -> None:
    person, _, _ = enrolled_trainee()
    for day in range(1, 21):
        entry(person, days_ago=day, status=domain.VERIFIED)
    for day in range(1, 11):
        entry(person, days_ago=day, hour=14, kind=domain.TRIAD, triad_role="coach",
              status=domain.VERIFIED)
    entry(person, days_ago=2, hour=16, kind=domain.SUPERVISION, status=domain.VERIFIED)
    summary = services.hours_summary(person.id)
    assert summary == services.HoursSummary(20.0, 10.0, 1.0, 1, True, True)
    recent = services.hours_summary(person.id, since=(NOW - timedelta(days=5)).date())
    assert recent.coached_hours == 5 and not recent.coached_target_met


def test_entries_to_verify_lists_only_own_trainees_pending_oldest_first(app) -> None:
    person, _, supervisor = enrolled_trainee()
    newer, older = entry(person, days_ago=1), entry(person, days_ago=4)
    entry(person, days_ago=2, status=domain.VERIFIED)
    other, _, _ = enrolled_trainee()
    entry(other, days_ago=1)
    with app.test_request_context():
        items = services.entries_to_verify(supervisor)
        assert services.entries_to_verify(UserFactory(roles=[Role.SPONSOR])) == []
    assert [i.id for i in items] == [older.id, newer.id]
    first = items[0]
    assert first.person.id == person.id and first.kind == domain.COACHED
    assert first.minutes == 60 and first.duration == "1 h"
    assert first.url == f"/practicum/entries/{older.id}"
    assert str(first).startswith("Coached session · ")


def test_enrol_only_appointed_coaches_once() -> None:
    admin = UserFactory(roles=[Role.ADMIN])
    person = PersonFactory()
    UserFactory(roles=[Role.COACH], person_id=person.id)
    row = services.enrol(admin, person.id, start_date=date(2026, 3, 2))
    assert row.program.name == services.DEFAULT_PROGRAM
    assert row.program.targets == domain.DEFAULT_TARGETS
    with pytest.raises(DomainError) as caught:
        services.enrol(admin, person.id, start_date=date(2026, 3, 2))
    assert "already" in caught.value.field_errors["person_id"][0]
    with pytest.raises(DomainError) as caught:
        services.enrol(admin, PersonFactory().id, start_date=None)
    assert set(caught.value.field_errors) == {"person_id", "start_date"}
    with pytest.raises(NotPermitted):
        services.enrol(UserFactory(roles=[Role.LEAD_COACH]), person.id, start_date=NOW.date())


def test_access_trainee_own_supervisor_theirs_sponsor_never() -> None:
    person, trainee, supervisor = enrolled_trainee()
    other, other_user, _ = enrolled_trainee()
    services.list_entries(trainee, person.id)
    services.list_entries(supervisor, person.id)
    with pytest.raises(NotPermitted):
        services.list_entries(other_user, person.id)
    with pytest.raises(NotPermitted):
        services.list_entries(supervisor, other.id)
    # A sponsor sees no entries, even one who also holds the admin role.
    with pytest.raises(NotPermitted):
        services.list_entries(UserFactory(roles=[Role.SPONSOR, Role.ADMIN]), person.id)
    # The trainee's line manager holds no ledger access.
    manager = UserFactory(roles=[Role.MANAGER], person_id=PersonFactory().id)
    person.manager_id = manager.person_id
    with pytest.raises(NotPermitted):
        services.list_entries(manager, person.id)
    with pytest.raises(NotFound):
        services.get_entry(trainee, 10**9)


def test_seed_is_idempotent(app) -> None:
    from coachprog.seed import practicum as seed

    coach_person = PersonFactory()
    UserFactory(email=seed.TRAINEE_EMAIL, roles=[Role.COACH], person_id=coach_person.id)
    UserFactory(email=seed.SUPERVISOR_EMAIL, roles=[Role.LEAD_COACH])
    actor = SystemActor("seed")
    assert seed.seed_demo(actor) is True
    assert seed.seed_demo(actor) is False
    statuses = [e.status for e in db.session.scalars(sa.select(LedgerEntry))]
    assert {domain.VERIFIED, domain.PENDING, domain.QUERIED} <= set(statuses)
    assert len(statuses) == len(seed.DEMO_ENTRIES)
