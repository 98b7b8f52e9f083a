"""The large organisation's people and program roles: departments under the demo's department
heads (directors, managers, staff), accounts for coaches, lead coaches, master coaches and
raters (all with the demo password), rater calibration, past selection sprints that appointed
the coaches (candidates, their history and panel), an open sprint with candidates scored at
interview, coach paperwork and the supervision tree."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa

from coachprog.auth.models import RoleGrant, User
from coachprog.calibration.models import CalibrationExercise, RaterCalibration
from coachprog.coaching.models import CoachPaperwork, SupervisorAssignment
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.seed.large.context import Org, closed_assessment, latest_version
from coachprog.seed.people import DEPARTMENTS, email_of, unique_name
from coachprog.selection.models import (
    Candidate,
    CandidateAssessment,
    CandidateEvent,
    Sprint,
    SprintPanelMember,
)

DOMAIN = "corp.example"
STAFF_PER_MANAGER = 11
MANAGERS_PER_DIRECTOR = 8
PIPELINE = ("applied", "interview", "simulations", "supervised_practice", "panel", "appointed")


def generate_people(org: Org, count: int) -> None:
    """`count` more people in the demo's departments, three levels under each head."""
    heads = {str(dept): int(person_id) for dept, person_id in db.session.execute(
        sa.select(Person.department, Person.id).where(Person.title.like("VP %")))}
    used = set(db.session.scalars(sa.select(Person.name)))
    per_dept = max(count // len(DEPARTMENTS), 1)
    number = 0
    for index, (dept, titles) in enumerate(DEPARTMENTS.items()):
        share = count - number if index == len(DEPARTMENTS) - 1 else min(per_dept, count - number)
        if share <= 0:
            break
        managers_n = max(1, share // (STAFF_PER_MANAGER + 1))
        directors_n = max(1, managers_n // MANAGERS_PER_DIRECTOR) if share > 20 else 0
        directors: list[int] = []
        managers: list[int] = []
        for position in range(share):
            if position < directors_n:
                manager, title, bucket = heads.get(dept), f"Director, {dept}", directors
            elif position < directors_n + managers_n:
                manager = org.pick(directors) if directors else heads.get(dept)
                title, bucket = f"{dept} Manager", managers
            else:
                manager, title, bucket = org.pick(managers), org.pick(list(titles)), org.staff
            name = unique_name(org.rng, used)
            number += 1
            # A few staff have left (inactive): they keep their record, and no program role.
            active = bucket is not org.staff or org.rng.random() > 0.02
            person_id = org.bulk.add(
                Person, employee_id=f"L{number:06d}", name=name, email=email_of(name, DOMAIN),
                department=dept, title=title, manager_id=manager, active=active,
                created_at=org.now, updated_at=org.now)
            if active:
                bucket.append(person_id)
            org.people.append(person_id)
            org.manager_of[person_id] = manager
            org.name_of[person_id] = name
    org.bulk.flush()


def _account(org: Org, person_id: int | None, email: str, display: str, *roles: str) -> int:
    user_id = org.bulk.add(User, email=email, display_name=display,
                           password_hash=org.password_hash, person_id=person_id,
                           is_active=True, session_token=secrets.token_hex(16),
                           created_at=org.now, password_changed_at=org.now)
    for role in roles:
        org.bulk.add(RoleGrant, user_id=user_id, role=role, granted_at=org.now,
                     granted_by_id=org.admin_id)
    if person_id is not None:
        org.user_of[person_id] = user_id
    return user_id


def generate_accounts(org: Org) -> None:
    """Coaches, lead coaches (one per 20 coaches), raters (one per 50) from the staff, and
    external master coaches (one per 200)."""
    coaches_n = org.sizes.coaches
    leads_n, raters_n, masters_n = max(1, coaches_n // 20), max(2, coaches_n // 50), \
        max(1, coaches_n // 200)
    active_staff = list(org.staff)
    org.rng.shuffle(active_staff)
    needed = coaches_n + leads_n + raters_n
    if len(active_staff) < needed:
        raise ValueError(f"{coaches_n} coaches need at least {needed} staff in the generated "
                         f"organisation; it has {len(active_staff)}: ask for more people.")
    org.coaches = sorted(active_staff[:coaches_n])
    for person_id in org.coaches:
        name = org.name_of[person_id]
        _account(org, person_id, email_of(name, DOMAIN), name, "coach")
    for person_id in active_staff[coaches_n:coaches_n + leads_n]:
        name = org.name_of[person_id]
        user_id = _account(org, person_id, email_of(name, DOMAIN), name, "lead_coach", "rater")
        org.leads.append(user_id)
        org.lead_person[user_id] = person_id
    for person_id in active_staff[coaches_n + leads_n:needed]:
        name = org.name_of[person_id]
        org.raters.append(_account(org, person_id, email_of(name, DOMAIN), name, "rater"))
    for number in range(1, masters_n + 1):
        org.masters.append(_account(org, None, f"master{number}@{DOMAIN}",
                                    f"External master coach {number}", "master_coach"))
    org.bulk.flush()


def generate_calibration(org: Org) -> None:
    """A closed exercise per rubric that raters score, calibrating every rater and lead coach
    (and the audit rubric's raters) until a year from now."""
    auditors = org.raters + org.masters
    for key, raters in (("session-review", org.raters + org.leads),
                        ("interview", org.raters + org.leads), ("audit", auditors)):
        version = latest_version(key)
        if version is None:
            continue
        closed = org.now - timedelta(days=30)
        exercise_id = org.bulk.add(
            CalibrationExercise, title=f"Large organisation calibration: {version.title}",
            rubric_version_id=version.id, status="closed", created_by_id=org.admin_id,
            created_at=closed - timedelta(days=14), closed_at=closed)
        for rater_id in raters:
            org.bulk.add(RaterCalibration, exercise_id=exercise_id, rater_id=rater_id,
                         rubric_key=key, kappa=round(0.7 + org.rng.random() * 0.25, 3),
                         severity=round(org.rng.uniform(-0.1, 0.1), 3), items_scored=2,
                         calibrated=True, decided_at=closed,
                         expires_at=closed + timedelta(days=365))
    org.bulk.flush()


def _events(org: Org, candidate_id: int, stages: list[str], start: object) -> None:
    previous: str | None = None
    for step, stage in enumerate(stages):
        org.bulk.add(CandidateEvent, candidate_id=candidate_id, from_stage=previous,
                     to_stage=stage, actor_id=org.admin_id, actor_label="admin@demo.example",
                     at=start + timedelta(days=7 * step))  # type: ignore[operator]
        previous = stage


def _panel(org: Org, sprint_id: int, sponsor_id: int | None) -> None:
    seats = (("hr_ld", org.admin_id), ("external_master_coach", org.masters[0]),
             ("business_sponsor", sponsor_id))
    for seat, user_id in seats:
        if user_id is not None:
            org.bulk.add(SprintPanelMember, sprint_id=sprint_id, panel_role=seat, user_id=user_id)


def generate_sprints(org: Org) -> None:
    """Closed cohort sprints (up to 20, about a hundred appointed coaches each at full size,
    with 60 rejected or withdrawn each), then one open sprint with a candidate per five coaches
    (at most 200) along the pipeline; those past interview have their interview scored by two
    calibrated raters."""
    sponsor_id = db.session.scalar(sa.select(User.id).where(User.email == "sponsor@demo.example"))
    # A cohort per hundred coaches, at most 20 (and more than one even for a few coaches, so a
    # small generated organisation already shows what grows with the number of sprints).
    cohorts = min(20, max(1, len(org.coaches) // 100, len(org.coaches) // 6))
    coach_set = set(org.coaches)
    others = [p for p in org.staff if p not in coach_set and p not in org.user_of]
    for cohort in range(cohorts):
        members = org.coaches[cohort::cohorts]
        start = org.today - timedelta(days=60 + 45 * (cohorts - cohort))
        at = org.now - timedelta(days=60 + 45 * (cohorts - cohort))
        sprint_id = org.bulk.add(
            Sprint, name=f"Coach cohort {cohort + 1}", capacity=len(members), start_date=start,
            status="closed", created_by_id=org.admin_id, created_at=at)
        _panel(org, sprint_id, sponsor_id)
        for person_id in members:
            candidate_id = org.bulk.add(
                Candidate, sprint_id=sprint_id, person_id=person_id, route="application",
                stage="appointed", furthest_stage="appointed", created_at=at, updated_at=at,
                application_text="I want to help colleagues find their own answers.")
            _events(org, candidate_id, list(PIPELINE), at)
        for person_id in others[cohort * 60:(cohort + 1) * 60]:
            stage = "rejected" if org.rng.random() < 0.8 else "withdrawn"
            furthest = org.pick(list(PIPELINE[:4]))
            candidate_id = org.bulk.add(
                Candidate, sprint_id=sprint_id, person_id=person_id, route="application",
                stage=stage, furthest_stage=furthest, created_at=at, updated_at=at,
                exit_reason="Generated: not this time.")
            _events(org, candidate_id, [*PIPELINE[:PIPELINE.index(furthest) + 1], stage], at)
    _open_sprint(org, sponsor_id, others[cohorts * 60:])
    org.bulk.flush()


def _open_sprint(org: Org, sponsor_id: int | None, people: list[int]) -> None:
    at = org.now - timedelta(days=20)
    sprint_id = org.bulk.add(Sprint, name="Large organisation sprint", capacity=40,
                             start_date=org.today - timedelta(days=20), status="open",
                             created_by_id=org.admin_id, created_at=at)
    _panel(org, sprint_id, sponsor_id)
    raters = org.raters + org.leads
    for person_id in people[:min(200, max(2, len(org.coaches) // 5))]:
        furthest = org.pick(list(PIPELINE[:4]))
        candidate_id = org.bulk.add(
            Candidate, sprint_id=sprint_id, person_id=person_id, route="application",
            stage=furthest, furthest_stage=furthest, created_at=at, updated_at=at,
            application_text="I would like to train as an internal coach.")
        _events(org, candidate_id, list(PIPELINE[:PIPELINE.index(furthest) + 1]), at)
        if furthest != "applied":
            pair = org.rng.sample(raters, 2) if len(raters) > 1 else raters
            assessment_id = closed_assessment(
                org, "interview", title=f"Interview: {org.name_of[person_id]}",
                subject_person_id=person_id, rater_ids=pair, closed_at=at + timedelta(days=7))
            if assessment_id is not None:
                org.bulk.add(CandidateAssessment, candidate_id=candidate_id,
                             assessment_id=assessment_id, purpose="interview", created_at=at)


def generate_paperwork_and_supervision(org: Org) -> None:
    """Complete paperwork for every coach; each coach supervised by a lead coach, each lead
    coach by a master coach."""
    for index, person_id in enumerate(org.coaches):
        signed = org.now - timedelta(days=50)
        org.bulk.add(
            CoachPaperwork, coach_person_id=person_id, protected_percent=15.0,
            weekly_hours=40.0, non_evaluator_clause_accepted=True,
            manager_person_id=org.manager_of.get(person_id), manager_signed_at=signed,
            manager_signed_by_id=org.admin_id, coach_signed_at=signed,
            consent_template_version="v1", role_scope="Internal coach, up to three coachees.",
            escalation_paths="Lead coach, then master coach.",
            supervision_arrangement="Monthly case clinic and a 1:1 after each review.",
            created_at=signed, updated_at=signed)
        lead = org.leads[index % len(org.leads)]
        org.lead_of[person_id] = lead
        org.bulk.add(SupervisorAssignment, coach_person_id=person_id, supervisor_user_id=lead,
                     assigned_by_id=org.admin_id, assigned_at=signed)
    for index, lead in enumerate(org.leads):
        org.bulk.add(SupervisorAssignment, coach_person_id=org.lead_person[lead],
                     supervisor_user_id=org.masters[index % len(org.masters)],
                     assigned_by_id=org.admin_id, assigned_at=org.now - timedelta(days=90))
    org.bulk.flush()
