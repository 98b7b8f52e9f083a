"""People import rules: an HRIS export is taken whole or not at all.

An organisation's people come from its HRIS as CSV (`employee_id,name,email,department,title,
manager_employee_id,active`, optionally also `location` and `hired_on`, an ISO date such as
2019-04-01) or as JSON through the API. An optional column left out of the file (or a key left
out of an API item) leaves what is stored as it is; present but blank clears it. Rows are
upserted by employee id; manager links may point forward or backward in the file or at people
already known; the manager chain must stay a tree (no one may end up managing themselves).
Every problem is reported with where it is (a CSV line number as an editor shows it, the header
being line 1) and nothing is written unless the whole input is valid.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from coachprog.notifications.domain import address_problem

CSV_COLUMNS = ("employee_id", "name", "email", "department", "title", "manager_employee_id",
               "active")
REQUIRED_COLUMNS = frozenset(CSV_COLUMNS)
# For the quarterly bias audit's location and tenure breakdowns; many HRIS exports lack them.
OPTIONAL_COLUMNS = ("location", "hired_on")
ALL_COLUMNS = (*CSV_COLUMNS, *OPTIONAL_COLUMNS)
MAX_LENGTHS = {"employee_id": 64, "name": 200, "email": 254, "department": 200, "title": 200,
               "manager_employee_id": 64, "location": 200}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EARLIEST_HIRE = date(1900, 1, 1)
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "active"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "inactive"})
# Deliberately simple: the HRIS owns e-mail correctness; we only catch obvious garbage.
EMAIL_PATTERN = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
EMPLOYEE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")
TEXT_FIELDS = ("employee_id", "name", "email", "department", "title", "manager_employee_id")
MAX_REPORTED_ERRORS = 1000


@dataclass(frozen=True)
class PersonRecord:
    """One validated input row; `line` is where it came from (CSV line or API item index)."""

    line: int
    employee_id: str
    name: str
    email: str
    department: str
    title: str
    manager_employee_id: str | None
    active: bool
    # None: the column (or API key) was not given, so the stored value stays as it is.
    location: str | None = None
    hired_on: date | None = None
    # Which optional columns the row gave (hired_on may be given blank, which clears it).
    supplied: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def sort_key(self) -> tuple[int, int, str]:
        """Line first, then the field's column position, as the user reads the file."""
        column = ALL_COLUMNS.index(self.field) if self.field in ALL_COLUMNS else -1
        return (self.line, column, self.message)

    def describe(self, unit: str = "line") -> str:
        where = f"{unit} {self.line}" if self.line else "file"
        column = f" ({self.field})" if self.field else ""
        return f"{where}{column}: {self.message}"


@dataclass(frozen=True)
class KnownPerson:
    """What the import needs to know of a person already stored."""

    employee_id: str
    email: str
    manager_employee_id: str | None


