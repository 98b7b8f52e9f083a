"""Certification services against the database: the daily tick (reminders not duplicated,
lapse), roster and match effects, revocation, criteria evaluation with evidence that is not
available yet."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.certification import services
from coachprog.certification.models import Certification, CertificationReminder
from coachprog.coaching.engagements import services as engagement_services
from coachprog.coaching.models import SupervisorAssignment
from coachprog.coaching.roster import services as roster
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.notifications.models import OutboxMessage
from coachprog.roles import Role
from tests.coaching.builders import appointed_coach
from tests.factories import UserFactory

SYSTEM = SystemActor("test")


def certified(person_id: int, *, valid_until: date, status: str = "active") -> Certification:
    cert = Certification(person_id=person_id, level="certified_internal_coach", status=status,
                         issued_on=date(2025, 12, 1), valid_until=valid_until)
    db.session.add(cert)
    db.session.flush()
    return cert


def reminder_messages() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "certification.reminder")))


def test_a_tick_with_nothing_to_do_takes_the_same_statements_for_one_or_many():
    """Issue 20: certifications with nothing due cost no statement of their own (reminders
    already sent are read for all in one query); only those with work get a savepoint."""
    from tests.conftest import counting_statements

    def statements(count: int, day: date) -> int:
        for _ in range(count):
            certified(appointed_coach().id, valid_until=date(2028, 6, 1))
        with counting_statements() as seen:
            summary = services.run_tick(SYSTEM, on=day)
        assert (summary.lapsed, summary.reminders, summary.failures) == (0, 0, [])
        return len(seen)

    due = certified(appointed_coach().id, valid_until=date(2027, 3, 1))
    assert services.run_tick(SYSTEM, on=date(2027, 1, 1)).reminders == 1  # its 60-day mark
    assert statements(1, date(2027, 1, 2)) == statements(5, date(2027, 1, 3))
    assert [r.days_before for r in db.session.scalars(sa.select(CertificationReminder).where(
        CertificationReminder.certification_id == due.id))] == [60]

def test_tick_sends_each_reminder_once_to_coach_and_supervisor():
    coach = appointed_coach()
    supervisor = UserFactory(roles=[Role.LEAD_COACH])
    db.session.add(SupervisorAssignment(coach_person_id=coach.id,
                                        supervisor_user_id=supervisor.id))
    cert = certified(coach.id, valid_until=date(2027, 3, 1))
    first = services.run_tick(SYSTEM, on=date(2027, 1, 1))  # 59 days left: the 60-day mark
    assert (first.reminders, first.messages) == (1, 2)
    assert {m.to_email for m in reminder_messages()} == {coach.email, supervisor.email}
    again = services.run_tick(SYSTEM, on=date(2027, 1, 1))
    assert (again.reminders, again.messages) == (0, 0)
    assert len(reminder_messages()) == 2
    services.run_tick(SYSTEM, on=date(2027, 1, 30))  # 30 days
    services.run_tick(SYSTEM, on=date(2027, 2, 22))  # 7 days
    services.run_tick(SYSTEM, on=date(2027, 2, 23))
    days = sorted(db.session.scalars(sa.select(CertificationReminder.days_before).where(
        CertificationReminder.certification_id == cert.id)))
    assert days == [7, 30, 60]
    assert len(reminder_messages()) == 6


def test_renewed_certification_gets_next_cycles_reminders():
    coach = appointed_coach()
    cert = certified(coach.id, valid_until=date(2027, 3, 1))
    services.run_tick(SYSTEM, on=date(2027, 2, 25))
    cert.valid_until = date(2028, 3, 1)
    services.run_tick(SYSTEM, on=date(2028, 2, 25))
    keys = set(db.session.execute(sa.select(CertificationReminder.due_on,
                                            CertificationReminder.days_before)))
    assert keys == {(date(2027, 3, 1), d) for d in (60, 30, 7)} | {
        (date(2028, 3, 1), d) for d in (60, 30, 7)}


def test_tick_lapses_past_due_and_takes_coach_off_roster_and_matching():
    coach = appointed_coach()
    other = appointed_coach()
    cert = certified(coach.id, valid_until=date(2027, 3, 1))
    certified(other.id, valid_until=date(2028, 3, 1))
    assert coach.id in roster.active_coach_ids()
    assert services.run_tick(SYSTEM, on=date(2027, 3, 1)).lapsed == 0
    summary = services.run_tick(SYSTEM, on=date(2027, 3, 2))
    assert summary.lapsed == 1
    assert cert.status == "lapsed" and cert.lapsed_at is not None
    assert services.display_status(cert, date(2027, 3, 2)) == "lapsed"
    assert coach.id not in roster.active_coach_ids()
    assert other.id in roster.active_coach_ids()
    assert engagement_services.match_blocks(coach.id)
    assert engagement_services.match_blocks(other.id) == []
    assert services.run_tick(SYSTEM, on=date(2027, 3, 3)).lapsed == 0


def test_revocation_needs_admin_and_reason_and_is_immediate():
    coach = appointed_coach()
    cert = certified(coach.id, valid_until=date(2099, 1, 1))
    master = UserFactory(roles=[Role.MASTER_COACH])
    with pytest.raises(NotPermitted):
        services.revoke_certification(master, cert.id, "Serious ethics breach found")
    admin = UserFactory(roles=[Role.ADMIN])
    with pytest.raises(DomainError):
        services.revoke_certification(admin, cert.id, "no")
    services.revoke_certification(admin, cert.id, "Serious ethics breach found")
    assert services.display_status(cert, date(2030, 1, 1)) == "revoked"
    assert coach.id not in roster.active_coach_ids()


def test_tick_needs_admin():
    with pytest.raises(NotPermitted):
        services.run_tick(UserFactory(roles=[Role.MASTER_COACH]))


def test_evaluate_level_with_evidence_not_available(monkeypatch, app):
    from coachprog.practicum.ledger import services as practicum
    from coachprog.practicum.supervision import services as supervision_services

    def not_yet(*args, **kwargs):
        raise NotImplementedError

    monkeypatch.setattr(practicum, "hours_summary", not_yet)
    monkeypatch.setattr(supervision_services, "final_review", lambda pid: None)
    monkeypatch.setattr(supervision_services, "capstone_passed", lambda pid: True)
    coach = appointed_coach()
    ev = services.evaluate_level(coach.id, "certified_internal_coach")
    by_key = {r.key: r for r in ev.results}
    assert by_key["capstone"].met
    assert not by_key["final_review"].met
    assert not by_key["practicum_hours"].met and not by_key["practicum_hours"].available
    assert not ev.all_met


def test_tick_command_twice_sends_nothing_twice(runner):
    coach = appointed_coach()
    certified(coach.id, valid_until=services.today())  # due today: 60, 30 and 7 reached
    db.session.commit()
    first = runner.invoke(args=["certification", "tick"])
    assert first.exit_code == 0, first.output
    assert "3 reminder(s) logged" in first.output
    second = runner.invoke(args=["certification", "tick"])
    assert "0 reminder(s) logged, 0 e-mail(s) queued" in second.output


def test_evaluate_level_reads_the_real_contracts(app):
    coach = appointed_coach()
    with app.test_request_context():
        ev = services.evaluate_level(coach.id, "certified_internal_coach")
        senior = services.evaluate_level(coach.id, "senior_coach")
    by_key = {r.key: r for r in ev.results}
    assert by_key["practicum_hours"].available and not by_key["practicum_hours"].met
    assert not by_key["paperwork"].met and by_key["paperwork"].detail
    assert {r.key: r.met for r in senior.results} == {
        "coached_hours": False, "time_in_role": False, "audits": False,
        "outcomes_brief": False}
