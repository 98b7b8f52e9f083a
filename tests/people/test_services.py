"""The people services against a real database (SQLite by default, PostgreSQL in CI)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.errors import NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.domain import MAX_REPORTED_ERRORS, parse_people_csv
from coachprog.people.models import Person
from coachprog.people.services import (
    ImportRejected,
    PeopleQuery,
    get_manager_links,
    get_person,
    get_person_by_employee_id,
    import_people,
    list_departments,
    list_people,
)
from coachprog.roles import Role
from tests.factories import PersonFactory, UserFactory
from tests.people.conftest import ORG_ROWS, csv_text, load, person, snapshot


def user_with(*roles: Role, person_id: int | None = None):
    user = UserFactory(roles=list(roles), person_id=person_id)
    db.session.commit()
    return user


def rejected(text: str, actor=None) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        import_people(actor or SystemActor("test"), parse_people_csv(text), source="test")
    db.session.rollback()
    return caught.value


def audit_entries(action: str = "people.imported") -> list[AuditEntry]:
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def ids(people) -> list[str]:
    return [p.employee_id for p in people]


# --- import: counts ---------------------------------------------------------------------------


def test_import_people_creates_everyone_with_their_managers():
    summary = load(csv_text(*ORG_ROWS))

    assert summary.as_dict() == {"created": 6, "updated": 0, "unchanged": 0, "total": 6}
    assert sorted(summary.created_ids) == ["E1", "E2", "E3", "E4", "E5", "E6"]
    assert snapshot() == {
        "E1": ("Aisha Chen", "aisha@example.com", "Sales", "VP Sales", None, True),
        "E2": ("Ben Okafor", "ben@example.com", "Sales", "Team Lead", "E1", True),
        "E3": ("Carla Rossi", "carla@example.com", "Sales", "Sales Rep", "E2", True),
        "E4": ("Dmitri Ivanov", "dmitri@example.com", "Sales", "Analyst", "E1", True),
        "E5": ("Eve Martin", "eve@example.com", "Support", "Head of Support", None, True),
        "E6": ("Farid Haddad", "farid@example.com", "Support", "Agent", "E5", False),
    }


def test_importing_the_same_file_again_changes_nothing(org):
    before = snapshot()
    stamps = dict(db.session.execute(sa.select(Person.employee_id, Person.updated_at)).all())

    summary = load(csv_text(*ORG_ROWS))

    assert summary.as_dict() == {"created": 0, "updated": 0, "unchanged": 6, "total": 6}
    assert summary.created_ids == []
    assert snapshot() == before
    db.session.expire_all()
    assert dict(db.session.execute(sa.select(Person.employee_id, Person.updated_at)).all()) \
        == stamps


def test_import_people_counts_created_updated_and_unchanged(org):
    summary = load(csv_text(
        "E1,Aisha Chen,aisha@example.com,Sales,Chief Revenue Officer,,true",  # title
        "E2,Ben Okafor,ben@example.com,Sales,Team Lead,E1,true",  # unchanged
        "E3,Carla Rossi,carla@example.com,Sales,Sales Rep,E1,true",  # new manager
        "E4,Dmitri Ivanov,dmitri@example.com,Sales,Analyst,,false",  # no manager, leaves
        "E6,Farid Haddad,farid@example.com,Support,Agent,E5,yes",  # back
        "E7,Gita Rao,gita@example.com,Support,Agent,E6,true",  # new, under E6
    ))

    assert summary.as_dict() == {"created": 1, "updated": 4, "unchanged": 1, "total": 6}
    assert summary.created_ids == ["E7"]
    after = snapshot()
    assert after["E1"][3] == "Chief Revenue Officer"
    assert after["E3"][4] == "E1"
    assert after["E4"][4:] == (None, False)
    assert after["E6"][5] is True
    assert after["E7"] == ("Gita Rao", "gita@example.com", "Support", "Agent", "E6", True)
    # People missing from the file are left alone: the import never deletes.
    assert after["E5"] == ("Eve Martin", "eve@example.com", "Support", "Head of Support",
                           None, True)


def test_an_update_moves_the_updated_at_stamp_and_leaves_unchanged_rows_alone(org):
    stamps = dict(db.session.execute(sa.select(Person.employee_id, Person.updated_at)).all())

    load(csv_text("E1,Aisha Chen,aisha@example.com,Sales,CRO,,true",
                  "E2,Ben Okafor,ben@example.com,Sales,Team Lead,E1,true"))

    db.session.expire_all()
    after = dict(db.session.execute(sa.select(Person.employee_id, Person.updated_at)).all())
    assert after["E1"] > stamps["E1"]
    assert after["E2"] == stamps["E2"]


def test_a_new_person_may_report_to_someone_on_record(org):
    summary = load(csv_text("E9,Ida Berg,ida@example.com,Sales,Rep,E3,true"))

    assert summary.as_dict()["created"] == 1
    assert snapshot()["E9"][4] == "E3"


def test_email_addresses_are_stored_lower_case():
    load(csv_text("E1,Aisha Chen,Aisha.Chen@Example.COM,Sales,VP,,true"))

    assert person("E1").email == "aisha.chen@example.com"


# --- import: all or nothing -------------------------------------------------------------------


def test_a_bad_row_in_the_middle_writes_nothing_to_an_empty_directory():
    rows = list(ORG_ROWS)
    rows.insert(3, "E9,Ida Berg,not-an-address,Sales,Rep,E1,true")

    error = rejected(csv_text(*rows))

    assert [(e.line, e.field) for e in error.errors] == [(5, "email")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0
    assert audit_entries() == []


def test_a_bad_row_in_the_middle_leaves_everyone_on_record_unchanged(org):
    before = snapshot()

    error = rejected(csv_text(
        "E1,Aisha Chen,aisha@example.com,Sales,CRO,,true",  # a valid update
        "E8,Hana Sato,hana@example.com,Sales,Rep,E1,true",  # a valid addition
        "E2,Ben Okafor,ben@example.com,Sales,Team Lead,E1,perhaps",  # bad
        "E9,Ida Berg,ida@example.com,Sales,Rep,E1,true",  # a valid addition
    ))

    assert [e.describe() for e in error.errors] == [
        "line 4 (active): 'perhaps' is not true/false (or yes/no, 1/0)"]
    assert error.total == 1
    assert snapshot() == before


def test_an_unknown_manager_is_refused_and_nothing_written(org):
    before = snapshot()

    error = rejected(csv_text("E9,Ida Berg,ida@example.com,Sales,Rep,E77,true"))

    assert [e.describe() for e in error.errors] == [
        "line 2 (manager_employee_id): no person with employee id E77 in the file or on record"]
    assert snapshot() == before


def test_a_manager_cycle_with_people_on_record_is_refused(org):
    before = snapshot()

    # E3 reports to E2, E2 to E1 on record; making E1 report to E3 closes the loop.
    error = rejected(csv_text("E1,Aisha Chen,aisha@example.com,Sales,VP Sales,E3,true"))

    assert [e.describe() for e in error.errors] == [
        "line 2 (manager_employee_id): manager chain loops: E1 → E3 → E2 → E1"]
    assert snapshot() == before


def test_a_manager_cycle_within_the_file_is_refused():
    error = rejected(csv_text("A1,A,a@example.com,,,A2,",
                              "A2,B,b@example.com,,,A1,"))

    assert [(e.line, e.field) for e in error.errors] == [
        (2, "manager_employee_id"), (3, "manager_employee_id")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_taking_the_email_of_someone_not_in_the_file_is_refused(org):
    error = rejected(csv_text("E1,Aisha Chen,ben@example.com,Sales,VP Sales,,true"))

    assert [e.describe() for e in error.errors] == [
        "line 2 (email): ben@example.com already belongs to employee E2"]


def test_two_people_can_swap_email_addresses(org):
    summary = load(csv_text(
        "E1,Aisha Chen,ben@example.com,Sales,VP Sales,,true",
        "E2,Ben Okafor,aisha@example.com,Sales,Team Lead,E1,true",
    ))

    assert summary.as_dict()["updated"] == 2
    after = snapshot()
    assert (after["E1"][1], after["E2"][1]) == ("ben@example.com", "aisha@example.com")


def test_email_addresses_can_rotate_and_a_freed_address_can_go_to_a_new_person(org):
    summary = load(csv_text(
        "E1,Aisha Chen,carla@example.com,Sales,VP Sales,,true",
        "E2,Ben Okafor,aisha@example.com,Sales,Team Lead,E1,true",
        "E3,Carla Rossi,carla.rossi@example.com,Sales,Sales Rep,E2,true",
        "E9,Ben Junior,ben@example.com,Sales,Intern,E2,true",
    ))

    assert summary.as_dict() == {"created": 1, "updated": 3, "unchanged": 0, "total": 4}
    emails = {employee_id: values[1] for employee_id, values in snapshot().items()}
    assert emails["E1"] == "carla@example.com"
    assert emails["E2"] == "aisha@example.com"
    assert emails["E3"] == "carla.rossi@example.com"
    assert emails["E9"] == "ben@example.com"
    assert not any(email.endswith(".invalid") for email in emails.values())


def test_an_empty_file_is_refused():
    error = rejected(csv_text())

    assert [e.describe() for e in error.errors] == ["file: the input holds no people"]


def test_a_rejection_lists_at_most_the_first_problems_and_counts_the_rest():
    rows = [f"X{i},Name,bad-address-{i},,,," for i in range(MAX_REPORTED_ERRORS + 5)]

    error = rejected(csv_text(*rows))

    assert error.total == MAX_REPORTED_ERRORS + 5
    assert len(error.errors) == MAX_REPORTED_ERRORS
    assert error.more == 5
    assert error.errors[0].line == 2
    assert "1005 problem(s) found; nothing was imported." in error.message


# --- import: who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COACH, Role.MANAGER, Role.LEAD_COACH, Role.MASTER_COACH,
                                  Role.SPONSOR, Role.RATER])
def test_only_an_admin_may_import(role):
    actor = user_with(role)

    with pytest.raises(NotPermitted):
        import_people(actor, parse_people_csv(csv_text(*ORG_ROWS)), source="test")
    db.session.rollback()

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_an_admin_may_import_and_is_named_in_the_audit_log():
    admin = user_with(Role.ADMIN)

    load(csv_text(*ORG_ROWS), admin, source="csv:people.csv")

    (entry,) = audit_entries()
    assert (entry.actor_id, entry.actor_label) == (admin.id, admin.email)


def test_a_deactivated_admin_may_not_import():
    admin = user_with(Role.ADMIN)
    admin.is_active = False
    db.session.commit()

    with pytest.raises(NotPermitted):
        import_people(admin, parse_people_csv(csv_text(*ORG_ROWS)), source="test")


def test_no_actor_may_not_import():
    with pytest.raises(NotPermitted):
        import_people(None, parse_people_csv(csv_text(*ORG_ROWS)), source="test")


# --- import: audit -----------------------------------------------------------------------------


def test_an_import_writes_one_audit_entry_with_its_counts(org):
    load(csv_text("E1,Aisha Chen,aisha@example.com,Sales,CRO,,true",
                  "E2,Ben Okafor,ben@example.com,Sales,Team Lead,E1,true",
                  "E7,Gita Rao,gita@example.com,Support,Agent,E5,true"), source="cli:x.csv")

    first, second = audit_entries()
    assert first.detail == {"via": "system", "source": "test", "created": 6, "updated": 0,
                            "unchanged": 0, "total": 6}
    assert second.detail == {"via": "system", "source": "cli:x.csv", "created": 1, "updated": 1,
                             "unchanged": 1, "total": 3}
    assert second.actor_label == "system:test"
    assert second.object_type == "person"


def test_a_no_op_import_is_audited_unless_asked_not_to(org):
    load(csv_text(*ORG_ROWS))
    import_people(SystemActor("sync"), parse_people_csv(csv_text(*ORG_ROWS)), source="sync",
                  record_noop=False)
    db.session.commit()

    assert [e.detail["unchanged"] for e in audit_entries()] == [0, 6]


def test_progress_is_reported_only_before_the_first_write():
    # The job's reporter writes through a second connection; on SQLite a report made after
    # this transaction's first write would wait on its lock until it timed out.
    seen: list[tuple[int, int]] = []

    def progress(percent: int, note: str) -> None:
        people = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
        seen.append((percent, people))

    summary = import_people(SystemActor("test"), parse_people_csv(csv_text(*ORG_ROWS)),
                            source="test", progress=progress)

    assert summary.created == 6
    assert seen, "no progress reported"
    assert [percent for percent, _ in seen] == sorted(percent for percent, _ in seen)
    assert all(people == 0 for _, people in seen)


# --- directory look-ups -------------------------------------------------------------------------


def test_program_staff_see_the_whole_directory(org):
    for role in (Role.ADMIN, Role.MASTER_COACH, Role.LEAD_COACH):
        people, total = list_people(user_with(role), PeopleQuery(active=None))
        assert total == 6
        assert ids(people) == ["E1", "E2", "E3", "E4", "E5", "E6"]  # by name


def test_a_manager_sees_themselves_and_their_direct_and_indirect_reports_only(org):
    manager = user_with(Role.MANAGER, person_id=org["E1"].id)

    people, total = list_people(manager, PeopleQuery(active=None))

    assert (ids(people), total) == (["E1", "E2", "E3", "E4"], 4)


def test_a_middle_manager_sees_only_their_own_line(org):
    people, total = list_people(user_with(Role.MANAGER, person_id=org["E2"].id),
                                PeopleQuery(active=None))

    assert (ids(people), total) == (["E2", "E3"], 2)
    assert list_departments(user_with(Role.MANAGER, person_id=org["E5"].id)) == ["Support"]


def test_a_manager_with_no_person_record_sees_no_one(org):
    assert list_people(user_with(Role.MANAGER), PeopleQuery(active=None)) == ([], 0)


@pytest.mark.parametrize("role", [Role.COACH, Role.SPONSOR, Role.RATER])
def test_others_may_not_list_people(org, role):
    with pytest.raises(NotPermitted):
        list_people(user_with(role), PeopleQuery())


def test_a_deep_reporting_line_is_followed_to_the_bottom():
    rows = ["L0,Level 0,l0@example.com,Ops,Boss,,true"]
    rows += [f"L{i},Level {i},l{i}@example.com,Ops,Rep,L{i - 1},true" for i in range(1, 30)]
    load(csv_text(*rows))

    manager = user_with(Role.MANAGER, person_id=person("L10").id)
    people, total = list_people(manager, PeopleQuery(per_page=200))

    assert total == 20  # themselves and the 19 below
    assert sorted(ids(people)) == sorted(f"L{i}" for i in range(10, 30))


@pytest.mark.parametrize(("q", "expected"), [
    ("aisha", ["E1"]),  # name, other case
    ("OKAFOR", ["E2"]),
    ("CARLA@EXAMPLE", ["E3"]),  # e-mail
    ("e4", ["E4"]),  # employee id
    ("  eve  ", ["E5"]),  # surrounding blanks ignored
    ("example.com", ["E1", "E2", "E3", "E4", "E5"]),
    ("nobody", []),
])
def test_q_matches_name_email_or_employee_id_ignoring_case(org, q, expected):
    people, total = list_people(SystemActor(), PeopleQuery(q=q))

    assert ids(people) == expected
    assert total == len(expected)


def test_q_treats_like_wildcards_as_plain_characters(org):
    PersonFactory(employee_id="U1", name="Under_score 100%", email="under@example.com")
    db.session.commit()

    assert ids(list_people(SystemActor(), PeopleQuery(q="_"))[0]) == ["U1"]
    assert ids(list_people(SystemActor(), PeopleQuery(q="100%"))[0]) == ["U1"]
    assert list_people(SystemActor(), PeopleQuery(q="%"))[1] == 1
    assert list_people(SystemActor(), PeopleQuery(q="a%n"))[1] == 0


def test_filters_by_department_and_status(org):
    def listed(**query) -> list[str]:
        return ids(list_people(SystemActor(), PeopleQuery(**query))[0])

    assert listed(department="Support") == ["E5"]  # active only by default
    assert listed(department="Support", active=None) == ["E5", "E6"]
    assert listed(department="Support", active=False) == ["E6"]
    assert listed(active=False) == ["E6"]
    assert listed(department="support") == []  # departments are matched exactly
    assert listed(department="Sales", q="ben") == ["E2"]


def test_pagination_pages_through_everyone_in_name_order(org):
    pages = [list_people(SystemActor(), PeopleQuery(active=None, page=page, per_page=4))
             for page in (1, 2, 3)]

    assert [ids(people) for people, _ in pages] == [["E1", "E2", "E3", "E4"], ["E5", "E6"], []]
    assert {total for _, total in pages} == {6}


def test_people_with_the_same_name_keep_a_stable_order():
    for i in range(5):
        PersonFactory(employee_id=f"S{i}", name="Sam Lee", email=f"sam{i}@example.com")
    db.session.commit()

    first = ids(list_people(SystemActor(), PeopleQuery(per_page=3))[0])
    second = ids(list_people(SystemActor(), PeopleQuery(page=2, per_page=3))[0])

    assert sorted(first + second) == [f"S{i}" for i in range(5)]


def test_list_departments_skips_blanks_and_sorts(org):
    PersonFactory(employee_id="N1", department="")
    db.session.commit()

    assert list_departments(SystemActor()) == ["Sales", "Support"]


def test_get_person_checks_the_reporting_line(org):
    manager = user_with(Role.MANAGER, person_id=org["E2"].id)

    assert get_person(manager, org["E3"].id).employee_id == "E3"
    with pytest.raises(NotPermitted):
        get_person(manager, org["E1"].id)  # their own manager
    with pytest.raises(NotPermitted):
        get_person(manager, org["E4"].id)  # a sibling line


def test_anyone_signed_in_may_see_their_own_record(org):
    coach = user_with(Role.COACH, person_id=org["E4"].id)

    assert get_person(coach, org["E4"].id).name == "Dmitri Ivanov"
    with pytest.raises(NotPermitted):
        get_person(coach, org["E3"].id)


def test_get_person_raises_not_found(org):
    with pytest.raises(NotFound):
        get_person(SystemActor(), 999_999)
    with pytest.raises(NotFound):
        get_person_by_employee_id(SystemActor(), "NOPE")
    assert get_person_by_employee_id(SystemActor(), "E6").name == "Farid Haddad"


def test_a_ten_thousand_row_export_imports_whole_with_its_hierarchy():
    # A realistic HRIS size, rows shuffled so managers often come after their reports.
    # Its speed is measured in bench/import_people.py.
    import random

    lines = [f"E{i},Person {i},p{i}@example.com,Dept {i % 12},Title,"
             f"{'' if i == 0 else f'E{(i - 1) // 8}'},true" for i in range(10_000)]
    random.Random(7).shuffle(lines)
    summary = import_people(SystemActor("test"), parse_people_csv(csv_text(*lines)),
                            source="test")
    db.session.commit()
    assert summary.created == 10_000
    assert db.session.scalar(sa.select(sa.func.count(Person.id))) == 10_000
    without_manager = db.session.scalar(
        sa.select(sa.func.count(Person.id)).where(Person.manager_id.is_(None)))
    assert without_manager == 1
    e9999 = db.session.scalar(sa.select(Person).where(Person.employee_id == "E9999"))
    assert e9999.manager.employee_id == f"E{9998 // 8}"


def test_get_manager_links_walks_up_every_line_in_one_query_and_stops_at_loops():
    top = PersonFactory()
    middle = PersonFactory(manager_id=top.id)
    bottom = PersonFactory(manager_id=middle.id)
    first, second = PersonFactory(), PersonFactory()
    first.manager_id, second.manager_id = second.id, first.id  # bad data: a loop
    PersonFactory(manager_id=bottom.id)  # below the people asked about: not needed
    db.session.flush()

    links = get_manager_links([bottom.id, first.id, None])

    assert links == {bottom.id: middle.id, middle.id: top.id, top.id: None,
                     first.id: second.id, second.id: first.id}
    assert get_manager_links([None]) == {}


# --- optional location and hire date ---------------------------------------------------------


def stored_place_and_start(employee_id: str) -> tuple[str, str | None]:
    db.session.rollback()
    found = person(employee_id)
    return found.location, found.hired_on.isoformat() if found.hired_on else None


def test_import_sets_location_and_hired_on_and_a_file_without_them_keeps_them(org):
    header = ",".join(["employee_id", "name", "email", "department", "title",
                       "manager_employee_id", "active", "location", "hired_on"])
    summary = load(csv_text(ORG_ROWS[2] + ",Berlin,2015-03-02", header=header))

    assert (summary.updated, stored_place_and_start("E1")) == (1, ("Berlin", "2015-03-02"))
    again = load(csv_text(ORG_ROWS[2]))  # the usual seven columns: nothing to change
    assert (again.unchanged, stored_place_and_start("E1")) == (1, ("Berlin", "2015-03-02"))
    cleared = load(csv_text(ORG_ROWS[2] + ",,", header=header))
    assert (cleared.updated, stored_place_and_start("E1")) == (1, ("", None))


def test_a_bad_hire_date_writes_nothing(org):
    header = csv_text().strip() + ",hired_on"
    error = rejected(csv_text(ORG_ROWS[0] + ",2015-13-01", header=header))

    assert [e.describe() for e in error.errors] == [
        "line 2 (hired_on): '2015-13-01' is not a date in the calendar"]
    assert stored_place_and_start("E3") == ("", None)