@dataclass
class ImportPlan:
    records: list[PersonRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Employee ids of rows refused for their own problems, with their line: a report whose
    # manager is one of them is not also told that the manager is missing from the file.
    refused_ids: dict[str, int] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def parse_people_csv(data: bytes | str) -> ImportPlan:
    """Read an HRIS CSV export into records, collecting every row-level problem."""
    plan = ImportPlan()
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            hint = ("it looks like UTF-16; " if data[:2] in (b"\xff\xfe", b"\xfe\xff")
                    else "")
            plan.errors.append(RowError(0, "", f"the file is not UTF-8 text (byte {exc.start}); "
                                        f"{hint}save it as “CSV UTF-8” and upload it again"))
            return plan
    else:
        text = data.removeprefix("\ufeff")
    if not text.strip():
        plan.errors.append(RowError(1, "", "the file is empty; expected a header line"))
        return plan
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as exc:
        plan.errors.append(RowError(1, "", f"unreadable header: {exc}"))
        return plan
    missing = [name for name in CSV_COLUMNS if name not in header]
    if missing:
        # Spreadsheets in many locales save "CSV" with semicolons; say so rather than only
        # listing every column as missing.
        hint = ("; the file seems to use semicolons or tabs between values: save it as "
                "comma-separated CSV" if len(header) == 1 and re.search(r"[;\t]", header[0])
                else "")
        plan.errors.append(
            RowError(1, "", "missing column(s): " + ", ".join(missing)
                     + "; expected " + ",".join(CSV_COLUMNS)
                     + " (optional: " + ",".join(OPTIONAL_COLUMNS) + ")" + hint)
        )
        return plan
    duplicated = sorted({name for name in header if header.count(name) > 1 and name})
    if duplicated:
        plan.errors.append(RowError(1, "", "repeated column(s): " + ", ".join(duplicated)))
        return plan
    index = {name: header.index(name) for name in ALL_COLUMNS if name in header}
    rows: list[tuple[int, dict[str, str]]] = []
    next_line = reader.line_num + 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            plan.errors.append(RowError(next_line, "", f"unreadable row: {exc}"))
            break
        line, next_line = next_line, reader.line_num + 1
        if not any(cell.strip() for cell in raw):
            continue  # blank lines, common at the end of exports
        if len(raw) != len(header):
            plan.errors.append(
                RowError(line, "", f"has {len(raw)} fields, the header has {len(header)}")
            )
            continue
        rows.append((line, {name: raw[i] for name, i in index.items()}))
    record_plan = records_from_rows(rows)
    plan.records = record_plan.records
    plan.errors.extend(record_plan.errors)
    plan.refused_ids = record_plan.refused_ids
    return plan


def records_from_rows(
    rows: Iterable[tuple[int, Mapping[str, object]]], *, unit: str = "line"
) -> ImportPlan:
    """Validate field values row by row (shared by the CSV import and the API).

    `unit` names what the position is in messages: a CSV "line" or an API "item".
    """
    plan = ImportPlan()
    first_line_of_id: dict[str, int] = {}
    first_line_of_email: dict[str, int] = {}
    for line, row in rows:
        errors: list[RowError] = []
        values: dict[str, str] = {}
        unreadable: set[str] = set()
        for name in TEXT_FIELDS:
            value, problem = _text_value(row.get(name))
            if problem is None and len(value) > MAX_LENGTHS[name]:
                problem = f"longer than {MAX_LENGTHS[name]} characters"
            if problem is not None:
                errors.append(RowError(line, name, problem))
                unreadable.add(name)
            values[name] = value
        employee_id, email = values["employee_id"], values["email"].lower()
        if "employee_id" in unreadable and not employee_id:
            pass
        elif not employee_id:
            errors.append(RowError(line, "employee_id", "is empty"))
        elif not EMPLOYEE_ID_PATTERN.match(employee_id):
            errors.append(RowError(line, "employee_id", f"{employee_id!r} has invalid characters"))
        elif employee_id in first_line_of_id:
            errors.append(RowError(line, "employee_id",
                                   f"{employee_id} also appears on {unit} "
                                   f"{first_line_of_id[employee_id]}"))
        else:
            first_line_of_id[employee_id] = line
        if not values["name"] and "name" not in unreadable:
            errors.append(RowError(line, "name", "is empty"))
        if "email" in unreadable:
            pass
        elif not email:
            errors.append(RowError(line, "email", "is empty"))
        elif not EMAIL_PATTERN.match(email):
            errors.append(RowError(line, "email", f"{email!r} is not an e-mail address"))
        elif (undeliverable := address_problem(email)) is not None:
            # The mailer's own rule: an address imported here is one it can write to.
            errors.append(RowError(line, "email", f"{email!r}: {undeliverable}"))
        elif email in first_line_of_email:
            errors.append(RowError(line, "email",
                                   f"{email} also appears on {unit} {first_line_of_email[email]}"))
        else:
            first_line_of_email[email] = line
        manager = values["manager_employee_id"] or None
        if manager is not None and manager == employee_id:
            errors.append(RowError(line, "manager_employee_id",
                                   "a person cannot manage themselves"))
        active = parse_active(row.get("active"))
        if active is None:
            errors.append(RowError(line, "active",
                                   f"{row.get('active')!r} is not true/false (or yes/no, 1/0)"))
        supplied = frozenset(name for name in OPTIONAL_COLUMNS if name in row)
        location: str | None = None
        if "location" in supplied:
            location, problem = _text_value(row.get("location"))
            if problem is None and len(location) > MAX_LENGTHS["location"]:
                problem = f"longer than {MAX_LENGTHS['location']} characters"
            if problem is not None:
                errors.append(RowError(line, "location", problem))
        hired_on: date | None = None
        if "hired_on" in supplied:
            hired_on, problem = parse_hired_on(row.get("hired_on"))
            if problem is not None:
                errors.append(RowError(line, "hired_on", problem))
        if errors:
            plan.errors.extend(errors)
            if employee_id and not any(e.field == "employee_id" for e in errors):
                plan.refused_ids.setdefault(employee_id, line)
            continue
        plan.records.append(PersonRecord(
            line=line, employee_id=employee_id, name=values["name"], email=email,
            department=values["department"], title=values["title"],
            manager_employee_id=manager, active=bool(active),
            location=location, hired_on=hired_on, supplied=supplied,
        ))
    return plan


def _text_value(raw: object) -> tuple[str, str | None]:
    """A field's text and the problem with it, if any. The API may send whole numbers for
    ids (HRIS ids are often numeric), but a list, an object or true is not a name."""
    if raw is None:
        return "", None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw), None
    if not isinstance(raw, str):
        return "", "must be text"
    value = raw.strip()
    control = CONTROL_CHARACTER.search(value)
    if control is not None:
        # PostgreSQL cannot store NUL in text at all; the others break every page they're on.
        return value, f"contains a control character (U+{ord(control.group()):04X})"
    return value, None


