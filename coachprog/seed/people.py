"""The demo organisation's directory: a few hundred people in departments under a manager
hierarchy (a fixed draw, the same on every machine), and the demo accounts with the directory
record each belongs to. The large organisation (`seed.large`) draws its names the same way."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from coachprog.roles import Role

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
    # The VP of Sales: outside the demo manager's (Engineering) reporting line, so the
    # sponsor's panel seat has no conflict with the demo manager's nominee.
    ("sponsor@demo.example", Role.SPONSOR, "E0003"),
    ("manager@demo.example", Role.MANAGER, "E0010"),
)
MASTER_EMAIL, RATER_EMAIL, LEAD_EMAIL = (
    "master@demo.example", "rater@demo.example", "lead@demo.example")


def unique_name(rng: random.Random, used: set[str]) -> str:
    """A first and last name not in `used` (added to it). The pool holds 1,872 pairs: past a
    few misses a middle initial widens it, and past that a number, so any size finishes; a
    small organisation never gets that far, so its names are the same as they always were."""
    for attempt in range(60):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if attempt < 20:
            candidate = f"{first} {last}"
        else:
            candidate = f"{first} {chr(ord('A') + rng.randrange(26))}. {last}"
        if candidate not in used:
            used.add(candidate)
            return candidate
    candidate = f"{first} {last} {len(used) + 1}"  # numbered: unique by construction
    used.add(candidate)
    return candidate


def email_of(name: str, domain: str) -> str:
    """aisha.chen@domain; a middle initial or a number becomes one more dotted part."""
    return ".".join(part.strip(".") for part in name.lower().split()) + "@" + domain


MANAGER_REPORTS_AT = 141  # the middle of the 283 staff of the usual 320-person demo


def demo_people(count: int) -> list[dict[str, Any]]:
    """A CEO, a head per department, managers under each head, staff under the managers."""
    rng = random.Random(20261123)  # fixed: the same organisation on every machine
    used_names: set[str] = set()

    def name() -> str:
        return unique_name(rng, used_names)

    rows: list[dict[str, Any]] = []

    def add(employee_id: str, dept: str, title: str, manager: str | None) -> None:
        full_name = name()
        email = email_of(full_name, "demo.example")
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
    first_staff = len(rows)
    while len(rows) < count:
        manager, dept = rng.choice(managers)
        add(f"E{staff_number:04d}", dept, rng.choice(DEPARTMENTS[dept]), manager)
        staff_number += 1
    # manager@ (E0010) always has active reports besides coach@, whatever the draw: one the
    # seed nominates, one whose agreement waits for manager@'s signature, one for a visitor to
    # nominate. Taken from the middle of the usual demo's staff list (the demo assessments take
    # theirs from the start, the demo sprint its candidates from the end) and after the draw,
    # so every name stays as it was; at a fixed place, so a larger organisation starts with
    # the usual demo unchanged.
    middle = first_staff + min(MANAGER_REPORTS_AT, (len(rows) - first_staff) // 2)
    for row in rows[middle:middle + 3]:
        row.update(manager_employee_id="E0010", department="Engineering", active=True,
                   title=DEPARTMENTS["Engineering"][0])
    for row in rows:
        row.update(demo_place_and_start(row["employee_id"]))
    return rows


DEMO_LOCATIONS = ("London", "Berlin", "Lisbon", "Remote")


def demo_place_and_start(employee_id: str) -> dict[str, str]:
    """A location and a fixed hire date (2008 to November 2026: every tenure band) per
    employee id, for the bias audit's breakdowns. Drawn from a generator of its own, seeded
    by the id, so the names and hierarchy drawn above stay as they were and a second seed
    changes nothing."""
    rng = random.Random(f"demo-hire:{employee_id}")
    start = date(2008, 1, 7) + timedelta(days=rng.randrange(6900))  # to Nov 2026
    return {"location": rng.choice(DEMO_LOCATIONS), "hired_on": start.isoformat()}

