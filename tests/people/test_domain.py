"""The people import rules, without an app or a database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coachprog.people.domain import (
    CSV_COLUMNS,
    MAX_LENGTHS,
    MAX_REPORTED_ERRORS,
    KnownPerson,
    PersonRecord,
    RowError,
    check_against_known,
    find_manager_cycles,
    limit_errors,
    parse_active,
    parse_people_csv,
    records_from_rows,
    reports_to,
)

HEADER = ",".join(CSV_COLUMNS)


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def row(employee_id: str, manager: str = "", *, name: str = "", email: str = "",
        department: str = "Sales", title: str = "Rep", active: str = "true") -> str:
    name = name or f"Name {employee_id}"
    email = email or f"{employee_id.lower()}@example.com"
    return ",".join([employee_id, name, email, department, title, manager, active])


def errors_of(data: bytes | str) -> list[tuple[int, str]]:
    return [(error.line, error.field) for error in parse_people_csv(data).errors]


def messages_of(data: bytes | str) -> list[str]:
    return [error.describe() for error in parse_people_csv(data).errors]


def record(employee_id: str, manager: str | None = None, *, line: int = 2,
           email: str = "") -> PersonRecord:
    return PersonRecord(line=line, employee_id=employee_id, name=f"Name {employee_id}",
                        email=email or f"{employee_id.lower()}@example.com", department="",
                        title="", manager_employee_id=manager, active=True)


# --- a good file -----------------------------------------------------------------------------


def test_parse_people_csv_reads_every_field():
    plan = parse_people_csv(csv_text(
        "E1,  Aisha Chen ,Aisha@Example.COM,Sales,VP Sales,,true",
        "E2,Ben Okafor,ben@example.com,Sales,Account Executive,E1,no",
    ))

    assert plan.is_valid, plan.errors
    assert plan.records == [
        PersonRecord(line=2, employee_id="E1", name="Aisha Chen", email="aisha@example.com",
                     department="Sales", title="VP Sales", manager_employee_id=None,
                     active=True),
        PersonRecord(line=3, employee_id="E2", name="Ben Okafor", email="ben@example.com",
                     department="Sales", title="Account Executive", manager_employee_id="E1",
                     active=False),
    ]


def test_parse_people_csv_accepts_columns_in_any_order_any_case_and_extra_columns():
    header = "Notes,ACTIVE,manager_employee_id, Title ,department,Email,name,employee_id"
    plan = parse_people_csv(csv_text("hello,yes,,Coach,HR,c@example.com,Cleo,E9", header=header))

    assert plan.is_valid, plan.errors
    (only,) = plan.records
    assert (only.employee_id, only.name, only.email, only.department, only.title) == (
        "E9", "Cleo", "c@example.com", "HR", "Coach")


def test_parse_people_csv_accepts_a_byte_order_mark_in_bytes_and_in_text():
    text = csv_text(row("E1"))
    for data in (b"\xef\xbb\xbf" + text.encode(), "\ufeff" + text):
        plan = parse_people_csv(data)
        assert plan.is_valid, plan.errors
        assert [r.employee_id for r in plan.records] == ["E1"]


def test_parse_people_csv_reads_utf8_names():
    plan = parse_people_csv(csv_text(row("E1", name="Zoë Þórsdóttir")).encode())

    assert plan.records[0].name == "Zoë Þórsdóttir"


def test_parse_people_csv_accepts_crlf_line_endings():
    plan = parse_people_csv("\r\n".join([HEADER, row("E1"), row("E2", "E1")]).encode())

    assert [(r.line, r.employee_id) for r in plan.records] == [(2, "E1"), (3, "E2")]


def test_parse_people_csv_of_a_header_alone_has_no_records_and_no_errors():
    plan = parse_people_csv(HEADER + "\n")

    assert plan.records == []
    assert plan.errors == []


# --- header problems ------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\n", ""])
def test_parse_people_csv_refuses_an_empty_file(data):
    assert messages_of(data) == ["line 1: the file is empty; expected a header line"]


@pytest.mark.parametrize("column", CSV_COLUMNS)
def test_parse_people_csv_names_a_missing_column(column):
    header = ",".join(c for c in CSV_COLUMNS if c != column)
    plan = parse_people_csv(csv_text("x", header=header))

    (error,) = plan.errors
    assert (error.line, error.field) == (1, "")
    assert error.message.startswith(f"missing column(s): {column};")
    assert plan.records == []


def test_parse_people_csv_names_every_missing_column_of_a_wrong_file():
    (error,) = parse_people_csv("id,full name,mail\n1,A,a@example.com\n").errors

    assert error.line == 1
    assert "missing column(s): employee_id, name, email, department, title, " \
           "manager_employee_id, active" in error.message


def test_parse_people_csv_refuses_a_repeated_column():
    plan = parse_people_csv(csv_text(row("E1") + ",x", header=HEADER + ",Email"))

    assert [e.describe() for e in plan.errors] == ["line 1: repeated column(s): email"]
    assert plan.records == []


def test_parse_people_csv_ignores_blank_extra_header_cells():
    # Spreadsheets often leave a trailing comma on every line.
    plan = parse_people_csv(csv_text(row("E1") + ",", header=HEADER + ","))

    assert plan.is_valid, plan.errors


@pytest.mark.parametrize("data", [
    "employee_id,name\n".encode("utf-16"),
    csv_text(row("E1"), row("E2", name="Zoë")).encode("latin-1"),
    b"\xff\xfe\x00",
])
def test_parse_people_csv_refuses_text_that_is_not_utf8(data):
    (error,) = parse_people_csv(data).errors

    assert error.line == 0
    assert error.message.startswith("the file is not UTF-8 text (byte ")
    assert error.describe().startswith("file: ")


def test_parse_people_csv_names_the_byte_that_is_not_utf8():
    data = csv_text(row("E1", name="Zoë")).encode("latin-1")

    position = data.index("ë".encode("latin-1"))

    (error,) = parse_people_csv(data).errors
    assert f"(byte {position})" in error.message


# --- line numbers as an editor shows them -----------------------------------------------------


def test_line_numbers_count_the_header_as_line_one():
    assert errors_of(csv_text(row("E1"), row("E2", email="broken"), row("E3"))) == [
        (3, "email")]


def test_line_numbers_skip_blank_lines_but_keep_counting_them():
    plan = parse_people_csv(csv_text(row("E1"), "", "   ", ",,,,,,", row("E2", email="bad")))

    assert [(r.line, r.employee_id) for r in plan.records] == [(2, "E1")]
    assert [(e.line, e.field) for e in plan.errors] == [(6, "email")]


def test_line_numbers_follow_a_quoted_field_that_spans_lines():
    header = HEADER + ",notes"
    plan = parse_people_csv(csv_text(
        row("E1") + ',"first line',
        "second line",
        'third line"',
        row("E2", email="bad") + ",",
        row("E3") + ',"one\r\ntwo"',
        row("E4", email="bad") + ",",
        header=header,
    ))

    assert [(r.line, r.employee_id) for r in plan.records] == [(2, "E1"), (6, "E3")]
    assert [(e.line, e.field) for e in plan.errors] == [(5, "email"), (8, "email")]


def test_line_numbers_name_the_first_line_of_a_row_with_the_wrong_field_count():
    plan = parse_people_csv(csv_text(row("E1"), "E2,too,few", row("E3") + ",extra"))

    assert [e.describe() for e in plan.errors] == [
        "line 3: has 3 fields, the header has 7",
        "line 4: has 8 fields, the header has 7",
    ]
    assert [r.employee_id for r in plan.records] == ["E1"]


def test_an_unclosed_quote_is_reported_at_the_line_where_it_opens():
    plan = parse_people_csv(csv_text(row("E1"), 'E2,"Ben,ben@example.com,,,,', row("E3")))

    assert [(e.line, e.field) for e in plan.errors] == [(3, "")]
    assert "fields" in plan.errors[0].message


# --- field validation ------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["employee_id", "name", "email"])
def test_a_required_field_may_not_be_empty(field):
    values = dict(zip(CSV_COLUMNS, row("E1").split(","), strict=True))
    values[field] = "   "
    plan = parse_people_csv(csv_text(",".join(values.values())))

    assert [e.describe() for e in plan.errors] == [f"line 2 ({field}): is empty"]
    assert plan.records == []


@pytest.mark.parametrize("field", ["department", "title", "manager_employee_id", "active"])
def test_optional_fields_may_be_empty(field):
    values = dict(zip(CSV_COLUMNS, row("E1").split(","), strict=True))
    values[field] = ""
    plan = parse_people_csv(csv_text(",".join(values.values())))

    assert plan.is_valid, plan.errors
    assert plan.records[0].active is True


@pytest.mark.parametrize("field", sorted(MAX_LENGTHS))
def test_a_field_longer_than_its_column_is_refused(field):
    limit = MAX_LENGTHS[field]
    fits = {"email": "a" * (limit - len("@example.com")) + "@example.com"}.get(field, "A" * limit)
    too_long = {"email": "a" + fits}.get(field, fits + "A")
    base = {"employee_id": "E1", "name": "N", "email": "n@example.com", "department": "",
            "title": "", "manager_employee_id": "", "active": ""}

    ok = records_from_rows([(2, {**base, field: fits})])
    bad = records_from_rows([(2, {**base, field: too_long})])

    assert [e for e in ok.errors if e.field == field] == []
    assert RowError(2, field, f"longer than {limit} characters") in bad.errors
    assert bad.records == []


@pytest.mark.parametrize("email", [
    "plainaddress", "@example.com", "ben@", "ben@example", "ben smith@example.com",
    "ben@exa mple.com", "ben@@example.com", "\"ben,ok@example.com\"", "<ben@example.com>",
])
def test_an_address_that_is_not_an_email_is_refused(email):
    (error,) = parse_people_csv(csv_text(row("E1", email=email))).errors

    assert (error.line, error.field) == (2, "email")
    assert "is not an e-mail address" in error.message


def test_email_addresses_are_lower_cased_and_compared_without_case():
    plan = parse_people_csv(csv_text(row("E1", email="Ben@Example.com"),
                                     row("E2", email="BEN@example.COM")))

    assert plan.records[0].email == "ben@example.com"
    assert [e.describe() for e in plan.errors] == [
        "line 3 (email): ben@example.com also appears on line 2"]


@pytest.mark.parametrize("employee_id", ["-E1", "E 1", "E1;drop", "Ë1", "E1<", ".E1"])
def test_an_employee_id_with_odd_characters_is_refused(employee_id):
    (error,) = parse_people_csv(csv_text(row(employee_id, email="x@example.com"))).errors

    assert (error.line, error.field) == (2, "employee_id")
    assert "has invalid characters" in error.message


@pytest.mark.parametrize("employee_id", ["E1", "0042", "ACME-7.3_b", "de/ber/17"])
def test_ordinary_employee_ids_are_accepted(employee_id):
    assert parse_people_csv(csv_text(row(employee_id, email="x@example.com"))).is_valid


def test_a_duplicate_employee_id_names_the_first_line():
    plan = parse_people_csv(csv_text(row("E1"), row("E2"), row("E1", email="other@example.com"),
                                     row("E1", email="third@example.com")))

    assert [e.describe() for e in plan.errors] == [
        "line 4 (employee_id): E1 also appears on line 2",
        "line 5 (employee_id): E1 also appears on line 2",
    ]


def test_a_duplicate_employee_id_names_the_first_line_even_when_that_row_is_invalid():
    plan = parse_people_csv(csv_text(row("E1", email="bad"), row("E1", email="ok@example.com")))

    assert [e.describe() for e in plan.errors] == [
        "line 2 (email): 'bad' is not an e-mail address",
        "line 3 (employee_id): E1 also appears on line 2",
    ]


def test_a_duplicate_email_names_the_first_line():
    plan = parse_people_csv(csv_text(row("E1", email="same@example.com"), "",
                                     row("E2", email="same@example.com")))

    assert [e.describe() for e in plan.errors] == [
        "line 4 (email): same@example.com also appears on line 2"]


def test_a_person_cannot_manage_themselves():
    plan = parse_people_csv(csv_text(row("E1"), row("E2", "E2")))

    assert [e.describe() for e in plan.errors] == [
        "line 3 (manager_employee_id): a person cannot manage themselves"]


@pytest.mark.parametrize("value", ["maybe", "2", "tru", "-1", "on?"])
def test_an_unreadable_active_flag_is_refused(value):
    (error,) = parse_people_csv(csv_text(row("E1", active=value))).errors

    assert (error.line, error.field) == (2, "active")
    assert repr(value) in error.message


def test_every_problem_of_a_row_and_of_the_file_is_reported_in_line_order():
    plan = parse_people_csv(csv_text(row("E1"), ",,bad,,,,maybe", row("E3", "E3")))

    assert [(e.line, e.field) for e in plan.errors] == [
        (3, "employee_id"), (3, "name"), (3, "email"), (3, "active"),
        (4, "manager_employee_id"),
    ]
    assert [r.employee_id for r in plan.records] == ["E1"]


@pytest.mark.parametrize(("value", "expected"), [
    ("true", True), ("TRUE", True), (" yes ", True), ("Y", True), ("1", True),
    ("active", True), ("", True), (None, True), (True, True), (1, True),
    ("false", False), ("No", False), ("n", False), ("0", False), ("inactive", False),
    (False, False), (0, False),
    ("maybe", None), ("2", None), ([], None), ("yes please", None),
])
def test_parse_active(value, expected):
    assert parse_active(value) is expected


@pytest.mark.parametrize("control", ["\x00", "\x07", "\n", "\t", "\x1b"])
def test_control_characters_in_a_value_are_refused(control):
    # PostgreSQL refuses NUL in text outright; the others make names nobody can display.
    plan = records_from_rows([(2, {"employee_id": "E1", "name": f"Ben{control}Okafor",
                                   "email": "ben@example.com"})])

    assert [(e.line, e.field) for e in plan.errors] == [(2, "name")]
    assert "control character" in plan.errors[0].message


@pytest.mark.parametrize("value", [["Ben"], {"first": "Ben"}, True, 1.5])
def test_api_values_that_are_not_text_are_refused(value):
    plan = records_from_rows([(0, {"employee_id": "E1", "name": value,
                                   "email": "ben@example.com"})], unit="item")

    assert [(e.line, e.field, e.message) for e in plan.errors] == [(0, "name", "must be text")]


def test_api_numeric_employee_ids_are_read_as_text():
    plan = records_from_rows([(0, {"employee_id": 1001, "name": "Ben",
                                   "email": "ben@example.com", "manager_employee_id": 7})],
                             unit="item")

    assert plan.is_valid, plan.errors
    assert (plan.records[0].employee_id, plan.records[0].manager_employee_id) == ("1001", "7")


def test_api_duplicates_name_the_first_item():
    plan = records_from_rows([
        (0, {"employee_id": "E1", "name": "A", "email": "a@example.com"}),
        (1, {"employee_id": "E1", "name": "B", "email": "a@example.com"}),
    ], unit="item")

    assert [e.describe("item") for e in plan.errors] == [
        "item 1 (employee_id): E1 also appears on item 0",
        "item 1 (email): a@example.com also appears on item 0",
    ]


# --- checks against the people on record ------------------------------------------------------


def test_forward_and_backward_manager_references_are_fine():
    plan = parse_people_csv(csv_text(row("E3", "E2"), row("E2", "E1"), row("E1"), row("E4", "E1")))

    assert plan.is_valid
    assert check_against_known(plan.records, {}) == []


def test_a_manager_may_be_someone_on_record():
    known = {"K1": KnownPerson("K1", "k1@example.com", None)}

    assert check_against_known([record("E1", "K1")], known) == []


def test_an_unknown_manager_is_refused():
    errors = check_against_known([record("E1"), record("E2", "NOPE", line=3)], {})

    assert [e.describe() for e in errors] == [
        "line 3 (manager_employee_id): no person with employee id NOPE in the file or on record"]


def test_a_manager_whose_own_row_was_refused_is_not_reported_missing_as_well():
    plan = parse_people_csv(csv_text(row("E1", email="broken"), row("E2", "E1"), row("E3", "E9")))

    assert plan.refused_ids == {"E1": 2}
    errors = [*plan.errors, *check_against_known(plan.records, {}, plan.refused_ids)]
    assert [e.describe() for e in sorted(errors, key=RowError.sort_key)] == [
        "line 2 (email): 'broken' is not an e-mail address",
        "line 4 (manager_employee_id): no person with employee id E9 in the file or on record",
    ]


def test_a_row_refused_for_its_employee_id_does_not_count_as_in_the_file():
    plan = parse_people_csv(csv_text(row("E 1", email="a@example.com"), row("E2", "E 1")))

    assert plan.refused_ids == {}
    assert [(e.line, e.field) for e in check_against_known(plan.records, {},
                                                           plan.refused_ids)] == [
        (3, "manager_employee_id")]


def test_an_email_belonging_to_another_known_person_is_refused():
    known = {"K1": KnownPerson("K1", "taken@example.com", None)}

    errors = check_against_known([record("E1", line=7, email="taken@example.com")], known)

    assert [e.describe() for e in errors] == [
        "line 7 (email): taken@example.com already belongs to employee K1"]


def test_a_known_person_keeps_or_changes_their_own_email():
    known = {"K1": KnownPerson("K1", "k1@example.com", None)}

    assert check_against_known([record("K1", email="k1@example.com")], known) == []
    assert check_against_known([record("K1", email="new@example.com")], known) == []


def test_two_known_people_may_swap_email_addresses_in_one_file():
    known = {"K1": KnownPerson("K1", "one@example.com", None),
             "K2": KnownPerson("K2", "two@example.com", None)}

    records = [record("K1", email="two@example.com"), record("K2", email="one@example.com")]
    assert check_against_known(records, known) == []


def test_taking_the_email_of_a_known_person_who_is_not_in_the_file_is_refused():
    known = {"K1": KnownPerson("K1", "one@example.com", None),
             "K2": KnownPerson("K2", "two@example.com", None)}

    errors = check_against_known([record("K1", email="two@example.com")], known)
    assert [(e.field, e.message) for e in errors] == [
        ("email", "two@example.com already belongs to employee K2")]


def test_a_two_person_cycle_is_refused_on_both_lines():
    plan = parse_people_csv(csv_text(row("E1", "E2"), row("E2", "E1"), row("E3", "E1")))

    errors = check_against_known(plan.records, {})

    assert [e.describe() for e in errors] == [
        "line 2 (manager_employee_id): manager chain loops: E1 → E2 → E1",
        "line 3 (manager_employee_id): manager chain loops: E1 → E2 → E1",
    ]


def test_a_three_person_cycle_is_refused_on_every_line_of_it():
    plan = parse_people_csv(csv_text(row("C", "A"), row("X"), row("B", "C"), row("A", "B")))

    errors = check_against_known(plan.records, {})

    assert [(e.line, e.field) for e in errors] == [
        (2, "manager_employee_id"), (4, "manager_employee_id"), (5, "manager_employee_id")]
    assert {e.message for e in errors} == {"manager chain loops: A → B → C → A"}


def test_a_cycle_through_a_person_on_record_is_refused():
    # On record: K1 reports to K2. The file makes K2 report to E1 and E1 to K1.
    known = {"K1": KnownPerson("K1", "k1@example.com", "K2"),
             "K2": KnownPerson("K2", "k2@example.com", None)}
    records = [record("K2", "E1", line=2), record("E1", "K1", line=3)]

    errors = check_against_known(records, known)

    # Only the file's lines can be fixed in the file, so only they are reported.
    assert [(e.line, e.message) for e in errors] == [
        (2, "manager chain loops: E1 → K1 → K2 → E1"),
        (3, "manager chain loops: E1 → K1 → K2 → E1"),
    ]


def test_moving_a_known_manager_under_their_own_report_is_a_cycle():
    known = {"K1": KnownPerson("K1", "k1@example.com", None),
             "K2": KnownPerson("K2", "k2@example.com", "K1")}

    errors = check_against_known([record("K1", "K2", line=9)], known)

    assert [(e.line, e.message) for e in errors] == [(9, "manager chain loops: K1 → K2 → K1")]


def test_fixing_a_cycle_in_the_same_file_is_fine():
    # K2 reports to K1 on record; the file turns it around in one go.
    known = {"K1": KnownPerson("K1", "k1@example.com", None),
             "K2": KnownPerson("K2", "k2@example.com", "K1")}

    assert check_against_known([record("K1", "K2"), record("K2", None, line=3)], known) == []


def test_limit_errors_keeps_the_first_ones_in_line_order():
    errors = [RowError(line, "email", "bad") for line in range(MAX_REPORTED_ERRORS + 10, 1, -1)]

    shown, more = limit_errors(errors)

    assert len(shown) == MAX_REPORTED_ERRORS
    assert shown[0].line == 2
    assert more == len(errors) - MAX_REPORTED_ERRORS


def test_ten_thousand_row_hierarchy_parses_and_validates():
    # Speed is measured in bench/import_people.py, not asserted here.
    rows = [row(f"E{i}", f"E{i // 10}" if i >= 10 else "") for i in range(10_000)]
    plan = parse_people_csv(csv_text(*rows).encode())
    assert plan.is_valid
    assert check_against_known(plan.records, {}) == []
    assert len(plan.records) == 10_000


# --- find_manager_cycles: examples and properties ---------------------------------------------


def test_find_manager_cycles_examples():
    assert find_manager_cycles({}) == []
    assert find_manager_cycles({"a": None, "b": "a", "c": "b"}) == []
    assert find_manager_cycles({"a": "a"}) == [["a"]]
    assert find_manager_cycles({"b": "a", "a": "b"}) == [["a", "b"]]
    assert find_manager_cycles({"x": "c", "c": "a", "a": "b", "b": "c", "y": "x"}) == [
        ["a", "b", "c"]]
    assert find_manager_cycles({"a": "b", "b": "a", "c": "d", "d": "c", "e": "missing"}) == [
        ["a", "b"], ["c", "d"]]


@st.composite
def forests(draw: st.DrawFn, max_size: int = 40) -> dict[str, str | None]:
    """A random reporting forest: each person's manager comes earlier in a random order."""
    size = draw(st.integers(min_value=0, max_value=max_size))
    order = draw(st.permutations([f"p{i}" for i in range(size)]))
    manager_of: dict[str, str | None] = {}
    for position, person in enumerate(order):
        if position == 0 or draw(st.integers(0, 4)) == 0:
            manager_of[person] = None
        else:
            manager_of[person] = order[draw(st.integers(0, position - 1))]
    keys = draw(st.permutations(list(manager_of)))
    return {key: manager_of[key] for key in keys}


