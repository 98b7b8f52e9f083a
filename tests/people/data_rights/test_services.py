"""Erasure requests (two admins decide), the tombstone that stops an HRIS import in words, the
audit log's one sanctioned change, and audited exports."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.governance.models import AuditEntry
from coachprog.governance.services import AuditLogIsAppendOnly
from coachprog.people.data_rights import services
from coachprog.people.domain import parse_people_csv
from coachprog.people.models import Person
from coachprog.people.services import ImportRejected, import_people
from coachprog.roles import Role
from tests.factories import PersonFactory, UserFactory

REASON = "Asked for by the person on 2026-12-01 (ticket 77)."
SYSTEM = SystemActor("test")


@pytest.fixture
def admins():
    first, second = UserFactory(roles=[Role.ADMIN]), UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    return first, second


def test_a_second_admin_approves_and_the_requester_cannot(admins) -> None:
    first, second = admins
    person = PersonFactory(name="Rhoswen Tallis", email="rhoswen@example.com",
                           employee_id="RT-1")
    db.session.commit()
    request = services.request_erasure(first, "RT-1", REASON)
    db.session.commit()
    with pytest.raises(DomainError, match="second admin"):
        services.approve_erasure(first, request.id)
    db.session.rollback()
    assert db.session.get(Person, person.id).name == "Rhoswen Tallis"
    services.approve_erasure(second, request.id)
    db.session.commit()
    erased = db.session.get(Person, person.id)
    assert erased.name.startswith("Erased person ") and not erased.active
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"erasure.requested", "person.erased"} <= actions
    with pytest.raises(DomainError, match="already erased"):
        services.approve_erasure(second, request.id)


def test_requests_are_refused_in_words(admins) -> None:
    first, _ = admins
    PersonFactory(employee_id="RT-2")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        services.request_erasure(first, "nobody", REASON)
    assert refused.value.field_errors == {"employee_id": ["No person has that employee id."]}
    with pytest.raises(DomainError) as short:
        services.request_erasure(first, "RT-2", "because")
    assert "reason" in short.value.field_errors
    services.request_erasure(first, "RT-2", REASON)
    with pytest.raises(DomainError, match="already waiting"):
        services.request_erasure(first, "RT-2", REASON)


def test_only_admins_ask_for_or_approve_erasures() -> None:
    lead = UserFactory(roles=[Role.LEAD_COACH])
    PersonFactory(employee_id="RT-3")
    db.session.commit()
    with pytest.raises(NotPermitted):
        services.request_erasure(lead, "RT-3", REASON)
    with pytest.raises(NotPermitted):
        services.export_person_data(lead, "RT-3")


def test_a_cancelled_request_erases_nothing(admins) -> None:
    first, second = admins
    person = PersonFactory(employee_id="RT-4", name="Ifan Morrow")
    db.session.commit()
    request = services.request_erasure(first, "RT-4", REASON)
    services.cancel_erasure(second, request.id)
    db.session.commit()
    with pytest.raises(DomainError, match="already cancelled"):
        services.approve_erasure(second, request.id)
    assert db.session.get(Person, person.id).name == "Ifan Morrow"


def test_an_import_of_an_erased_employee_id_stops_in_words(runner, tmp_path) -> None:
    PersonFactory(employee_id="RT-5", email="old@example.com")
    db.session.commit()
    services.erase_now(SYSTEM, "RT-5", REASON)
    db.session.commit()
    plan = parse_people_csv("employee_id,name,email,department,title,manager_employee_id,"
                            "active\nRT-6,New Person,new@example.com,Sales,Rep,,true\n"
                            " rt-5 ,Back Again,back@example.com,Sales,Rep,,true\n")
    with pytest.raises(ImportRejected) as rejected:
        import_people(SYSTEM, plan, source="test")
    [error] = rejected.value.errors
    assert error.line == 3 and error.field == "employee_id"
    assert "erased on" in error.message and "not recreated" in error.message
    db.session.rollback()
    csv_file = tmp_path / "hris.csv"
    csv_file.write_text("employee_id,name,email,department,title,manager_employee_id,active\n"
                        "RT-5,Back Again,back@example.com,Sales,Rep,,true\n")
    result = runner.invoke(args=["people", "import", str(csv_file)])
    assert result.exit_code == 1
    assert "belongs to a person erased on" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(
        Person.email == "back@example.com")) == 0


def test_the_audit_log_refuses_changes_outside_an_erasure() -> None:
    audit.record("test.entry", actor=SYSTEM, object_type="test")
    db.session.commit()
    table = AuditEntry.__table__
    for statement in (sa.update(table).values(actor_label="x"), sa.delete(table),
                      sa.update(AuditEntry).values(detail={})):
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(statement)
        db.session.rollback()
    # Even inside the sanctioned block: never a delete, never another column.
    with audit.erasure_rewrite():
        for statement in (sa.delete(table), sa.update(table).values(action="x")):
            with pytest.raises(AuditLogIsAppendOnly):
                db.session.execute(statement)
            db.session.rollback()
        db.session.execute(sa.update(table).values(actor_label="relabelled"))
    db.session.rollback()


def test_exports_are_audited_and_hold_the_person(admins, runner, tmp_path) -> None:
    first, _ = admins
    person = PersonFactory(employee_id="RT-7", name="Nia Oduya")
    user = UserFactory(person_id=person.id, email="nia@example.com")
    db.session.commit()
    own = services.export_own_data(user)
    by_admin = services.export_person_data(first, "RT-7")
    db.session.commit()
    for export in (own, by_admin):
        assert export["subject"]["name"] == "Nia Oduya"
        [row] = export["sections"]["directory"]["data"]["people"]
        assert row["employee_id"] == "RT-7"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "personal_data.exported")) == 2
    pdf_path, json_path = tmp_path / "nia.pdf", tmp_path / "nia.json"
    result = runner.invoke(args=["people", "export-data", "RT-7", "-o", str(json_path),
                                 "--pdf", str(pdf_path)])
    assert result.exit_code == 0, result.output
    assert '"Nia Oduya"' in json_path.read_text()
    assert pdf_path.read_bytes().startswith(b"%PDF")
    missing = runner.invoke(args=["people", "export-data", "nobody"])
    assert missing.exit_code == 1 and "No person has employee id 'nobody'" in missing.output


def test_the_operator_erase_refuses_in_words(runner) -> None:
    result = runner.invoke(args=["people", "erase", "nobody", "--reason", REASON, "--yes"])
    assert result.exit_code == 1
    assert "No person has that employee id." in result.output
    assert "Nothing was erased." in result.output
