"""The demo organisation: a few hundred people in departments under a manager hierarchy, and
one account per role. Deterministic, and idempotent: a second run changes nothing."""

from __future__ import annotations

import hashlib
import os
import random
import secrets
from pathlib import Path
from typing import Any

from flask import current_app

from coachprog.auth import services as auth_services
from coachprog.auth.domain import Role
from coachprog.governance import services as audit
from coachprog.people.domain import PersonRecord, records_from_rows
from coachprog.people.services import import_people

FIRST_NAMES = [
    "Aisha",
    "Ben",
    "Carla",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Lars",
    "Maya",
    "Nikhil",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Xavier",
    "Yara",
    "Zoltan",
    "Amara",
    "Bruno",
    "Chloe",
    "Dev",
    "Emil",
    "Fatima",
    "Gustav",
    "Hana",
    "Ivan",
    "Julia",
    "Kofi",
    "Lena",
    "Mateo",
    "Nora",
    "Oscar",
    "Priya",
    "Rahel",
    "Stefan",
    "Thea",
    "Uma",
    "Viktor",
    "Willa",
]
LAST_NAMES = [
    "Andersson",
    "Baptiste",
    "Chen",
    "Dubois",
    "Eze",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhou",
    "Abbott",
    "Brennan",
    "Costa",
    "Delgado",
    "Engel",
    "Fontaine",
    "Gallo",
    "Horvat",
    "Iqbal",
    "Jovanovic",
    "Kaur",
    "Lopez",
    "Mensah",
]
DEPARTMENTS = {
    "Engineering": ("Software Engineer", "Senior Engineer", "Staff Engineer", "QA Engineer"),
    "Sales": ("Account Executive", "Sales Development Rep", "Key Account Manager"),
    "Finance": ("Financial Analyst", "Accountant", "Controller"),
    "Operations": ("Operations Analyst", "Logistics Coordinator", "Plant Supervisor"),
    "People & Culture": ("HR Business Partner", "L&D Specialist", "Recruiter"),
    "Marketing": ("Marketing Manager", "Content Strategist", "Brand Designer"),
    "Customer Success": ("Customer Success Manager", "Support Specialist", "Onboarding Lead"),
    "Legal": ("Counsel", "Paralegal", "Compliance Officer"),
}

# (e-mail, role, employee id of the person the account belongs to; None: no directory record)
DEMO_ACCOUNTS: tuple[tuple[str, Role, str | None], ...] = (
    ("admin@demo.example", Role.ADMIN, "E1001"),
    ("master@demo.example", Role.MASTER_COACH, None),  # an external master coach
    ("lead@demo.example", Role.LEAD_COACH, "E1002"),
    ("coach@demo.example", Role.COACH, "E1003"),
    ("rater@demo.example", Role.RATER, "E1004"),
    ("sponsor@demo.example", Role.SPONSOR, "E0002"),
    ("manager@demo.example", Role.MANAGER, "E0010"),
)


def demo_people(count: int) -> list[dict[str, Any]]:
    """A CEO, a head per department, managers under each head, staff under the managers."""
    rng = random.Random(20261123)  # fixed: the same organisation on every machine
    used_names: set[str] = set()

    def name() -> str:
        while True:
            candidate = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if candidate not in used_names:
                used_names.add(candidate)
                return candidate

    rows: list[dict[str, Any]] = []

    def add(employee_id: str, dept: str, title: str, manager: str | None) -> None:
        full_name = name()
        email = full_name.lower().replace(" ", ".") + "@demo.example"
        rows.append(
            {
                "employee_id": employee_id,
                "name": full_name,
                "email": email,
                "department": dept,
                "title": title,
                "manager_employee_id": manager,
                "active": rng.random() > 0.03,
            }
        )

    add("E0001", "Executive", "Chief Executive Officer", None)
    heads: dict[str, str] = {}
    for index, dept in enumerate(DEPARTMENTS, start=2):
        heads[dept] = f"E{index:04d}"
        add(heads[dept], dept, f"VP {dept}", "E0001")
        rows[-1]["active"] = True
    managers: list[tuple[str, str]] = []
    number = 10
    for dept in DEPARTMENTS:
        for _ in range(3):
            managers.append((f"E{number:04d}", dept))
            add(f"E{number:04d}", dept, f"{dept} Manager", heads[dept])
            rows[-1]["active"] = True
            number += 1
    # The demo accounts' own records, placed where their role makes sense.
    add("E1001", "People & Culture", "L&D Program Manager", heads["People & Culture"])
    add("E1002", "People & Culture", "Lead Coach", heads["People & Culture"])
    add("E1003", "Engineering", "Senior Engineer", "E0010")
    add("E1004", "People & Culture", "HR Business Partner", heads["People & Culture"])
    for row in rows[-4:]:
        row["active"] = True
    staff_number = 2000
    while len(rows) < count:
        manager, dept = rng.choice(managers)
        add(f"E{staff_number:04d}", dept, rng.choice(DEPARTMENTS[dept]), manager)
        staff_number += 1
    return rows


def demo_password() -> str:
    """COACHPROG_DEMO_PASSWORD, or one generated on the first run and kept in instance/."""
    from_env = os.environ.get("COACHPROG_DEMO_PASSWORD")
    if from_env:
        return from_env
    path = current_app.instance_path + "/demo_password"
    if os.path.exists(path):
        with open(path) as handle:
            return handle.read().strip()
    password = "demo-" + secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return password


def seed_demo(actor: Any, *, people: int = 320) -> str:
    rows = demo_people(max(people, 40))
    plan = records_from_rows((index + 2, row) for index, row in enumerate(rows))
    if plan.errors:  # pragma: no cover - the generator is under test
        raise RuntimeError(f"demo data is invalid: {plan.errors[:3]}")
    import_people(actor, plan, source="seed", record_noop=False)
    password = demo_password()
    # Remember which demo password was applied last (a digest, not the password).
    fingerprint_file = Path(current_app.instance_path) / "demo_password_applied"
    fingerprint = hashlib.sha256(password.encode()).hexdigest()
    password_changed = (
        not fingerprint_file.exists() or fingerprint_file.read_text().strip() != fingerprint
    )
    from coachprog.people.services import get_person_by_employee_id

    for email, role, employee_id in DEMO_ACCOUNTS:
        user = auth_services.get_user_by_email(email)
        person_id = get_person_by_employee_id(actor, employee_id).id if employee_id else None
        if user is None:
            display = _display_name(plan.records, employee_id) or "Morgan Ellis (external)"
            auth_services.create_user(
                actor,
                email=email,
                display_name=display,
                password=password,
                roles=(role,),
                person_id=person_id,
                check_password=False,
            )
        elif password_changed and not _password_matches(user.password_hash, password):
            # COACHPROG_DEMO_PASSWORD changed since the last run: follow it, but never undo a
            # password a demo user chose for themselves while the demo password stayed the same.
            user.password_hash = auth_services.hash_password(password)
            user.session_token = secrets.token_hex(16)
            audit.record("auth.password_reset", actor=actor, object_type="user",
                         object_id=user.id, detail={"reason": "demo password changed"})
    fingerprint_file.write_text(fingerprint)
    return password


def _display_name(records: list[PersonRecord], employee_id: str | None) -> str | None:
    return next((r.name for r in records if r.employee_id == employee_id), None)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return auth_services.password_hasher().verify(password_hash, password)
    except Exception:  # argon2 raises several kinds of mismatch
        return False
