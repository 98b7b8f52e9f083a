"""The demo organisation: a few hundred people in departments under a manager hierarchy, one
account per role, and assessment work to try at once: closed calibration exercises that
calibrate rater@ and lead@ for every rubric the demo uses (session review, interview, both
simulations, capstone brief), live session reviews that are open, closed and in moderation,
and a selection sprint with candidates at several stages. The domains' own seed modules add
the rest of the story (README: "The demo tells one story"). Deterministic, and idempotent: a
second run changes nothing.

Everything goes through the services (audit entries, blind, conflict and calibration rules
apply as on the pages); marks are given as the demo user whose marks they are."""

from __future__ import annotations

import hashlib
import os
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app

from coachprog.assessments import conflicts as assessment_conflicts
from coachprog.assessments import evidence as assessment_evidence
from coachprog.assessments import services as assessment_services
from coachprog.assessments.domain import AssessmentStatus, find_conflicts
from coachprog.assessments.exercises import services as calibration_services
from coachprog.assessments.models import Assessment
from coachprog.auth import services as auth_services
from coachprog.auth.models import User
from coachprog.calibration.models import CalibrationExercise
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.domain import PersonRecord, records_from_rows
from coachprog.people.models import Person
from coachprog.people.services import import_people
from coachprog.roles import Role
from coachprog.rubrics import services as rubric_services
from coachprog.rubrics.domain import Rubric, ScaleKind
from coachprog.rubrics.models import RubricVersion
from coachprog.selection.candidates import services as selection_services
from coachprog.selection.models import Sprint

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
    seed_demo_assessments(actor)
    seed_demo_sprint(actor)
    # Each later domain seeds its own demo data (each idempotent), in dependency order.
    from coachprog.audits import seed as audits_seed
    from coachprog.certification import seed as certification_seed
    from coachprog.coaching import seed as coaching_seed
    from coachprog.practicum import seed as practicum_seed
    from coachprog.safeguarding import seed as safeguarding_seed

    # Coaching last: it appoints coach@ (after the audit cohort and the certified coaches are
    # chosen, so coach@ stays a trainee) and completes the matched and certified coaches'
    # paperwork.
    for domain_seed in (practicum_seed, audits_seed, certification_seed, coaching_seed,
                        safeguarding_seed):
        domain_seed.seed_demo(actor)
    # The scoring story last: it rates coach@'s recorded session (coaching seed) and
    # calibrates master@ (whose gold marks the exercises above needed first).
    from coachprog import seed_scoring

    seed_scoring.seed_demo(actor)

    # Program outcomes last: an aggregator over everything above (charter, gates, KPI series).
    from coachprog.program import seed as program_seed

    program_seed.seed_demo(actor)
    fingerprint_file.write_text(fingerprint)
    return password


def _display_name(records: list[PersonRecord], employee_id: str | None) -> str | None:
    return next((r.name for r in records if r.employee_id == employee_id), None)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return auth_services.password_hasher().verify(password_hash, password)
    except Exception:  # argon2 raises several kinds of mismatch
        return False


# --- assessments and calibration ---------------------------------------------------------------

DEMO_RUBRIC = "session-review"
MASTER_EMAIL, RATER_EMAIL, LEAD_EMAIL = (
    "master@demo.example", "rater@demo.example", "lead@demo.example")
# Fixed titles are the markers a second run looks for.
DEMO_EXERCISE_TITLE = "Demo calibration: coaching session review"
DEMO_RECORDINGS = ("Demo calibration recording 1", "Demo calibration recording 2")
# The rubrics the demo sprint's stages (and the certified coaches' capstones) are scored on:
# rater@ and lead@ are calibrated for each, so no one runs calibration by hand first.
CALIBRATED_RUBRICS = {
    "interview": "Demo calibration: behavioural interview",
    "simulation-performance": "Demo calibration: performance simulation",
    "simulation-transition": "Demo calibration: transition simulation",
    "capstone-brief": "Demo calibration: capstone brief",
}
DEMO_EVIDENCE_NOTE = ("A made-up coaching session for trying the demo: there is no recording, "
                      "so mark it however you like.")