def chain_up(manager_of: dict[str, str | None], person: str) -> list[str]:
    chain = [person]
    while (manager := manager_of.get(chain[-1])) is not None and manager not in chain:
        chain.append(manager)
    return chain


@given(forests())
def test_a_forest_has_no_cycle(manager_of):
    assert find_manager_cycles(manager_of) == []


@given(forests(), st.data())
def test_one_back_edge_makes_exactly_one_cycle_containing_it(manager_of, data):
    people = sorted(manager_of)
    if not people:
        return
    below = data.draw(st.sampled_from(people))
    # Send the top of `below`'s chain back down to `below` (or to itself: a one-person loop).
    top = chain_up(manager_of, below)[-1]
    manager_of = {**manager_of, top: below}

    cycles = find_manager_cycles(manager_of)

    assert len(cycles) == 1
    (cycle,) = cycles
    expected = chain_up({**manager_of, top: None}, below)  # below … top
    assert set(cycle) == set(expected)
    position = cycle.index(top)
    assert cycle[(position + 1) % len(cycle)] == below


functional_graphs = st.integers(min_value=0, max_value=30).flatmap(
    lambda n: st.fixed_dictionaries({
        f"p{i}": st.one_of(st.none(), st.sampled_from([f"p{j}" for j in range(n + 3)]))
        for i in range(n)
    })
)


