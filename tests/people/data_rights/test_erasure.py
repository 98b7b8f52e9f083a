"""Erasure leaves no trace: not in any row, not in the SQLite file or its WAL, not under the
instance folder; the audit log keeps its entries under the pseudonym; counts stay."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from coachprog.auth.models import User
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.data_rights.models import ErasureRequest
from coachprog.people.models import Person
from coachprog.recordings.models import CoachingSession, Recording
from tests.people.data_rights.conftest import mark_person, rows_holding, snapshot_counts

REASON = "The person asked on 2026-12-01 (ticket 4411)."
# Rows that go: session content (and the fidelity signals computed from its transcripts, as on
# consent withdrawal), mail to them, their tokens and links, what they hid at home.
MAY_SHRINK = {"recordings", "transcripts", "transcript_segments", "segment_edits",
              "mark_citations", "sensitive_flags", "fidelity_signals", "outbox_messages",
              "api_tokens", "password_resets", "home_dismissals"}


def _their_recordings(person_id: int) -> int:
    from coachprog.coaching.models import Engagement

    return db.session.scalar(
        sa.select(sa.func.count(Recording.id))
        .join(CoachingSession, Recording.session_id == CoachingSession.id)
        .join(Engagement, CoachingSession.engagement_id == Engagement.id)
        .where(sa.or_(Engagement.coach_person_id == person_id,
                      Engagement.coachee_person_id == person_id))) or 0


def _sqlite_file(app: Flask) -> Path | None:
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def test_erasure_by_the_operator_leaves_no_identifier_anywhere(app, demo, runner) -> None:
    marked = mark_person("coach@demo.example")
    assert _their_recordings(marked.person_id) >= 1, "the demo coach has a recorded session"
    own_entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.actor_id == marked.user_id))
    before = snapshot_counts()
    db.session.remove()

    result = runner.invoke(args=["people", "erase", marked.employee_id, "--reason", REASON,
                                 "--yes"])
    assert result.exit_code == 0, result.output
    assert "Erased. The person is now Erased person" in result.output
    assert marked.name not in result.output

    # No row anywhere holds the name, the e-mail or the employee id.
    assert rows_holding(marked.identifiers) == []
    person = db.session.get(Person, marked.person_id)
    user = db.session.get(User, marked.user_id)
    assert person is not None and user is not None
    assert person.name.startswith("Erased person ") and person.email.endswith("@erased.invalid")
    assert user.display_name == person.name and not user.is_active
    # Recordings and transcripts of their sessions are purged.
    assert _their_recordings(marked.person_id) == 0
    # The audit log keeps every entry, under the pseudonym, and adds the erasure's own.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.actor_id == marked.user_id, AuditEntry.actor_label == user.email)) == own_entries
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "person.erased", AuditEntry.object_id == str(person.id))) == 1
    # Counts stay: nothing but session content, mail and personal keys shrank.
    after = snapshot_counts()
    shrunk = {name for name in before if after[name] < before[name]}
    assert shrunk <= MAY_SHRINK, shrunk - MAY_SHRINK
    grown = {name for name in before if after[name] > before[name]}
    assert grown == {"audit_entries", "erasure_requests", "erasure_tombstones"}
    erasure = db.session.scalar(sa.select(ErasureRequest))
    assert erasure is not None and erasure.status == "erased" and erasure.summary


def test_erasure_leaves_nothing_in_the_sqlite_file_its_wal_or_the_instance_folder(
        app, demo, runner) -> None:
    database = _sqlite_file(app)
    if database is None:
        pytest.skip("raw file scan is for SQLite; PostgreSQL keeps dead row versions until "
                    "the operator's VACUUM (docs/deployment.md)")
    marked = mark_person("coach@demo.example")
    needles = [value.lower().encode() for value in marked.identifiers]
    db.session.remove()
    instance = Path(app.instance_path)
    assert any(needle in path.read_bytes().lower() for path in instance.rglob("*")
               if path.is_file() for needle in needles), "the evidence file names them"

    result = runner.invoke(args=["people", "erase", marked.employee_id, "--reason", REASON,
                                 "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()

    files = [database, database.with_name(database.name + "-wal"),
             *(p for p in instance.rglob("*") if p.is_file())]
    for path in files:
        if not path.exists():
            continue
        data = path.read_bytes().lower()
        for needle, value in zip(needles, marked.identifiers, strict=True):
            still_there = needle in data  # not in the assert: it would print the whole file
            assert not still_there, f"{value!r} is still in {path}"