class DemoMismatch(Exception):  # noqa: N818 - reads as what happened
    """The demo marks did not produce what the demo promises (a changed rubric, say)."""


@dataclass(frozen=True)
class MarkProfile:
    """How a made-up session went: `levels` cycle over the 1–5 behaviours; every
    `absent_every`-th other binary marker is absent (0: none); non-negotiables met or not."""

    levels: tuple[int, ...]
    absent_every: int = 0
    non_negotiables_met: bool = True

    def marks(self, rubric: Rubric, *, nudge: int = 0) -> tuple[dict[str, str], dict[str, str]]:
        """Raw form values and notes; `nudge` moves the first 1–5 mark up or down (a rater a
        level off gold)."""
        values: dict[str, str] = {}
        notes: dict[str, str] = {}
        level_index = other_index = 0
        for behaviour in rubric.behaviours:
            if behaviour.scale is ScaleKind.LEVELS:
                level = self.levels[level_index % len(self.levels)]
                if level_index == 0:
                    level = min(5, max(1, level + nudge))
                level_index += 1
                values[behaviour.id] = str(level)
                minute = 5 + 9 * level_index
                notes[behaviour.id] = f"Demo note: level {level}, heard at minute {minute}."
            elif behaviour.non_negotiable:
                met = self.non_negotiables_met
                values[behaviour.id] = "1" if met else "0"
            else:
                other_index += 1
                absent = self.absent_every and other_index % self.absent_every == 0
                values[behaviour.id] = "0" if absent else "1"
        return values, notes


STRONG = MarkProfile(levels=(4, 5, 4))
SOLID = MarkProfile(levels=(4, 4, 3))
MIXED = MarkProfile(levels=(3, 2, 3), absent_every=3)
WEAK = MarkProfile(levels=(2, 1, 2), absent_every=2, non_negotiables_met=False)


@dataclass(frozen=True)
class DemoLive:
    title: str
    blind: bool
    status: AssessmentStatus  # what the demo leaves it in
    rater: tuple[MarkProfile, int] | None = None  # rater@'s marks (profile, nudge)
    lead: tuple[MarkProfile, int] | None = None  # lead@'s marks


DEMO_LIVE = (
    # Work on rater@'s and lead@'s lists: blind, nothing scored yet.
    DemoLive("Demo session review 1", blind=True, status=AssessmentStatus.OPEN),
    # Both raters agree: closed with the combined result.
    DemoLive("Demo session review 2", blind=False, status=AssessmentStatus.CLOSED,
             rater=(SOLID, 0), lead=(SOLID, -1)),
    # A pass/fail split: waiting for master@ to settle it.
    DemoLive("Demo session review 3", blind=True, status=AssessmentStatus.MODERATION,
             rater=(STRONG, 0), lead=(WEAK, 0)),
)


def _hint(message: str) -> None:
    click.echo(f"Demo assessments not seeded: {message}", err=True)


def seed_demo_assessments(actor: Any) -> bool:
    """The calibration exercise and the live assessments, unless they exist already. Loads the
    rubric files when `rubrics load` has not run. A refusal from a service (a demo account
    whose roles were changed, say) rolls back this part only and is explained on stderr:
    the people and accounts are still seeded."""
    version = _demo_rubric_version(actor)
    if version is None:
        return False
    emails = (MASTER_EMAIL, RATER_EMAIL, LEAD_EMAIL)
    found = {email: auth_services.get_user_by_email(email) for email in emails}
    users = [user for user in found.values() if user is not None and user.is_active]
    if len(users) < len(emails):
        missing = [e for e, user in found.items() if user is None or not user.is_active]
        _hint(f"{', '.join(missing)} missing or deactivated.")
        return False
    master, rater, lead = users
    try:
        with db.session.begin_nested():
            _seed_calibration(actor, version, master, [rater, lead])
            for key, title in CALIBRATED_RUBRICS.items():
                other = selection_services.latest_rubric_version(key)
                if other is None:
                    raise DemoMismatch(f"no {key} rubric is loaded.")
                _seed_calibration(actor, other, master, [rater, lead], title=title,
                                  recordings=tuple(f"{title}, recording {n}" for n in (1, 2)))
            _seed_live(actor, version, rater, lead)
    except (DomainError, NotPermitted, NotFound, DemoMismatch) as error:
        _hint(getattr(error, "message", None) or str(error) or type(error).__name__)
        return False
    return True