@settings(max_examples=200)
@given(functional_graphs)
def test_every_reported_cycle_is_a_real_loop_and_every_loop_is_reported(manager_of):
    cycles = find_manager_cycles(manager_of)

    on_a_cycle: set[str] = set()
    for cycle in cycles:
        assert len(set(cycle)) == len(cycle)
        assert cycle[0] == min(cycle)
        for i, person in enumerate(cycle):
            assert manager_of[person] == cycle[(i + 1) % len(cycle)]
        assert on_a_cycle.isdisjoint(cycle)
        on_a_cycle.update(cycle)
    assert cycles == sorted(cycles)

    def loops_back(person: str) -> bool:
        current = manager_of.get(person)
        for _ in range(len(manager_of)):
            if current is None:
                return False
            if current == person:
                return True
            current = manager_of.get(current)
        return False

    assert on_a_cycle == {person for person in manager_of if loops_back(person)}


@given(functional_graphs, st.randoms(use_true_random=False))
def test_find_manager_cycles_does_not_depend_on_input_order(manager_of, random):
    keys = list(manager_of)
    random.shuffle(keys)

    assert find_manager_cycles({k: manager_of[k] for k in keys}) == find_manager_cycles(
        manager_of)


def test_find_manager_cycles_handles_a_long_chain_without_recursion():
    size = 50_000
    manager_of: dict[str, str | None] = {f"p{i}": f"p{i + 1}" for i in range(size)}
    manager_of[f"p{size}"] = "p0"

    (cycle,) = find_manager_cycles(manager_of)

    assert len(cycle) == size + 1


