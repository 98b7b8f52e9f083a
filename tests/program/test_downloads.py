"""The sponsor's program report leaving the app (PDF, CSV tables) is audited."""

from __future__ import annotations

import sqlalchemy as sa

from coachprog import glossary
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from tests.program.builders import program


def _entries() -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.like("program.%_downloaded")
                                    | AuditEntry.action.like("program.%_exported"))
        .order_by(AuditEntry.id)))


def test_the_pdf_download_is_audited_with_who_and_words(auth, client) -> None:
    program()
    user = auth.login_as("sponsor")

    assert client.get("/program/report.pdf").status_code == 200

    [entry] = _entries()
    assert (entry.action, entry.actor_id, entry.object_type) == (
        "program.report_downloaded", user.id, "program_report")
    assert entry.detail["format"] == "pdf"
    assert glossary.action_words(entry.action) == "Downloaded the program report (PDF)"
    assert glossary.OBJECTS["program_report"] == "Program report"


def test_each_csv_export_is_audited_and_an_unknown_table_is_not(auth, client) -> None:
    program()
    auth.login_as("admin")

    assert client.get("/program/export/roi.csv").status_code == 200
    assert client.get("/program/export/groups_by_department.csv").status_code == 200
    assert client.get("/program/export/nothing.csv").status_code == 404

    entries = _entries()
    assert [(e.action, e.detail["table"]) for e in entries] == [
        ("program.table_exported", "roi"), ("program.table_exported", "groups_by_department")]
    assert glossary.action_words("program.table_exported") == "Exported a program table (CSV)"


def test_a_refused_download_records_nothing(auth, client) -> None:
    program()
    auth.login_as("coach")

    assert client.get("/program/report.pdf").status_code == 403
    assert client.get("/program/export/roi.csv").status_code == 403
    assert _entries() == []