def _demo_rubric_version(actor: Any) -> RubricVersion | None:
    """The latest recorded session-review version; the rubric files are loaded (as
    `rubrics load` would) when none is recorded yet."""
    versions = rubric_services.list_rubric_versions(actor, key=DEMO_RUBRIC)
    if not versions:
        try:
            rubric_services.load_rubric_files(actor)
        except rubric_services.RubricRejected as rejected:
            _hint(f"{rejected.message} Run `flask --app wsgi rubrics check`.")
            return None
        versions = rubric_services.list_rubric_versions(actor, key=DEMO_RUBRIC)
    if not versions:
        _hint(f"no {DEMO_RUBRIC} rubric in {current_app.config['COACHPROG_RUBRICS_DIR']}.")
        return None
    return versions[0]


def _seed_calibration(actor: Any, version: RubricVersion, master: User,
                      raters: Sequence[User], *, title: str = DEMO_EXERCISE_TITLE,
                      recordings: Sequence[str] = DEMO_RECORDINGS) -> None:
    """A closed exercise: gold from master@, each rater at most one level off gold on one
    item, so all of them are calibrated for the rubric. Once per title."""
    exists = db.session.scalar(sa.select(CalibrationExercise.id).where(
        CalibrationExercise.title == title).limit(1))
    if exists is not None:
        return
    items = [assessment_evidence.create_evidence_item(actor, title=recording,
                                                      description=DEMO_EVIDENCE_NOTE)
             for recording in recordings]
    exercise = calibration_services.create_exercise(actor, calibration_services.ExerciseDraft(
        title=title, rubric_version_id=version.id, gold_rater_id=master.id,
        rater_ids=[user.id for user in raters], evidence_item_ids=[item.id for item in items]))
    rubric = version.to_domain()
    gold_profiles = (STRONG, MIXED)
    for number, (item, gold) in enumerate(zip(exercise.items, gold_profiles, strict=True)):
        _submit(master, item, "gold", gold.marks(rubric))
        for index, user in enumerate(raters):
            # Rater n is a level off gold on item n, exact elsewhere.
            nudge = (1 if index % 2 == 0 else -1) if index == number else 0
            _submit(user, item, "rater", gold.marks(rubric, nudge=nudge))
    decisions = calibration_services.close_exercise(actor, exercise.id)
    uncalibrated = [d.rater.email for d in decisions if not d.calibrated]
    if uncalibrated:
        raise DemoMismatch(f"the demo marks left {', '.join(uncalibrated)} uncalibrated for "
                           f"{version.rubric_key}.")


def _submit(user: User, assessment: Assessment, role: str,
            marks: tuple[dict[str, str], dict[str, str]]) -> None:
    """Submit `user`'s marks as they would on the scoring page."""
    assignment = next(a for a in assessment.assignments
                      if a.rater_id == user.id and a.role == role)
    values, notes = marks
    assessment_services.save_marks(user, assignment, values, notes, submit=True)


def _seed_live(actor: Any, version: RubricVersion, rater: User, lead: User) -> None:
    wanted = [live for live in DEMO_LIVE if db.session.scalar(
        sa.select(Assessment.id).where(Assessment.title == live.title).limit(1)) is None]
    if not wanted:
        return
    subjects = _demo_subjects(len(wanted), [rater, lead])
    rubric = version.to_domain()
    for live, subject in zip(wanted, subjects, strict=True):
        evidence = assessment_evidence.create_evidence_item(
            actor, title=f"Coaching session recording: {subject.name}",
            description=DEMO_EVIDENCE_NOTE, subject_employee_id=subject.employee_id)
        assessment = assessment_services.create_assessment(
            actor, evidence_item_id=evidence.id, rubric_version_id=version.id,
            title=live.title, blind=live.blind)
        for user in (rater, lead):
            assessment_services.assign_rater(actor, assessment, user.id)
        for user, marks in ((rater, live.rater), (lead, live.lead)):
            if marks is not None:
                profile, nudge = marks
                _submit(user, assessment, "rater", profile.marks(rubric, nudge=nudge))
        if assessment.status != live.status.value:
            raise DemoMismatch(f"{live.title} ended {assessment.status}, not {live.status.value}.")