# --- reports_to ---------------------------------------------------------------------------------


@dataclass(eq=False)
class Node:
    id: int
    manager: Node | None = None


def build(manager_of: dict[int, int | None]) -> dict[int, Node]:
    nodes = {person_id: Node(person_id) for person_id in manager_of}
    for person_id, manager_id in manager_of.items():
        nodes[person_id].manager = nodes.get(manager_id) if manager_id is not None else None
    return nodes


def test_reports_to_examples():
    nodes = build({1: None, 2: 1, 3: 2, 4: 1, 5: None})

    assert reports_to(nodes[3], 2)
    assert reports_to(nodes[3], 1)  # indirectly
    assert reports_to(nodes[4], 1)
    assert not reports_to(nodes[4], 2)  # a sibling branch
    assert not reports_to(nodes[1], 1)  # nobody reports to themselves
    assert not reports_to(nodes[2], 3)  # upwards is not downwards
    assert not reports_to(nodes[5], 1)


def test_reports_to_stops_on_a_loop():
    nodes = build({1: 2, 2: 3, 3: 1, 4: 3})

    assert reports_to(nodes[4], 1)
    assert not reports_to(nodes[4], 99)


int_graphs = st.integers(min_value=1, max_value=25).flatmap(
    lambda n: st.fixed_dictionaries({
        i: st.one_of(st.none(), st.integers(min_value=0, max_value=n - 1)) for i in range(n)
    })
)


