"""Scheduled batch jobs never die on one bad item (issue 19): the certification tick (lapses and
reminders), the retention purge and the fidelity refresh each go on past an item that fails,
and record it (audit log, summary, CLI output and exit status). And the people import and the
mailer agree on which addresses can receive mail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from coachprog.audits.fidelity import services as fidelity_services
from coachprog.certification.models import Certification, CertificationReminder
from coachprog.certification.services import today
from coachprog.db import set_clock
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.notifications.domain import address_problem
from coachprog.notifications.models import OutboxMessage
from coachprog.people.domain import parse_people_csv
from coachprog.recordings.models import Recording, Transcript
from tests.audits.fidelity.builders import coach_with_sessions
from tests.coaching.builders import appointed_coach
from tests.recordings.consent.builders import consent, engagement, recording, transcript

ACCENTED = "josé.núñez@example.com"  # what the HRIS import accepted before


def _certified(person_id: int, valid_until: date) -> Certification:
    cert = Certification(person_id=person_id, level="certified_internal_coach", status="active",
                         issued_on=date(2020, 1, 1), valid_until=valid_until)
    db.session.add(cert)
    db.session.flush()
    return cert


def _failures(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def test_the_tick_goes_on_past_an_address_the_mailer_refuses(runner: Any) -> None:
    day = today()
    refused = appointed_coach(email=ACCENTED)
    lapsing = appointed_coach()
    reminded = appointed_coach()
    bad = _certified(refused.id, day - timedelta(days=1))
    good = _certified(lapsing.id, day - timedelta(days=1))
    due = _certified(reminded.id, day + timedelta(days=45))  # the 60-day reminder is due
    db.session.commit()

    result = runner.invoke(args=["certification", "tick"])

    assert result.exit_code == 1, result.output  # failures make a cron job's run visible
    assert f"certification {bad.id}: FAILED, certification.lapsed e-mail to {ACCENTED} " \
           "not sent" in result.output
    assert "2 lapsed, 1 reminder(s) logged, 2 e-mail(s) queued, 1 failure(s)" in result.output
    db.session.expire_all()
    # Everyone else's clock moved; the refused coach lapsed too (the e-mail is what failed).
    assert {c.id: c.status for c in db.session.scalars(sa.select(Certification))} == {
        bad.id: "lapsed", good.id: "lapsed", due.id: "active"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificationReminder)
                             .where(CertificationReminder.certification_id == due.id)) == 1
    assert {m.to_email for m in db.session.scalars(sa.select(OutboxMessage))} == {
        lapsing.email, reminded.email}
    [entry] = _failures("certification.tick.item_failed")
    assert entry.object_id == str(bad.id) and "RFC 6531" in entry.detail["reason"]


def test_a_clean_tick_still_says_ok(runner: Any) -> None:
    _certified(appointed_coach().id, today() - timedelta(days=1))
    db.session.commit()
    result = runner.invoke(args=["certification", "tick"])
    assert result.exit_code == 0 and "OK: 1 lapsed" in result.output


@contextmanager
def _refusing_to_delete_transcript_of(recording_id: int) -> Iterator[None]:
    """The database refuses to delete one recording's transcript (say, rows locked by
    another process): a trigger, so the batch's set-based delete and the one-by-one retry
    both meet it, whichever statement they use."""
    message = "the transcript rows are locked by another process"
    if db.engine.dialect.name == "postgresql":
        create = [f"""CREATE OR REPLACE FUNCTION refuse_transcript_delete() RETURNS trigger
                      AS $$ BEGIN IF OLD.recording_id = {recording_id} THEN
                      RAISE EXCEPTION '{message}'; END IF; RETURN OLD; END $$
                      LANGUAGE plpgsql""",
                  """CREATE TRIGGER refuse_transcript_delete BEFORE DELETE ON transcripts
                     FOR EACH ROW EXECUTE FUNCTION refuse_transcript_delete()"""]
        drop = ["DROP TRIGGER refuse_transcript_delete ON transcripts",
                "DROP FUNCTION refuse_transcript_delete()"]
    else:
        create = [f"""CREATE TRIGGER refuse_transcript_delete BEFORE DELETE ON transcripts
                      WHEN OLD.recording_id = {recording_id}
                      BEGIN SELECT RAISE(ABORT, '{message}'); END"""]
        drop = ["DROP TRIGGER refuse_transcript_delete"]
    with db.engine.begin() as connection:
        for statement in create:
            connection.execute(sa.text(statement))
    try:
        yield
    finally:
        db.session.rollback()
        with db.engine.begin() as connection:
            for statement in drop:
                connection.execute(sa.text(statement))


def test_the_retention_purge_goes_on_past_a_recording_it_cannot_purge(
        app: Flask, runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from coachprog.recordings.retention.services import purge

    # Five recordings in batches of three: the batch holding the broken one fails and is done
    # again one by one; the other batch goes through as one.
    monkeypatch.setattr(purge, "PURGE_BATCH", 3)
    uploaded = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    rows = []
    for _ in range(5):
        row = recording(consent(engagement()).consent, uploaded_at=uploaded)
        transcript(row)
        rows.append(row)
    db.session.commit()
    ids = [row.id for row in rows]
    broken = ids[1]
    set_clock(lambda: uploaded + timedelta(days=400))
    with _refusing_to_delete_transcript_of(broken):
        result = runner.invoke(args=["retention", "purge"])
        db.session.rollback()

        assert result.exit_code == 1, result.output
        assert f"recording {broken}: FAILED" in result.output
        assert "the transcript rows are locked by another process" in result.output
        assert "Deleted audio of 4 recording(s)" in result.output
        assert "and 4 transcript(s)" in result.output
        purged = {r: (db.session.get(Recording, r).storage_name is None,
                      db.session.scalar(sa.select(Transcript.id).where(
                          Transcript.recording_id == r)) is None) for r in ids}
        # The broken one is rolled back whole (audio too), to be tried again at the next run.
        assert purged == {r: (r != broken, r != broken) for r in ids}
        [entry] = _failures("retention.item_failed")
        assert entry.object_id == str(broken)
        [done] = _failures("retention.purged")
        assert sorted(done.detail["transcripts_deleted"]) == sorted(set(ids) - {broken})
        assert sorted(done.detail["audio_deleted"]) == sorted(set(ids) - {broken})
    # Its file went before the rollback (files are not transactional); the next run, with
    # the fault gone, finishes the rows (the purge is idempotent).
    again = runner.invoke(args=["retention", "purge"])
    assert again.exit_code == 0, again.output
    assert f"transcript of recording {broken}: deleted" in again.output
    assert "Deleted audio of 1 recording(s)" in again.output


def test_the_fidelity_refresh_goes_on_past_a_coach_it_cannot_refresh(
        runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    first, broken, last = (coach_with_sessions("LAA") for _ in range(3))
    db.session.commit()
    real = fidelity_services._refresh

    def fails_for_one(coach_ids: Any) -> Any:
        # The pass over everyone meets the bad coach too, and then goes coach by coach.
        if coach_ids is None or broken.coach.id in coach_ids:
            raise ValueError("a transcript of this coach cannot be read")
        return real(coach_ids)

    monkeypatch.setattr(fidelity_services, "_refresh", fails_for_one)
    result = runner.invoke(args=["fidelity", "refresh"])

    assert result.exit_code == 1, result.output
    assert f"person {broken.coach.id}: FAILED, ValueError: a transcript" in result.output
    assert "Refreshed 3 coach(es) (1 failed, listed above)" in result.output
    assert "2 with an open drift flag" in result.output
    assert fidelity_services.drifting_coach_ids() >= {first.coach.id, last.coach.id}
    assert {e.object_id for e in _failures("fidelity.refresh.item_failed")} == {
        str(broken.coach.id)}


def test_import_refuses_what_the_mailer_cannot_deliver_in_its_words() -> None:
    plan = parse_people_csv(
        "employee_id,name,email,department,title,manager_employee_id,active\n"
        f"E1,José Núñez,{ACCENTED},Ops,Lead,,true\n"
        "E2,Ana Ruiz,ana.ruiz@example.com,Ops,Lead,,true\n")
    assert [(e.line, e.field) for e in plan.errors] == [(2, "email")]
    assert ACCENTED in plan.errors[0].message and "RFC 6531" in plan.errors[0].message
    assert [r.email for r in plan.records] == ["ana.ruiz@example.com"]
    # The same rule the mailer applies when queueing a message.
    assert address_problem(ACCENTED) is not None
    assert address_problem("ana.ruiz@example.com") is None


@pytest.fixture(autouse=True)
def _real_clock() -> Any:
    yield
    set_clock(None)