def _demo_subjects(count: int, raters: Sequence[User]) -> list[Person]:
    """Active staff (not demo account holders) none of the raters has a conflict with, in
    employee-id order so every machine picks the same people."""
    account_ids = {employee_id for _, _, employee_id in DEMO_ACCOUNTS if employee_id}
    candidates = db.session.scalars(
        sa.select(Person).where(Person.active.is_(True), Person.employee_id.like("E2%"),
                                Person.employee_id.not_in(account_ids))
        .order_by(Person.employee_id).limit(50))
    chosen: list[Person] = []
    for person in candidates:
        if not any(find_conflicts(assessment_conflicts.relationship_facts(rater, person.id))
                   for rater in raters):
            chosen.append(person)
            if len(chosen) == count:
                return chosen
    raise DemoMismatch("not enough people free of conflicts to be demo subjects.")


# --- a selection sprint ---------------------------------------------------------------------

DEMO_SPRINT = "Demo selection sprint"
DEMO_APPLICATION = (
    "Last year I supported two colleagues who had just become team leads. Rather than tell "
    "them how I would run their teams, I asked what they wanted their first quarter to look "
    "like, what worried them, and what they had already tried. One of them realised she was "
    "avoiding a hard conversation with a senior engineer; she planned it herself and came "
    "back to tell me how it went. With the other, I noticed I kept offering my own stories, "
    "so I started to hold them back and let the silence do the work. I want to train as an "
    "internal coach because I enjoy helping people find their own answers, and because I "
    "want to learn to do it with discipline: contracting properly, keeping confidentiality, "
    "and knowing when to refer someone on. I can protect a tenth of my week for coaching and "
    "my manager supports it. I would bring curiosity, patience and a habit of asking one more "
    "question before offering a view."
)


def seed_demo_sprint(actor: Any) -> bool:
    """An open sprint with its panel seated and candidates on the board at several stages,
    each with the evidence its next move needs, unless the sprint exists already:

    - applied (two): admin can move them to interview;
    - at interview with the interview scored and passed by calibrated raters: admin can move
      them on to the simulations;
    - at interview with the interview open: rater@'s and lead@'s scoring work;
    - at simulations with both simulations passed: admin can move them to supervised practice;
    - rejected with a reason, and a nomination from manager@ awaiting the nominee's answer.

    Candidates are staff who hold no demo account and are outside every panel member's and
    rater's reporting line, so no seat or rater is conflicted; every demo login can still
    apply or nominate."""
    from coachprog.selection.candidates import services as candidate_services
    from coachprog.selection.entries import services as entry_services
    from coachprog.selection.panel import services as panel_services
    from coachprog.selection.sprints import services as sprint_services

    if db.session.scalar(sa.select(sa.func.count()).select_from(Sprint).where(
            Sprint.name == DEMO_SPRINT)):
        return False
    accounts = {email: auth_services.get_user_by_email(email) for email, _, _ in DEMO_ACCOUNTS}
    raters = [user for user in (accounts.get(RATER_EMAIL), accounts.get(LEAD_EMAIL))
              if user is not None]
    try:
        with db.session.begin_nested():
            sprint = sprint_services.create_sprint(actor, sprint_services.SprintDraft(
                name=DEMO_SPRINT, capacity=4, start_date=sprint_services.today(),
                eligibility_notes="Twelve months in the company; the manager agrees to "
                "protect 10–20 % of working time."))
            panel: list[User] = []
            for seat, email in DEMO_PANEL:
                user = accounts.get(email)
                if user is not None:
                    panel_services.seat_panel_member(actor, sprint, seat, user.id)
                    panel.append(user)
            people = _sprint_people(6, [*panel, *raters])
            entries = [entry_services.apply(actor, sprint, text=DEMO_APPLICATION, on_behalf_of=p)
                       for p in people]
            for candidate in (entries[0], entries[1], entries[5]):
                candidate_services.advance_candidate(actor, candidate, "interview")
            if len(raters) == 2:
                _stage_assessment(actor, entries[0], "interview", raters, SOLID)
                _stage_assessment(actor, entries[1], "interview", raters, None)
                _stage_assessment(actor, entries[5], "interview", raters, STRONG)
                candidate_services.advance_candidate(actor, entries[5], "simulations")
                for purpose in ("simulation-performance", "simulation-transition"):
                    _stage_assessment(actor, entries[5], purpose, raters, SOLID)
            candidate_services.reject_candidate(
                actor, entries[4], "Demo: does not meet the eligibility "
                                       "notes (eight months in the company).")
            manager = accounts.get("manager@demo.example")
            report = _report_of(manager)
            if manager is not None and report is not None:
                entry_services.nominate(manager, sprint, nominee_employee_id=report.employee_id,
                                   why="Demo nomination: calm, curious, and people already "
                                   "come to them for advice.")
    except (DomainError, NotPermitted, NotFound, DemoMismatch) as error:
        click.echo(f"Demo sprint not seeded: {getattr(error, 'message', None) or error}",
                   err=True)
        return False
    return True