@given(int_graphs, st.data())
def test_reports_to_is_true_exactly_for_everyone_up_the_chain(manager_of, data):
    nodes = build(manager_of)
    person = data.draw(st.sampled_from(sorted(nodes)))

    above: set[int] = set()
    current = manager_of[person]
    while current is not None and current not in above:
        above.add(current)
        current = manager_of[current]

    for candidate in nodes:
        assert reports_to(nodes[person], candidate) is (candidate in above)


def test_a_semicolon_separated_export_is_explained():
    text = "employee_id;name;email;department;title;manager_employee_id;active\nE1;A;a@x.io;;;;\n"
    plan = parse_people_csv(text.encode())
    assert "semicolons" in plan.errors[0].message


def test_a_utf16_export_is_explained():
    data = "employee_id,name\n".encode("utf-16")
    plan = parse_people_csv(data)
    assert "UTF-16" in plan.errors[0].message and "CSV UTF-8" in plan.errors[0].message


# --- optional location and hire date (for the bias audit) ------------------------------------


def test_optional_location_and_hired_on_are_read_when_present():
    plan = parse_people_csv(csv_text(row("E1") + ",Berlin,2019-04-01", row("E2") + ",,",
                                     header=HEADER + ",location,hired_on"))

    assert plan.errors == []
    first, second = plan.records
    assert (first.location, first.hired_on.isoformat()) == ("Berlin", "2019-04-01")
    assert first.supplied == {"location", "hired_on"}
    assert (second.location, second.hired_on) == ("", None)