def parse_hired_on(raw: object) -> tuple[date | None, str | None]:
    """A hire date given as YYYY-MM-DD (blank: not recorded) and the problem with it, if any."""
    if raw is None:
        return None, None
    if not isinstance(raw, str):
        return None, "must be a date written as YYYY-MM-DD, e.g. 2019-04-01"
    text = raw.strip()
    if not text:
        return None, None
    if not ISO_DATE.match(text):
        return None, f"{text!r} is not a date written as YYYY-MM-DD, e.g. 2019-04-01"
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None, f"{text!r} is not a date in the calendar"
    if value < EARLIEST_HIRE:
        return None, f"{text} is before 1900; check the HRIS's start date"
    return value, None


def parse_active(value: object) -> bool | None:
    """True/False for an HRIS active flag; blank means active; None when unreadable."""
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text == "" or text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def check_against_known(
    records: list[PersonRecord],
    known: Mapping[str, KnownPerson],
    refused_ids: Mapping[str, int] | None = None,
) -> list[RowError]:
    """Problems that only show against the people already stored: unknown managers, e-mail
    addresses that belong to someone else, and manager chains that would loop.

    `refused_ids` are people whose own rows were refused: they are in the file, so naming
    one as a manager is not a further problem (fixing their row fixes both).
    """
    errors: list[RowError] = []
    in_file = {record.employee_id: record for record in records}
    refused = refused_ids or {}
    email_owner = {person.email: person.employee_id for person in known.values()
                   if person.employee_id not in in_file}
    for record in records:
        manager = record.manager_employee_id
        if (manager is not None and manager not in in_file and manager not in known
                and manager not in refused):
            errors.append(RowError(
                record.line, "manager_employee_id",
                f"no person with employee id {manager} in the file or on record"))
        owner = email_owner.get(record.email)
        if owner is not None and owner != record.employee_id:
            errors.append(RowError(record.line, "email",
                                   f"{record.email} already belongs to employee {owner}"))
    manager_of: dict[str, str | None] = {
        person.employee_id: person.manager_employee_id for person in known.values()
    }
    manager_of.update({record.employee_id: record.manager_employee_id for record in records})
    for cycle in find_manager_cycles(manager_of):
        chain = " → ".join([*cycle, cycle[0]])
        for employee_id in cycle:
            if employee_id in in_file:
                errors.append(RowError(in_file[employee_id].line, "manager_employee_id",
                                       f"manager chain loops: {chain}"))
    return sorted(errors, key=RowError.sort_key)


def find_manager_cycles(manager_of: Mapping[str, str | None]) -> list[list[str]]:
    """Every loop in the employee → manager graph, each once, starting at its smallest id.

    Each person has at most one manager, so following the links from any person either ends
    or enters exactly one loop; walking each chain once keeps this linear in the number of people.
    """
    state: dict[str, int] = {}  # 1: on the current walk, 2: finished
    cycles: list[list[str]] = []
    for start in manager_of:
        if start in state:
            continue
        walk: list[str] = []
        node: str | None = start
        while node is not None and node not in state:
            state[node] = 1
            walk.append(node)
            node = manager_of.get(node)
        if node is not None and state.get(node) == 1:
            loop = walk[walk.index(node):]
            pivot = loop.index(min(loop))
            cycles.append(loop[pivot:] + loop[:pivot])
        for visited in walk:
            state[visited] = 2
    return sorted(cycles)


def limit_errors(errors: list[RowError]) -> tuple[list[RowError], int]:
    """The first errors to show and how many more there were (a broken 10 000-row file would
    otherwise produce a page nobody can read)."""
    ordered = sorted(errors, key=RowError.sort_key)
    return ordered[:MAX_REPORTED_ERRORS], max(0, len(ordered) - MAX_REPORTED_ERRORS)


class HasManager(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def manager(self) -> HasManager | None: ...


def reports_to(person: HasManager, manager_person_id: int) -> bool:
    """Whether `person` is below the given manager, directly or indirectly."""
    seen: set[int] = set()
    current = person.manager
    while current is not None and current.id not in seen:
        if current.id == manager_person_id:
            return True
        seen.add(current.id)
        current = current.manager
    return False


# --- the management-chain bar --------------------------------------------------------------------
# Coaching is not surveillance: nobody above a person in their reporting line supervises, rates,
# audits, moderates or judges them, nor opens their coaching content or practicum ledger. The
# services and predicates of every program package ask `people.services.in_management_chain`
# and word their refusals with `chain_bar_refusal`.


def manager_chain(start: int | None, manager_of: Mapping[int, int | None]) -> tuple[int, ...]:
    """The managers above person `start`, direct manager first (stops at a loop)."""
    chain: list[int] = []
    seen: set[int] = set()
    current = manager_of.get(start) if start is not None else None
    while current is not None and current not in seen:
        chain.append(current)
        seen.add(current)
        current = manager_of.get(current)
    return tuple(chain)


def chain_bar_refusal(name: str, subject_name: str, capacity: str, *, direct: bool) -> str:
    """The refusal, in words, of seating someone over a person they manage."""
    how = "" if direct else " indirectly (further up their reporting line)"
    return (f"{name} manages {subject_name}{how}, so cannot be their {capacity}: nobody in a "
            "person's management chain supervises, rates, audits or judges them (coaching is "
            "not surveillance). Choose someone outside their reporting line.")
