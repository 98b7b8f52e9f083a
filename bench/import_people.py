"""Import throughput: a 10 000-person HRIS export through the same path as the web import.

Builds the app against a scratch database (a temporary SQLite file by default; with
COACHPROG_DATABASE_URL set to PostgreSQL, a scratch schema in that database, dropped at the
end), brings the schema up with the migrations, generates a realistic organisation (a reporting
tree about six levels deep, departments inherited down each line, rows in shuffled order so
managers come after their reports as often as before) and times three imports:

1. into an empty directory (everyone created),
2. the same file again (everyone unchanged),
3. the file with 10 % of the rows changed (titles, departments, managers, e-mails, status).

Each import is parse_people_csv + import_people as the system actor + commit, the same calls
the job and the CLI make.

    .venv/bin/python bench/import_people.py                       # SQLite
    COACHPROG_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/import_people.py                   # PostgreSQL
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import platform
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

FIRST_NAMES = (
    "Aisha", "Ben", "Carla", "Dmitri", "Eve", "Farid", "Gita", "Hana", "Ida", "Jonas", "Kofi",
    "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tomoko", "Ugo",
    "Vera", "Wei", "Ximena", "Yusuf", "Zoë", "Émile", "Łucja", "Søren", "Ngozi",
)
LAST_NAMES = (
    "Chen", "Okafor", "Rossi", "Ivanov", "Martin", "Haddad", "Rao", "Sato", "Berg", "Müller",
    "Mensah", "García", "Kowalski", "Nguyen", "Ó Briain", "Schmidt", "Patel", "Dubois", "Kim",
    "Andersen", "Costa", "Novak", "Yilmaz", "Silva", "Fischer", "Lindqvist", "Moreau",
)
DEPARTMENTS = ("Sales", "Engineering", "Support", "Finance", "People", "Marketing",
               "Operations", "Legal")
TITLES = ("Associate", "Specialist", "Senior Specialist", "Analyst", "Engineer", "Consultant",
          "Coordinator", "Advisor")
MANAGER_TITLES = ("Team Lead", "Manager", "Senior Manager", "Director")
HEADER = ("employee_id", "name", "email", "department", "title", "manager_employee_id",
          "active")


@dataclass(frozen=True)
class Row:
    employee_id: str
    name: str
    email: str
    department: str
    title: str
    manager: str
    active: bool


def generate_org(size: int, rng: random.Random) -> list[Row]:
    """A reporting tree: person i reports to someone earlier, spans of control of 5 to 9."""
    managers: list[int | None] = [None]
    for i in range(1, size):
        managers.append((i - 1) // rng.randint(5, 9))
    has_reports = {m for m in managers if m is not None}
    employee_ids = [f"E{n:06d}" for n in rng.sample(range(1, size * 10), size)]
    rows: list[Row] = []
    for i, manager in enumerate(managers):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if manager is None:
            department, title = "Executive", "Chief Executive Officer"
        elif manager == 0:
            department, title = DEPARTMENTS[i % len(DEPARTMENTS)], "Vice President"
        else:
            department = rows[manager].department
            title = rng.choice(MANAGER_TITLES if i in has_reports else TITLES)
        local = f"{first}.{last}".lower().replace(" ", "").replace("ó", "o")
        rows.append(Row(
            employee_id=employee_ids[i],
            name=f"{first} {last}",
            email=f"{local}.{i}@example.com",
            department=department,
            title=title,
            manager=employee_ids[manager] if manager is not None else "",
            active=rng.random() > 0.03,
        ))
    return rows


def change_some(rows: list[Row], share: float, rng: random.Random) -> tuple[list[Row], int]:
    """A later export: `share` of the people promoted, moved, renamed or leaving."""
    index_of = {row.employee_id: i for i, row in enumerate(rows)}
    changed = list(rows)
    picked = rng.sample(range(1, len(rows)), int(len(rows) * share))
    for i in picked:
        row = changed[i]
        kind = rng.randrange(5)
        if kind == 0:
            changed[i] = replace(row, title=rng.choice(
                [t for t in MANAGER_TITLES if t != row.title]))
        elif kind == 1:
            changed[i] = replace(row, department=rng.choice(
                [d for d in DEPARTMENTS if d != row.department]))
        elif kind == 2 and index_of[row.manager] > 0:
            # A new manager from earlier in the tree keeps it a tree.
            changed[i] = replace(row, manager=rows[rng.randrange(0, index_of[row.manager])]
                                 .employee_id)
        elif kind == 3:
            changed[i] = replace(row, email=row.email.replace("@", ".new@"))
        else:
            changed[i] = replace(row, active=not row.active)
    return changed, len(picked)


def to_csv(rows: list[Row], rng: random.Random) -> bytes:
    shuffled = list(rows)
    rng.shuffle(shuffled)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in shuffled:
        writer.writerow([row.employee_id, row.name, row.email, row.department, row.title,
                         row.manager, "true" if row.active else "false"])
    return out.getvalue().encode("utf-8")


@contextmanager
def scratch_database(url: str | None) -> Iterator[str]:
    """A SQLAlchemy URL for an empty database that is removed afterwards."""
    if not url or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="coachprog-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    schema = f"bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Timing:
    label: str
    rows: int
    parse: float
    write: float
    commit: float
    counts: dict[str, int]

    @property
    def total(self) -> float:
        return self.parse + self.write + self.commit


def timed_import(label: str, data: bytes) -> Timing:
    from coachprog.authority import SystemActor
    from coachprog.extensions import db
    from coachprog.people.domain import parse_people_csv
    from coachprog.people.services import import_people

    started = time.perf_counter()
    plan = parse_people_csv(data)
    parsed = time.perf_counter()
    if not plan.is_valid:
        raise SystemExit(f"generated file is invalid: {plan.errors[:5]}")
    summary = import_people(SystemActor("bench"), plan, source="bench")
    written = time.perf_counter()
    db.session.commit()
    committed = time.perf_counter()
    db.session.expunge_all()
    return Timing(label, len(plan.records), parsed - started, written - parsed,
                  committed - written, summary.as_dict())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--change", type=float, default=0.10, help="share changed in run 3")
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from coachprog import create_app
    from coachprog.extensions import db

    rng = random.Random(args.seed)
    rows = generate_org(args.rows, rng)
    first_file = to_csv(rows, rng)
    changed_rows, changed = change_some(rows, args.change, rng)
    changed_file = to_csv(changed_rows, rng)

    with scratch_database(os.environ.get("COACHPROG_DATABASE_URL")) as url, \
            tempfile.TemporaryDirectory(prefix="coachprog-bench-instance-") as instance:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "bench",
            "COACHPROG_QUEUE": "immediate",
        })
        with app.app_context():
            logging.disable(logging.INFO)  # alembic's per-revision lines
            upgrade()
            logging.disable(logging.NOTSET)
            dialect = db.engine.dialect.name
            server = db.session.scalar(sa.text(
                "select sqlite_version()" if dialect == "sqlite" else "show server_version"))
            db.session.rollback()
            timings = [
                timed_import("1. empty directory", first_file),
                timed_import("2. same file again", first_file),
                timed_import(f"3. {changed} rows changed", changed_file),
            ]
            stored = db.session.scalar(sa.text("select count(*) from people"))
            db.session.rollback()
            db.engine.dispose()

    expected = [
        {"created": args.rows, "updated": 0, "unchanged": 0, "total": args.rows},
        {"created": 0, "updated": 0, "unchanged": args.rows, "total": args.rows},
        {"created": 0, "updated": changed, "unchanged": args.rows - changed, "total": args.rows},
    ]
    print(f"\ncoachprog people import: {args.rows} rows, {len(first_file) / 1e6:.2f} MB CSV, "
          f"{dialect} {server}, Python {platform.python_version()}, {os.cpu_count()} CPU(s)")
    print(f"{'run':<26}{'parse s':>9}{'import s':>10}{'commit s':>10}{'total s':>9}"
          f"{'rows/s':>9}   created/updated/unchanged")
    for timing in timings:
        counts = timing.counts
        print(f"{timing.label:<26}{timing.parse:>9.2f}{timing.write:>10.2f}{timing.commit:>10.2f}"
              f"{timing.total:>9.2f}{timing.rows / timing.total:>9.0f}   "
              f"{counts['created']}/{counts['updated']}/{counts['unchanged']}")
    problems = [f"run {i + 1}: {t.counts} != {e}"
                for i, (t, e) in enumerate(zip(timings, expected, strict=True)) if t.counts != e]
    if stored != args.rows:
        problems.append(f"{stored} people stored, expected {args.rows}")
    for problem in problems:
        print("UNEXPECTED:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