def test_a_file_without_the_optional_columns_supplies_neither():
    [only] = parse_people_csv(csv_text(row("E1"))).records

    assert (only.location, only.hired_on, only.supplied) == (None, None, frozenset())


@pytest.mark.parametrize(("value", "message"), [
    ("01/04/2019", "'01/04/2019' is not a date written as YYYY-MM-DD, e.g. 2019-04-01"),
    ("2019-02-30", "'2019-02-30' is not a date in the calendar"),
    ("1850-01-01", "1850-01-01 is before 1900; check the HRIS's start date"),
])
def test_a_bad_hire_date_is_refused_in_words_on_its_line(value, message):
    assert messages_of(csv_text(row("E1") + f",Lisbon,{value}",
                                header=HEADER + ",location,hired_on")) == [
        f"line 2 (hired_on): {message}"]


def test_a_too_long_location_is_refused():
    long = "x" * (MAX_LENGTHS["location"] + 1)

    assert messages_of(csv_text(row("E1") + f",{long}", header=HEADER + ",location")) == [
        f"line 2 (location): longer than {MAX_LENGTHS['location']} characters"]


def test_api_items_may_send_location_and_hired_on_or_leave_them_out():
    plan = records_from_rows([
        (0, {"employee_id": "A1", "name": "A", "email": "a@example.com",
             "location": "Remote", "hired_on": "2021-06-30"}),
        (1, {"employee_id": "A2", "name": "B", "email": "b@example.com", "hired_on": 20210630}),
    ], unit="item")

    assert plan.records[0].hired_on is not None and plan.records[0].location == "Remote"
    assert [e.describe("item") for e in plan.errors] == [
        "item 1 (hired_on): must be a date written as YYYY-MM-DD, e.g. 2019-04-01"]