DEMO_PANEL = (("hr_ld", "admin@demo.example"), ("external_master_coach", MASTER_EMAIL),
              ("business_sponsor", "sponsor@demo.example"))


def _stage_assessment(actor: Any, candidate: Any, purpose: str, raters: Sequence[User],
                      profile: MarkProfile | None) -> Assessment:
    """The stage's assessment with both demo raters assigned; scored by both (and so closed
    with their combined result) when `profile` is given, left open for them otherwise."""
    from coachprog.selection.candidates import services as candidate_services

    assessment = candidate_services.create_stage_assessment(actor, candidate, purpose)
    for user in raters:
        assessment_services.assign_rater(actor, assessment, user.id)
    if profile is not None:
        rubric = assessment.rubric_version.to_domain()
        for user in raters:
            _submit(user, assessment, "rater", profile.marks(rubric))
        if assessment.status != AssessmentStatus.CLOSED.value or \
                not (assessment.result or {}).get("passed"):
            raise DemoMismatch(f"the demo {purpose} of {candidate.person.name} did not close "
                               f"with a pass.")
    return assessment


def _sprint_people(count: int, panel: Sequence[User]) -> list[Person]:
    """Active staff without a demo account whom no panel member or rater is conflicted with
    (neither is in the other's reporting line, no coaching relationship)."""
    account_ids = {employee_id for _, _, employee_id in DEMO_ACCOUNTS if employee_id}
    chosen: list[Person] = []
    for person in db.session.scalars(
            sa.select(Person).where(Person.active.is_(True), Person.employee_id.like("E2%"),
                                    Person.employee_id.not_in(account_ids))
            # From the end of the staff list: the demo assessments take theirs from the start.
            .order_by(Person.employee_id.desc()).limit(80)):
        if not any(find_conflicts(assessment_conflicts.relationship_facts(user, person.id))
                   for user in panel):
            chosen.append(person)
            if len(chosen) == count:
                return chosen
    raise DemoMismatch("not enough staff free of conflicts with the panel to be candidates.")


def _report_of(manager: User | None) -> Person | None:
    """A direct report of the demo manager who holds no demo account."""
    if manager is None or manager.person_id is None:
        return None
    account_ids = {employee_id for _, _, employee_id in DEMO_ACCOUNTS if employee_id}
    return db.session.scalar(
        sa.select(Person).where(Person.manager_id == manager.person_id,
                                Person.active.is_(True), Person.employee_id.not_in(account_ids))
        .order_by(Person.employee_id).limit(1))
