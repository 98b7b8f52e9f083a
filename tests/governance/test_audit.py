"""The audit log: written with the change, append-only, readable by admins only."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.governance.models import AuditEntry
from coachprog.governance.services import AuditLogIsAppendOnly
from tests.factories import UserFactory


def _entry() -> AuditEntry:
    entry = audit.record("test.done", actor=SystemActor("test"), object_type="thing",
                         object_id=7, detail={"k": "v"})
    db.session.commit()
    return entry


def test_entry_records_who_what_when_where() -> None:
    entry = _entry()
    assert entry.actor_label == "system:test"
    assert (entry.action, entry.object_type, entry.object_id) == ("test.done", "thing", "7")
    assert entry.detail == {"via": "system", "k": "v"}
    assert entry.occurred_at.tzinfo is not None


def test_entries_cannot_be_edited() -> None:
    entry = _entry()
    entry.action = "test.rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_entries_cannot_be_deleted() -> None:
    entry = _entry()
    db.session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_bulk_update_and_delete_are_refused() -> None:
    _entry()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(sa.update(AuditEntry).values(action="x"))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(sa.delete(AuditEntry))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 1


def test_entry_rolls_back_with_the_change_it_records() -> None:
    audit.record("test.undone", actor=None, object_type="thing")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_admin_filters_the_audit_page(auth, client) -> None:
    auth.login_as("admin")
    for n in range(3):
        audit.record("people.imported", actor=SystemActor("cli"), object_type="person",
                     detail={"n": n})
    audit.record("role.granted", actor=SystemActor("cli"), object_type="user", object_id=42)
    db.session.commit()
    page = client.get("/admin/audit?action=role.granted").get_data(as_text=True)
    assert "Granted a role</td>" in page and "N: 1" not in page
    page = client.get("/admin/audit?object_type=user&object_id=42").get_data(as_text=True)
    assert '<a href="/admin/users/42">Account 42</a>' in page
    assert "role.granted" not in page.split("<tbody>")[1]  # words in the table, not codes
    page = client.get("/admin/audit?actor=nobody-like-this").get_data(as_text=True)
    assert "No entries match." in page


def test_bad_dates_are_explained_not_crashed_on(auth, client) -> None:
    auth.login_as("admin")
    response = client.get("/admin/audit?since=yesterday&until=2026-13-45")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Use a date like 2026-11-23.") == 2


def test_audit_page_paginates(auth, client, app) -> None:
    auth.login_as("admin")
    for n in range(app.config["COACHPROG_PAGE_SIZE"] + 5):
        audit.record("test.bulk", actor=None, object_type="thing", object_id=n)
    db.session.commit()
    first = client.get("/admin/audit?action=test.bulk").get_data(as_text=True)
    assert 'rel="next"' in first
    second = client.get("/admin/audit?action=test.bulk&page=2").get_data(as_text=True)
    assert "51–55 of 55" in second


def test_no_route_can_change_the_audit_log(app) -> None:
    # The audit log's own pages (/admin/audit…); quarterly coaching audits (/audits/…) are a
    # different thing and do take decisions.
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/audit"):
            assert (rule.methods or set()) <= {"GET", "HEAD", "OPTIONS"}, rule.rule


def test_non_admins_cannot_read_the_log(auth, client) -> None:
    UserFactory()
    auth.login_as("master_coach", "lead_coach", "sponsor")
    assert client.get("/admin/audit").status_code == 403


def test_audit_filters_take_wildcards_literally(auth, client) -> None:
    auth.login_as("admin")
    audit.record("people.imported", actor=SystemActor("cli"), object_type="person")
    db.session.commit()
    assert "No entries match." in client.get("/admin/audit?actor=%25").get_data(as_text=True)
    assert "No entries match." in client.get("/admin/audit?action=_").get_data(as_text=True)


def test_audit_log_downloads_as_csv_in_words_and_the_download_is_recorded(auth, client) -> None:
    auth.login_as("admin")
    audit.record("recording.audio_opened", actor=SystemActor("cli"), object_type="recording",
                 object_id=7, detail={"bytes": 10})
    audit.record("=cmd|' /C calc'!A0", actor=SystemActor("cli"), object_type="thing")
    db.session.commit()
    response = client.get("/admin/audit.csv?object_type=recording")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["what"], r["object"], r["object_id"], r["detail"]) for r in rows] == [
        ("Opened session audio", "Recording", "7", "bytes=10")]
    everything = client.get("/admin/audit.csv").get_data(as_text=True)
    assert "'=cmd|" in everything  # formula cells are defused
    exports = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "audit_log.exported").order_by(AuditEntry.id)).all()
    assert len(exports) == 2 and exports[0].detail["object_type"] == "recording"


def test_unknown_codes_still_read_as_words() -> None:
    from coachprog import glossary

    assert glossary.action_words("practicum.something_new") == "Practicum: something new"
    assert glossary.role_names(["sponsor", "admin", "master_coach"]) == (
        "L&D admin, Master coach, Sponsor")
    assert glossary.plural(1, "assessment") == "1 assessment"
    assert glossary.plural(0, "assessment") == "0 assessments"
    assert glossary.plural(2, "person", "people") == "2 people"
    assert glossary.term("stratified-es-1") == "Stratified random sample (version 1)"
