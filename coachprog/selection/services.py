"""Selection sprint use cases: sprints and their panel, nomination and application, the
invitation, guarded moves on the board, the evidence the guards read, panel decisions.

The rules are `selection/domain.py`; this module loads the facts, asks the domain, writes the
change with its history and audit entry, and queues the e-mail that goes with it. Services
flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from coachprog.assessments import domain as assessment_domain
from coachprog.assessments import results as assessment_results
from coachprog.assessments import services as assessments
from coachprog.assessments.domain import AssessmentStatus, AssignmentRole, AssignmentStatus
from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import SystemActor, can, require
from coachprog.calibration.services import is_calibrated, prefetch_calibrations
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.people.services import chain_refusal, get_manager_links, reporting_line_cte
from coachprog.roles import Role
from coachprog.rubrics.models import RubricVersion
from coachprog.selection import conflicts, domain
from coachprog.selection.domain import CandidateStage, PanelRole, SprintStage
from coachprog.selection.models import (
    Candidate,
    CandidateAssessment,
    CandidateEvent,
    CoachedHoursEntry,
    PanelDecisionRecord,
    PracticeReview,
    Sprint,
    SprintPanelMember,
)
from coachprog.selection.permissions import PANEL_SEAT_ROLES, panel_seat_of

MAX_NAME = 200
MAX_CAPACITY = 500
MAX_NOTES = 5000
MAX_PRACTICE_MINUTES = 8 * 60
MAX_APPLICATION_CHARACTERS = 20_000
# A sprint is planned a few weeks ahead and looked back on for a while; two years either way
# catches a mistyped year without getting in anyone's way.
MAX_START_DISTANCE_DAYS = 2 * 366
STAGE_ASSESSMENT_PURPOSES: Mapping[str, str] = {
    domain.INTERVIEW_RUBRIC_ID: "Behavioural interview",
    **{key: f"Simulation: {label}" for key, label in domain.SIMULATION_RUBRICS.items()},
}


def today() -> date:
    """Today's date for deadlines. Sprint calendars are kept in UTC days (the deployment's
    single time zone; documented in docs/architecture.md)."""
    return utcnow().date()


def _refuse(message: str, field: str | None = None) -> DomainError:
    return DomainError(message, field_errors={field: [message]} if field else None)


# --- sprints ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SprintDraft:
    name: str
    capacity: int | None
    start_date: date | None
    eligibility_notes: str = ""
    stage_days: Mapping[str, int | None] | None = None


def _checked_draft(draft: SprintDraft) -> tuple[str, int, date, dict[str, int]]:
    errors: dict[str, list[str]] = {}
    name = draft.name.strip()
    if not name:
        errors["name"] = ["Give the sprint a name."]
    elif len(name) > MAX_NAME:
        errors["name"] = [f"Keep the name under {MAX_NAME} characters."]
    if draft.capacity is None or not 1 <= draft.capacity <= MAX_CAPACITY:
        errors["capacity"] = [f"Capacity is the number of seats: a whole number from 1 to "
                              f"{MAX_CAPACITY}."]
    if draft.start_date is None:
        errors["start_date"] = ["Choose the day the sprint opens."]
    elif abs((draft.start_date - today()).days) > MAX_START_DISTANCE_DAYS:
        errors["start_date"] = [f"Choose a day within two years of today "
                                f"({today().isoformat()})."]
    if len(draft.eligibility_notes) > MAX_NOTES:
        errors["eligibility_notes"] = [f"Keep the notes under {MAX_NOTES} characters."]
    overrides: dict[str, int] = {}
    defaults = {d.stage.value: d for d in domain.STAGE_DEFAULTS}
    for key, days in (draft.stage_days or {}).items():
        if key not in defaults:
            errors.setdefault("stage_days", []).append(f"There is no stage called {key}.")
            continue
        if days is None or days == defaults[key].days:
            continue
        problems = domain.calendar_problems({SprintStage(key): days})
        if problems:
            errors[f"days_{key}"] = problems
        else:
            overrides[key] = days
    if errors or draft.capacity is None or draft.start_date is None:
        raise DomainError("The sprint has problems.", field_errors=errors)
    return name, draft.capacity, draft.start_date, overrides


def create_sprint(actor: Any, draft: SprintDraft) -> Sprint:
    require(actor, "can_manage_sprints")
    name, capacity, start, overrides = _checked_draft(draft)
    sprint = Sprint(name=name, capacity=capacity, start_date=start, stage_days=overrides,
                    eligibility_notes=draft.eligibility_notes.strip(), status="open",
                    created_by_id=getattr(actor, "id", None))
    db.session.add(sprint)
    db.session.flush()
    audit.record("sprint.created", actor=actor, object_type="sprint", object_id=sprint.id,
                 detail={"name": name, "capacity": capacity, "start_date": start.isoformat(),
                         "stage_days": overrides})
    return sprint


def update_sprint(actor: Any, sprint: Sprint, draft: SprintDraft) -> Sprint:
    require(actor, "can_manage_sprints")
    if sprint.status != "open":
        raise _refuse("The sprint is closed; it is kept as it was decided.")
    name, capacity, start, overrides = _checked_draft(draft)
    appointed = _count(sprint, CandidateStage.APPOINTED)
    if capacity < appointed:
        raise _refuse(f"{appointed} coaches are already appointed in this sprint; capacity "
                      f"cannot be lower.", "capacity")
    before = {"name": sprint.name, "capacity": sprint.capacity,
              "start_date": sprint.start_date.isoformat(), "stage_days": sprint.stage_days}
    sprint.name, sprint.capacity, sprint.start_date = name, capacity, start
    sprint.stage_days = overrides
    sprint.eligibility_notes = draft.eligibility_notes.strip()
    db.session.flush()
    audit.record("sprint.updated", actor=actor, object_type="sprint", object_id=sprint.id,
                 detail={"before": before, "after": {
                     "name": name, "capacity": capacity, "start_date": start.isoformat(),
                     "stage_days": overrides}})
    return sprint


def close_sprint(actor: Any, sprint: Sprint) -> Sprint:
    """Close a sprint: no more entries or moves. Refused while candidates are still open, so
    nobody is left without a decision."""
    require(actor, "can_manage_sprints")
    if sprint.status == "closed":
        raise _refuse("The sprint is already closed.")
    open_ = [c for c in sprint.candidates if not domain.is_final(c.stage)]
    if open_:
        waiting = "1 candidate still has" if len(open_) == 1 else \
            f"{len(open_)} candidates still have"
        raise _refuse(f"{waiting} no decision; appoint, reject or "
                      f"withdraw them before closing the sprint.")
    sprint.status = "closed"
    db.session.flush()
    audit.record("sprint.closed", actor=actor, object_type="sprint", object_id=sprint.id)
    return sprint


def list_sprints(actor: Any, *, status: str | None = None) -> Sequence[Sprint]:
    """Program staff see every sprint; anyone else the sprints whose panel they sit on.
    `status` ("open") narrows it in SQL (the home panel needs only open sprints' candidates)."""
    query = sa.select(Sprint).options(selectinload(Sprint.panel),
                                      selectinload(Sprint.candidates))
    if status is not None:
        query = query.where(Sprint.status == status)
    if not can(actor, "can_view_sprints"):
        if getattr(actor, "id", None) is None:
            return []
        query = query.where(Sprint.id.in_(
            sa.select(SprintPanelMember.sprint_id).where(SprintPanelMember.user_id == actor.id)))
    return db.session.scalars(query.order_by(Sprint.start_date.desc(), Sprint.id.desc())).all()


def list_open_sprints() -> Sequence[Sprint]:
    """Sprints taking entries (open, nomination window not over), for the apply/nominate
    pages."""
    rows = db.session.scalars(sa.select(Sprint).where(Sprint.status == "open")
                              .order_by(Sprint.start_date)).all()
    return [s for s in rows if entries_open(s)]


def get_sprint(actor: Any, sprint_id: int, rule: str = "can_view_sprint") -> Sprint:
    sprint = db.session.get(Sprint, sprint_id)
    if sprint is None:
        raise NotFound("sprint")
    require(actor, rule, sprint)
    return sprint


def calendar(sprint: Sprint) -> tuple[domain.StageWindow, ...]:
    overrides = {SprintStage(k): int(v) for k, v in (sprint.stage_days or {}).items()}
    return domain.plan_calendar(sprint.start_date, overrides)


def window_of(sprint: Sprint, stage: SprintStage) -> domain.StageWindow:
    return next(w for w in calendar(sprint) if w.stage is stage)


def entries_open(sprint: Sprint, on: date | None = None) -> bool:
    """Entries are taken from the sprint's first day to the end of its nomination window."""
    on = on or today()
    window = window_of(sprint, SprintStage.NOMINATION_APPLICATION)
    return sprint.status == "open" and window.start <= on <= window.end


def _stage_complete(sprint: Sprint) -> dict[SprintStage, bool]:
    """A calendar stage is complete when nobody still open sits at it or before it.

    Derived rather than ticked by hand so a stage cannot be marked done over waiting people."""
    order = list(domain.SprintStage)
    open_positions = [order.index(domain.CALENDAR_STAGE[CandidateStage(c.stage)])
                      for c in sprint.candidates if not domain.is_final(c.stage)]
    earliest_open = min(open_positions, default=len(order))
    return {stage: order.index(stage) < earliest_open for stage in order}


@dataclass(frozen=True)
class Lateness:
    stage: domain.LateStage
    waiting: int  # open candidates still at (or before) the late stage


def lateness(sprint: Sprint, on: date | None = None) -> list[Lateness]:
    on = on or today()
    if sprint.status == "closed":
        return []
    late = domain.late_stages(calendar(sprint), on, _stage_complete(sprint))
    order = list(domain.SprintStage)
    result = []
    for item in late:
        waiting = sum(1 for c in sprint.candidates if not domain.is_final(c.stage)
                      and order.index(domain.CALENDAR_STAGE[CandidateStage(c.stage)])
                      <= order.index(item.stage))
        result.append(Lateness(item, waiting))
    return result


def board(sprint: Sprint) -> dict[CandidateStage, list[Candidate]]:
    """Candidates by stage, every column present (empty columns too), names sorted."""
    columns: dict[CandidateStage, list[Candidate]] = {stage: [] for stage in CandidateStage}
    for candidate in sorted(sprint.candidates, key=lambda c: (c.person.name, c.id)):
        columns[CandidateStage(candidate.stage)].append(candidate)
    return columns


# What a candidate's card, page or API record reads (the guards' evidence): loaded up front so
# a board costs the same few queries whatever its size (the calibration look-up per rater
# assignment remains).
CANDIDATE_EVIDENCE = (
    joinedload(Candidate.person),
    selectinload(Candidate.assessments).joinedload(CandidateAssessment.assessment).options(
        selectinload(Assessment.assignments).selectinload(RaterAssignment.marks),
        joinedload(Assessment.rubric_version)),
    selectinload(Candidate.hours),
    selectinload(Candidate.reviews).joinedload(PracticeReview.reviewer),
    selectinload(Candidate.panel_decisions).joinedload(PanelDecisionRecord.member),
)


def load_board(actor: Any, sprint_id: int) -> Sprint:
    """The sprint with everything the board reads, in a fixed number of queries."""
    sprint = db.session.scalar(
        sa.select(Sprint).where(Sprint.id == sprint_id).options(
            selectinload(Sprint.panel).joinedload(SprintPanelMember.user),
            selectinload(Sprint.candidates).options(*CANDIDATE_EVIDENCE),
        ))
    if sprint is None:
        raise NotFound("sprint")
    require(actor, "can_view_sprint", sprint)
    # Each card's stage evidence asks whether its raters were calibrated: one query for all.
    linked = [link.assessment for c in sprint.candidates for link in c.assessments]
    prefetch_calibrations({a.rater_id for x in linked for a in x.assignments},
                          {x.rubric_version.rubric_key for x in linked})
    return sprint


def _count(sprint: Sprint, stage: CandidateStage) -> int:
    return sum(1 for c in sprint.candidates if c.stage == stage.value)


def funnel(sprint: Sprint) -> tuple[domain.FunnelRow, ...]:
    return domain.funnel((c.id, c.furthest_stage) for c in sprint.candidates)


def _appointed_now(sprint: Sprint) -> int:
    """Appointments as committed, counted under a lock on the sprint row (PostgreSQL), so two
    simultaneous appointments cannot both take the last seat."""
    db.session.execute(sa.select(Sprint.id).where(Sprint.id == sprint.id).with_for_update())
    return db.session.scalar(sa.select(sa.func.count()).select_from(Candidate).where(
        Candidate.sprint_id == sprint.id,
        Candidate.stage == CandidateStage.APPOINTED.value)) or 0


def seats_left(sprint: Sprint) -> int:
    return max(0, sprint.capacity - _count(sprint, CandidateStage.APPOINTED))


# --- the panel ------------------------------------------------------------------------------


def seat_panel_member(actor: Any, sprint: Sprint, panel_role: str, user_id: int | None,
                      reason: str = "") -> SprintPanelMember:
    """Seat (or replace) one of the three panel members. Each seat needs its role (HR/L&D:
    admin; external master coach: master coach; business sponsor: sponsor), three different
    people sit on the panel, and nobody conflicted with a candidate of the sprint takes a seat.
    Replacing a member needs a reason, kept in the audit log. Decisions already recorded stay
    with the member who made them."""
    require(actor, "can_manage_sprints")
    if sprint.status != "open":
        raise _refuse("The sprint is closed; its panel no longer changes.")
    try:
        role = PanelRole(panel_role)
    except ValueError:
        raise _refuse("Choose a panel seat.", "panel_role") from None
    user = db.session.get(User, user_id) if user_id else None
    label = domain.PANEL_ROLE_LABELS[role]
    if user is None or not user.is_active:
        raise _refuse(f"Choose the {label}.", "user_id")
    needed = PANEL_SEAT_ROLES[role.value]
    if needed.value not in user.roles:
        raise _refuse(f"{user.display_name} cannot sit as {label}: the seat needs the "
                      f"{needed.value.replace('_', ' ')} role.", "user_id")
    for member in sprint.panel:
        if member.user_id == user.id and member.panel_role != role.value:
            other = domain.PANEL_ROLE_LABELS[PanelRole(member.panel_role)]
            raise _refuse(f"{user.display_name} already sits on this panel as {other}; the panel "
                          f"is three different people.", "user_id")
    if user.person_id is not None and user.person_id in _existing_person_ids(sprint):
        raise _refuse(f"{user.display_name} has an entry in this sprint and cannot sit on its "
                      f"panel.", "user_id")
    managed = _managed_candidate(sprint, user)
    if managed is not None:
        raise _refuse(chain_refusal(user, managed, "panel member") or "", "user_id")
    related = seat_refusals(sprint, [user]).get(user.id)
    if related:
        raise _refuse(f"{related} They cannot sit on this sprint's panel.", "user_id")
    seat = next((m for m in sprint.panel if m.panel_role == role.value), None)
    replaced = seat.user_id if seat is not None and seat.user_id != user.id else None
    if replaced is not None and not reason.strip():
        raise _refuse(f"Say why the {label} seat changes hands; the reason is kept in the "
                      f"audit log.", "reason")
    if len(reason) > domain.MAX_REASON_LENGTH:
        raise _refuse(f"Keep the reason under {domain.MAX_REASON_LENGTH} characters.", "reason")
    if seat is not None and replaced is not None:
        # Decisions already recorded stay with the member who made them; the new member
        # decides on the candidates still waiting (e.g. where the former one had a conflict).
        seat.user_id = user.id
        seat.user = user
    elif seat is None:
        seat = SprintPanelMember(sprint_id=sprint.id, panel_role=role.value, user_id=user.id)
        db.session.add(seat)
        sprint.panel.append(seat)
    db.session.flush()
    detail: dict[str, Any] = {"panel_role": role.value, "user_id": user.id}
    if replaced is not None:
        detail.update(replaced_user_id=replaced, reason=reason.strip())
    audit.record("sprint.panel_replaced" if replaced is not None else "sprint.panel_seated",
                 actor=actor, object_type="sprint", object_id=sprint.id, detail=detail)
    return seat


def seat_refusals(sprint: Sprint, users: Sequence[User]) -> dict[int, str]:
    """{user id: why} for the users conflicted with any entry of the sprint (management chain
    either way, coaching, own candidacy): one sentence per user, naming the first candidate."""
    people = db.session.execute(
        sa.select(Person.id, Person.name).join(Candidate, Candidate.person_id == Person.id)
        .where(Candidate.sprint_id == sprint.id).order_by(Person.name, Person.id)).all()
    found: dict[int, str] = {}
    pairs = conflicts.conflicts_between(users, [(row.id, row.name) for row in people])
    for user in users:
        for row in people:
            if user.id not in found and (user.id, row.id) in pairs:
                found[user.id] = " ".join(pairs[(user.id, row.id)])
    return found


def _managed_candidate(sprint: Sprint, user: User) -> Person | None:
    """A candidate of this sprint in whose management chain the user is (one query: the
    user's reporting line against the sprint's entries), or None."""
    if user.person_id is None:
        return None
    below = sa.select(reporting_line_cte(user.person_id).c.id)
    return db.session.scalar(
        sa.select(Person).join(Candidate, Candidate.person_id == Person.id)
        .where(Candidate.sprint_id == sprint.id, Person.id.in_(below))
        .order_by(Person.name, Person.id).limit(1))


def panel_candidates(sprint: Sprint) -> list[tuple[str, User]]:
    """(role label, user) for every seat, in the blueprint's order."""
    by_role = {m.panel_role: m.user for m in sprint.panel}
    return [(domain.PANEL_ROLE_LABELS[r], by_role[r.value]) for r in PanelRole
            if r.value in by_role]


def panel_seat_choices(sprint: Sprint | None = None,
                       ) -> tuple[dict[str, Sequence[User]], dict[str, list[tuple[User, str]]]]:
    """Active users who may take each seat, and those who hold the seat's role but are not
    offered because they are conflicted with a candidate of the sprint (with why)."""
    choices: dict[str, Sequence[User]] = {}
    held: dict[str, Sequence[User]] = {}
    for seat, role in PANEL_SEAT_ROLES.items():
        held[seat] = db.session.scalars(
            sa.select(User).where(User.is_active.is_(True), User.id.in_(
                sa.select(RoleGrant.user_id).where(RoleGrant.role == role.value)))
            .order_by(User.display_name)).all()
    everyone = list({u.id: u for users in held.values() for u in users}.values())
    refused = seat_refusals(sprint, everyone) if sprint is not None else {}
    not_offered: dict[str, list[tuple[User, str]]] = {}
    for seat, users in held.items():
        choices[seat] = [u for u in users if u.id not in refused]
        not_offered[seat] = [(u, refused[u.id]) for u in users if u.id in refused]
    return choices, not_offered


# --- entries ------------------------------------------------------------------------------


def _person_of(actor: Any) -> Person:
    person = db.session.get(Person, getattr(actor, "person_id", None) or 0)
    if person is None:
        raise _refuse("Your account is not linked to a directory record; ask an L&D admin.")
    return person


def _existing_person_ids(sprint: Sprint) -> list[int]:
    return list(db.session.scalars(sa.select(Candidate.person_id)
                                   .where(Candidate.sprint_id == sprint.id)))


def _insert(row: Any, duplicate: str) -> None:
    """Insert a row whose uniqueness a simultaneous request may have taken first: the loser
    gets `duplicate` in words, not a server error."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise _refuse(duplicate) from None


def _require_not_on_panel(sprint: Sprint, person: Person) -> None:
    members = {m.user_id for m in sprint.panel}
    if members and db.session.scalar(sa.select(User.id).where(
            User.person_id == person.id, User.id.in_(members))) is not None:
        raise _refuse(f"{person.name} sits on this sprint's calibration panel and cannot also be "
                      f"a candidate in it.")


def _require_entries_open(sprint: Sprint) -> None:
    if sprint.status != "open":
        raise _refuse("This sprint is closed.")
    window = window_of(sprint, SprintStage.NOMINATION_APPLICATION)
    now = today()
    if now < window.start:
        raise _refuse(f"Entries open on {window.start.isoformat()}.")
    if now > window.end:
        raise _refuse(f"Nominations and applications closed on {window.end.isoformat()}.")


def _event(candidate: Candidate, actor: Any, source: str | None, target: str,
           reason: str = "") -> None:
    label = getattr(actor, "display_name", None) or (
        "System" if isinstance(actor, SystemActor) else "the nominee")
    candidate.events.append(CandidateEvent(
        from_stage=source, to_stage=target, reason=reason,
        actor_id=getattr(actor, "id", None), actor_label=label))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _base_url() -> str:
    return str(current_app.config.get("COACHPROG_BASE_URL", "http://127.0.0.1:5000")).rstrip("/")


def _email(kind: str, person: Person, subject: str, body: str, candidate: Candidate, *,
           secrets: tuple[str, ...] = ()) -> None:
    from coachprog.notifications.services import send_email

    send_email(kind=kind, to_email=person.email, to_name=person.name, subject=subject,
               body=body, related_type="candidate", related_id=candidate.id, secrets=secrets)


@dataclass(frozen=True)
class Entry:
    candidate: Candidate
    invitation_token: str | None = None  # shown once (e-mailed); only its hash is stored


def nominate(actor: Any, sprint: Sprint, *, nominee_employee_id: str, why: str) -> Entry:
    """A manager nominates someone in their reporting line; the nominee is invited by e-mail
    and becomes a candidate only by accepting."""
    require(actor, "can_enter_sprints")
    _require_entries_open(sprint)
    nominator = _person_of(actor)
    nominee = db.session.scalar(sa.select(Person).where(
        Person.employee_id == nominee_employee_id.strip()))
    # Outside their own line a nominator learns nothing: not whether the id exists, nor
    # whether that person has entered the sprint.
    if nominee is None or not nominee.active:
        raise _refuse(domain.OUTSIDE_LINE, "nominee_employee_id")
    chain = assessment_domain.manager_chain(nominee.id, get_manager_links((nominee.id,)))
    line_problem = domain.nominator_problem(nominator.id, nominee.id, chain)
    if line_problem:
        raise _refuse(line_problem, "nominee_employee_id")
    _require_not_on_panel(sprint, nominee)
    if nominee.id in _appointed_coach_ids([nominee.id]):
        raise _refuse(f"{nominee.name} is already an appointed coach; selection is for people "
                      f"who are not coaches yet.", "nominee_employee_id")
    problems = domain.nomination_problems(
        nominator_id=nominator.id, nominee_id=nominee.id, nominee_manager_chain=chain, why=why,
        existing_person_ids=_existing_person_ids(sprint))
    if problems:
        field = "why" if problems == domain.why_problems(why) else "nominee_employee_id"
        raise DomainError(" ".join(problems), field_errors={field: problems})
    token = secrets.token_urlsafe(32)
    candidate = Candidate(
        sprint_id=sprint.id, person_id=nominee.id, route="nomination",
        stage=CandidateStage.NOMINATED.value, furthest_stage=CandidateStage.NOMINATED.value,
        nominated_by_id=getattr(actor, "id", None), nomination_reason=why.strip(),
        invitation_token_hash=_token_hash(token), invited_at=utcnow())
    _insert(candidate, "This person already has an entry in this sprint.")
    candidate.sprint, candidate.person = sprint, nominee
    _event(candidate, actor, None, CandidateStage.NOMINATED.value, why.strip())
    db.session.flush()
    audit.record("candidate.nominated", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"sprint_id": sprint.id, "person_id": nominee.id})
    window = window_of(sprint, SprintStage.NOMINATION_APPLICATION)
    _email("selection.invitation", nominee, f"You are nominated for internal coach selection: "
           f"{sprint.name}",
           f"Dear {nominee.name},\n\n{nominator.name} has nominated you for the internal coach "
           f"selection sprint \"{sprint.name}\". In their words:\n\n{why.strip()}\n\n"
           f"Taking part is your choice. The sprint has a behavioural interview, two coaching "
           f"simulations, 8–12 hours of supervised practice and a calibration panel.\n\n"
           f"Accept or decline by {window.end.isoformat()} here:\n"
           f"{_base_url()}/sprints/invitations/{token}\n\nThe L&D team", candidate,
           secrets=(token,))
    return Entry(candidate, token)


def apply(actor: Any, sprint: Sprint, *, text: str, on_behalf_of: Person | None = None,
          ) -> Candidate:
    """An open application: the applicant is a candidate at once. L&D may record an
    application received outside the app (`on_behalf_of`); the entry says who recorded it."""
    if on_behalf_of is None:
        require(actor, "can_enter_sprints")
        person = _person_of(actor)
    else:
        require(actor, "can_manage_sprints")
        person = on_behalf_of
    _require_entries_open(sprint)
    _require_not_on_panel(sprint, person)
    if len(text) > MAX_APPLICATION_CHARACTERS:
        raise _refuse(f"Keep the application under {MAX_APPLICATION_CHARACTERS:,} characters "
                      f"(one page).", "text")
    problems = domain.application_entry_problems(
        person_id=person.id, text=text, existing_person_ids=_existing_person_ids(sprint))
    if problems:
        raise DomainError(" ".join(problems), field_errors={"text": problems})
    candidate = Candidate(
        sprint_id=sprint.id, person_id=person.id, route="application",
        stage=CandidateStage.APPLIED.value, furthest_stage=CandidateStage.APPLIED.value,
        application_text=text.strip())
    _insert(candidate, "This person already has an entry in this sprint.")
    candidate.sprint, candidate.person = sprint, person
    _event(candidate, actor, None, CandidateStage.APPLIED.value)
    db.session.flush()
    audit.record("candidate.applied", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"sprint_id": sprint.id, "person_id": person.id,
                                                 "words": domain.word_count(text)})
    return candidate


def invitation_by_token(token: str) -> Candidate:
    """The nomination a link points at; unknown, used or expired links are all "not found"
    (the token is the only credential, so nothing is revealed about why)."""
    if not token or len(token) > 100:
        raise NotFound("invitation")
    candidate = db.session.scalar(sa.select(Candidate).where(
        Candidate.invitation_token_hash == _token_hash(token)))
    if candidate is None:
        raise NotFound("invitation")
    return candidate


def respond_to_invitation(token: str, *, accept: bool, reason: str = "") -> Candidate:
    """The nominee accepts (and becomes a candidate) or declines (withdrawn). The link works
    once: the token is cleared either way."""
    candidate = invitation_by_token(token)
    if candidate.stage != CandidateStage.NOMINATED.value:
        raise _refuse("This invitation has already been answered.")
    if accept:
        window = window_of(candidate.sprint, SprintStage.NOMINATION_APPLICATION)
        if today() > window.end or candidate.sprint.status != "open":
            raise _refuse(f"This invitation expired on {window.end.isoformat()}, when the sprint "
                          f"stopped taking entries. You are welcome in a future sprint.")
    if accept:
        move = domain.advance(candidate.stage, CandidateStage.APPLIED,
                              domain.StageEvidence(invitation_accepted=True))
        candidate.accepted_at = utcnow()
    else:
        move = domain.withdraw(candidate.stage, reason.strip() or "Declined the invitation.")
    if isinstance(move, domain.Refusal):
        raise _refuse(move.message)
    candidate.invitation_token_hash = None
    _apply_move(None, candidate, move)
    audit.record("candidate.invitation_accepted" if accept else "candidate.invitation_declined",
                 actor=None, object_type="candidate", object_id=candidate.id)
    return candidate


def nominee_choices(actor: Any, sprint: Sprint) -> tuple[list[Person], int]:
    """Whom the actor may nominate in this sprint: their active reporting line (direct and
    indirect) without the people who already have an entry — and how many of the line have
    one."""
    require(actor, "can_enter_sprints")
    below = sa.select(reporting_line_cte(actor.person_id).c.id)
    people = db.session.scalars(sa.select(Person).where(Person.id.in_(below),
                                                        Person.active.is_(True))
                                .order_by(Person.name, Person.id)).all()
    entered = set(_existing_person_ids(sprint))
    coaches = _appointed_coach_ids([p.id for p in people])
    return ([p for p in people if p.id not in entered and p.id not in coaches],
            sum(p.id in entered for p in people))


def _appointed_coach_ids(person_ids: Sequence[int]) -> set[int]:
    """Those of the people already appointed coach in some sprint (no need to select them
    again)."""
    if not person_ids:
        return set()
    return set(db.session.scalars(sa.select(Candidate.person_id).where(
        Candidate.person_id.in_(person_ids), Candidate.stage == CandidateStage.APPOINTED.value)))


def list_my_candidacies(actor: Any) -> Sequence[Candidate]:
    person_id = getattr(actor, "person_id", None)
    if person_id is None:
        return []
    return db.session.scalars(
        sa.select(Candidate).where(Candidate.person_id == person_id)
        .options(joinedload(Candidate.sprint)).order_by(Candidate.id.desc())).all()


def list_my_nominations(actor: Any) -> Sequence[Candidate]:
    require(actor, "can_view_nominations")
    return db.session.scalars(
        sa.select(Candidate).where(Candidate.nominated_by_id == actor.id)
        .options(joinedload(Candidate.sprint), joinedload(Candidate.person))
        .order_by(Candidate.id.desc())).all()


def nomination_status(candidate: Candidate) -> str:
    """What the nominating manager may know: whether the invitation was answered, nothing
    about how the selection goes."""
    if candidate.stage == CandidateStage.NOMINATED.value:
        return "Invited — no answer yet"
    if candidate.accepted_at is None:
        declined = any(e.to_stage == CandidateStage.WITHDRAWN.value and e.actor_id is None
                       for e in candidate.events)
        return "Declined" if declined else "Withdrawn by L&D before an answer"
    return "Accepted — now a candidate"


# --- candidates and moves ---------------------------------------------------------------------


def get_candidate(actor: Any, candidate_id: int, rule: str = "can_view_candidate") -> Candidate:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("candidate")
    require(actor, rule, candidate)
    return candidate


def _rater_calibrated(assignment: RaterAssignment, rubric_key: str) -> bool:
    return is_calibrated(assignment.rater_id, rubric_key, assignment.submitted_at)


def _unmet(assessment: Assessment) -> tuple[str, ...]:
    """Unmet non-negotiables of the agreed marks: the moderator's when moderated, otherwise
    those any rater found (raters agreed, so one rater's "unmet" is the assessment's)."""
    rubric = assessments.rubric_of(assessment)
    sheets = [a for a in assessment.assignments if a.role == AssignmentRole.MODERATOR.value
              and a.status == AssignmentStatus.SUBMITTED.value]
    if not sheets:
        sheets = [a for a in assessment.assignments if a.role == AssignmentRole.RATER.value
                  and a.status == AssignmentStatus.SUBMITTED.value]
    found: list[str] = []
    for sheet in sheets:
        marks = {m.behaviour_id: m.value for m in sheet.marks if m.value is not None}
        for description in assessment_domain.unmet_non_negotiables(rubric, marks):
            if description not in found:
                found.append(description)
    return tuple(found)


def assessment_evidence(link: CandidateAssessment) -> domain.AssessmentEvidence:
    assessment = link.assessment
    rubric_key = assessment.rubric_version.rubric_key
    raters = [a for a in assessment.assignments if a.role == AssignmentRole.RATER.value]
    result = assessment.result or {}
    closed = assessment.status == AssessmentStatus.CLOSED.value
    return domain.AssessmentEvidence(
        rubric_id=rubric_key, status=AssessmentStatus(assessment.status),
        passed=bool(result.get("passed")) if closed else None,
        raters_calibrated=bool(raters) and all(_rater_calibrated(a, rubric_key) for a in raters),
        failed_rules=tuple(result.get("failed_rules", ())) if closed else (),
        unmet_non_negotiables=_unmet(assessment) if closed else (),
    )


def _current_link(candidate: Candidate, purpose: str) -> CandidateAssessment | None:
    links = [link for link in candidate.assessments if link.purpose == purpose]
    return links[-1] if links else None


def stage_evidence(candidate: Candidate) -> domain.StageEvidence:
    interview = _current_link(candidate, domain.INTERVIEW_RUBRIC_ID)
    simulations = [_current_link(candidate, key) for key in domain.SIMULATION_RUBRICS]
    return domain.StageEvidence(
        invitation_accepted=candidate.accepted_at is not None,
        interview=assessment_evidence(interview) if interview else None,
        simulations=tuple(assessment_evidence(s) for s in simulations if s is not None),
        coached_hours=tuple(domain.CoachedHours(e.hours, e.verified_by_id)
                            for e in candidate.hours),
        reviewed_sessions=len(candidate.reviews),
        panel=tuple(domain.PanelDecision(
            PanelRole(d.panel_role), d.member_id, d.member.display_name,
            domain.PanelVerdict(d.verdict), d.reasons) for d in candidate.panel_decisions),
    )


def next_stage(candidate: Candidate) -> CandidateStage | None:
    stage = CandidateStage(candidate.stage)
    if domain.is_final(stage):
        return None
    return domain.PIPELINE[domain.PIPELINE.index(stage) + 1]


def what_is_missing(candidate: Candidate) -> list[str]:
    """Why the candidate cannot move on yet (empty when they can), for the board and page."""
    target = next_stage(candidate)
    if target is None:
        return []
    move = domain.advance(candidate.stage, target, stage_evidence(candidate))
    return list(move.reasons) if isinstance(move, domain.Refusal) else []


def _furthest(candidate: Candidate, target: CandidateStage) -> None:
    if target in domain.PIPELINE and domain.PIPELINE.index(target) > domain.PIPELINE.index(
            CandidateStage(candidate.furthest_stage)):
        candidate.furthest_stage = target.value


MOVED_MEANWHILE = ("Someone else moved this candidate a moment ago; reload the page to see "
                   "where they are now.")


def _apply_move(actor: Any, candidate: Candidate, move: domain.Transition) -> None:
    source = candidate.stage
    # Only one of two simultaneous moves wins: the row changes only if it is still where this
    # request saw it (PostgreSQL re-checks the condition after waiting for the other writer).
    claimed = db.session.execute(
        sa.update(Candidate).where(Candidate.id == candidate.id, Candidate.stage == source)
        .values(stage=move.target.value).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise _refuse(MOVED_MEANWHILE)
    candidate.stage = move.target.value
    _furthest(candidate, move.target)
    if move.target in domain.EXITS:
        candidate.exit_reason = move.reason
    _event(candidate, actor, source, move.target.value, move.reason)
    db.session.flush()
    audit.record(f"candidate.{move.target.value}", actor=actor, object_type="candidate",
                 object_id=candidate.id,
                 detail={"from": source, "to": move.target.value, "sprint_id":
                         candidate.sprint_id, **({"reason": move.reason} if move.reason else {})})
    _notify(candidate, CandidateStage(source), move.target)


def _notify(candidate: Candidate, source: CandidateStage, target: CandidateStage) -> None:
    person, sprint = candidate.person, candidate.sprint
    if target is CandidateStage.INTERVIEW:
        _email("selection.scheduling", person, f"{sprint.name}: your behavioural interview",
               f"Dear {person.name},\n\nYou have moved on to the behavioural interview of the "
               f"\"{sprint.name}\" selection sprint. It takes about an hour; the L&D team will "
               f"propose a time in the week of {window_of(sprint, SprintStage.INTERVIEW).start}"
               f".\n\nThe L&D team", candidate)
    elif target is CandidateStage.SIMULATIONS:
        window = window_of(sprint, SprintStage.SIMULATIONS)
        _email("selection.scheduling", person, f"{sprint.name}: coaching simulations",
               f"Dear {person.name},\n\nYou have moved on to the coaching simulations of the "
               f"\"{sprint.name}\" selection sprint: two short coaching conversations (a "
               f"performance scenario and a transition scenario) in a half-day cohort session "
               f"on {window.start}. The L&D team will send the details.\n\nThe L&D team",
               candidate)
    elif target is CandidateStage.APPOINTED:
        _email("selection.decision", person, f"{sprint.name}: you are appointed as an internal "
               f"coach",
               f"Dear {person.name},\n\nThe calibration panel of the \"{sprint.name}\" selection "
               f"sprint has appointed you as an internal coach. Before any coaching work, three "
               f"documents are needed: the time-allocation agreement with your manager, the "
               f"coachee consent template and your role profile. The L&D team will guide you "
               f"through them.\n\nCongratulations,\nThe L&D team", candidate)
    elif target in domain.EXITS and source is not CandidateStage.NOMINATED:
        # A nominee who declines or is withdrawn before accepting was never a candidate:
        # the invitation answer is their notice.
        _email("selection.decision", person, f"{sprint.name}: your candidacy",
               f"Dear {person.name},\n\n{domain.candidate_notice(target, sprint.name)}\n\n"
               f"The L&D team", candidate)


def _require_open_sprint(candidate: Candidate) -> None:
    if candidate.sprint.status != "open":
        raise _refuse("This sprint is closed; its candidates no longer move.")


def advance_candidate(actor: Any, candidate: Candidate, target: str) -> Candidate:
    """Move a candidate on to `target` (the next stage) if the stage's evidence allows it."""
    require(actor, "can_manage_sprints")
    _require_open_sprint(candidate)
    try:
        goal = CandidateStage(target)
    except ValueError:
        raise _refuse(f"There is no stage called {target!r}.") from None
    if goal is CandidateStage.APPLIED and candidate.stage == CandidateStage.NOMINATED.value:
        raise _refuse("Only the nominee can accept their invitation; L&D cannot accept it for "
                      "them.")
    if goal is CandidateStage.APPOINTED and _appointed_now(candidate.sprint) >= \
            candidate.sprint.capacity:
        raise _refuse(f"All {candidate.sprint.capacity} seats of this sprint are taken; "
                      f"raise the capacity first or reject with a reason.")
    move = domain.advance(candidate.stage, goal, stage_evidence(candidate))
    if isinstance(move, domain.Refusal):
        raise _refuse(move.message)
    _apply_move(actor, candidate, move)
    if goal is CandidateStage.APPOINTED:
        _grant_coach_role(actor, candidate)
    return candidate


def _grant_coach_role(actor: Any, candidate: Candidate) -> None:
    """An appointed coach's account (if they have one) gets the coach role, so they can sign
    their paperwork and, later, log their practicum."""
    user = db.session.scalar(sa.select(User).where(User.person_id == candidate.person_id))
    if user is None or Role.COACH.value in user.roles:
        return
    db.session.add(RoleGrant(user_id=user.id, role=Role.COACH.value,
                             granted_by_id=getattr(actor, "id", None)))
    db.session.flush()
    db.session.refresh(user)
    audit.record("role.granted", actor=actor, object_type="user", object_id=user.id,
                 detail={"role": Role.COACH.value, "because": f"appointed in sprint "
                         f"{candidate.sprint_id}"})


def reject_candidate(actor: Any, candidate: Candidate, reason: str) -> Candidate:
    require(actor, "can_manage_sprints")
    _require_open_sprint(candidate)
    move = domain.reject(candidate.stage, reason)
    if isinstance(move, domain.Refusal):
        # Only a problem with the reason belongs next to the reason field.
        raise _refuse(move.message, None if domain.is_final(candidate.stage) else "reason")
    _apply_move(actor, candidate, move)
    return candidate


def withdraw_candidate(actor: Any, candidate: Candidate, reason: str) -> Candidate:
    require(actor, "can_withdraw_candidacy", candidate)
    _require_open_sprint(candidate)
    move = domain.withdraw(candidate.stage, reason)
    if isinstance(move, domain.Refusal):
        raise _refuse(move.message, None if domain.is_final(candidate.stage) else "reason")
    if candidate.stage == CandidateStage.NOMINATED.value:
        candidate.invitation_token_hash = None
    _apply_move(actor, candidate, move)
    return candidate


# --- stage assessments ----------------------------------------------------------------------


def latest_rubric_version(rubric_key: str) -> RubricVersion | None:
    return db.session.scalar(sa.select(RubricVersion).where(RubricVersion.rubric_key == rubric_key)
                             .order_by(RubricVersion.version.desc()).limit(1))


def create_stage_assessment(actor: Any, candidate: Candidate, purpose: str, *,
                            blind: bool = False) -> Assessment:
    """Create the assessment that counts for a stage: an evidence item about the candidate and
    an assessment with the stage's rubric (latest version). Raters are assigned on the
    assessment page, with its calibration and conflict checks."""
    require(actor, "can_manage_sprints")
    require(actor, "can_manage_assessments")
    _require_open_sprint(candidate)
    if purpose not in STAGE_ASSESSMENT_PURPOSES:
        raise _refuse("Choose the interview or one of the two simulations.", "purpose")
    needed_at = (CandidateStage.INTERVIEW if purpose == domain.INTERVIEW_RUBRIC_ID
                 else CandidateStage.SIMULATIONS)
    label = STAGE_ASSESSMENT_PURPOSES[purpose]
    if candidate.stage != needed_at.value:
        raise _refuse(f"The {label.lower()} assessment is created while the candidate is at "
                      f"the {domain.STAGE_LABELS[needed_at].lower()} stage.")
    if _current_link(candidate, purpose) is not None:
        raise _refuse(f"A {label.lower()} assessment already exists for this candidate; a "
                      f"failed one is not re-run in the same sprint.")
    version = latest_rubric_version(purpose)
    if version is None:
        raise _refuse(f"The {purpose} rubric is not loaded; run `flask rubrics load`.")
    evidence = EvidenceItem(title=f"{label}: {candidate.person.name} ({candidate.sprint.name})",
                            subject_person_id=candidate.person_id,
                            created_by_id=getattr(actor, "id", None))
    db.session.add(evidence)
    db.session.flush()
    assessment = assessments.create_assessment(
        actor, evidence_item_id=evidence.id, rubric_version_id=version.id,
        title=f"{label} — {candidate.sprint.name}", blind=blind)
    link = CandidateAssessment(candidate_id=candidate.id, assessment_id=assessment.id,
                               purpose=purpose)
    link.assessment = assessment
    candidate.assessments.append(link)
    db.session.flush()
    audit.record("candidate.assessment_linked", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"assessment_id": assessment.id,
                                                 "purpose": purpose})
    return assessment


# --- supervised practice ----------------------------------------------------------------------


def log_practice_hours(actor: Any, candidate: Candidate, *, session_date: date | None,
                       minutes: int | None, note: str = "") -> CoachedHoursEntry:
    require(actor, "can_log_practice_hours", candidate)
    errors: dict[str, list[str]] = {}
    if session_date is None:
        errors["session_date"] = ["Give the date of the coached session."]
    elif session_date > today():
        errors["session_date"] = ["The date is in the future; log hours once coached."]
    elif session_date < candidate.sprint.start_date:
        errors["session_date"] = ["The date is before the sprint started."]
    if minutes is None or not 1 <= minutes <= MAX_PRACTICE_MINUTES:
        errors["minutes"] = [f"Give the length in minutes, from 1 to {MAX_PRACTICE_MINUTES} "
                             f"(8 hours)."]
    if len(note) > 500:
        errors["note"] = ["Keep the note under 500 characters."]
    if errors or session_date is None or minutes is None:
        raise DomainError("The hours cannot be logged.", field_errors=errors)
    entry = CoachedHoursEntry(candidate_id=candidate.id, session_date=session_date,
                              minutes=minutes, note=note.strip(),
                              logged_by_id=getattr(actor, "id", None))
    candidate.hours.append(entry)
    db.session.flush()
    audit.record("candidate.hours_logged", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"entry_id": entry.id, "minutes": minutes,
                                                 "date": session_date.isoformat()})
    return entry


def verify_practice_hours(actor: Any, candidate: Candidate, entry_id: int) -> CoachedHoursEntry:
    require(actor, "can_supervise_practice", candidate)
    entry = next((e for e in candidate.hours if e.id == entry_id), None)
    if entry is None:
        raise NotFound("hours entry")
    _require_open_sprint(candidate)
    if candidate.stage != CandidateStage.SUPERVISED_PRACTICE.value:
        raise _refuse("Hours are verified while the candidate is in supervised practice.")
    if entry.verified_by_id is not None:
        raise _refuse("These hours are already verified.")
    if entry.logged_by_id is not None and entry.logged_by_id == getattr(actor, "id", None):
        raise _refuse("Someone other than the person who logged the hours verifies them.")
    entry.verified_by_id = actor.id
    entry.verified_at = utcnow()
    db.session.flush()
    audit.record("candidate.hours_verified", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"entry_id": entry.id})
    return entry


def record_practice_review(actor: Any, candidate: Candidate, *, title: str, notes: str,
                           link: str = "") -> PracticeReview:
    """A supervisor records that they reviewed a practice session (an evidence item: until
    recordings exist, a description and an optional link)."""
    require(actor, "can_supervise_practice", candidate)
    if candidate.stage != CandidateStage.SUPERVISED_PRACTICE.value:
        raise _refuse("Practice sessions are reviewed while the candidate is in supervised "
                      "practice.")
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Say which session you reviewed (e.g. date and topic)."]
    elif len(title.strip()) > 200:
        errors["title"] = ["Keep the title under 200 characters."]
    if not notes.strip():
        errors["notes"] = ["Write your review notes (what you observed, what to develop)."]
    elif len(notes) > MAX_NOTES:
        errors["notes"] = [f"Keep the notes under {MAX_NOTES} characters."]
    link = link.strip()
    if link and not link.startswith(("http://", "https://")):
        errors["link"] = ["A link starts with http:// or https://."]
    if errors:
        raise DomainError("The review cannot be recorded.", field_errors=errors)
    evidence = EvidenceItem(title=title.strip(), description=notes.strip(), link=link or None,
                            subject_person_id=candidate.person_id,
                            created_by_id=getattr(actor, "id", None))
    db.session.add(evidence)
    db.session.flush()
    review = PracticeReview(candidate_id=candidate.id, evidence_item_id=evidence.id,
                            reviewer_id=actor.id, notes=notes.strip())
    candidate.reviews.append(review)
    db.session.flush()
    audit.record("candidate.practice_reviewed", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"review_id": review.id,
                                                 "evidence_item_id": evidence.id})
    return review


@dataclass(frozen=True)
class HoursSummary:
    verified: float
    waiting: float
    minimum: float = domain.MIN_COACHED_HOURS
    target: float = domain.TARGET_COACHED_HOURS

    @property
    def percent_of_target(self) -> int:
        return min(100, round(self.verified / self.target * 100))


def hours_summary(candidate: Candidate) -> HoursSummary:
    verified = sum(e.minutes for e in candidate.hours if e.verified_by_id is not None) / 60
    total = sum(e.minutes for e in candidate.hours) / 60
    return HoursSummary(verified=verified, waiting=total - verified)


# --- the panel's decisions -------------------------------------------------------------------


def record_panel_decision(actor: Any, candidate: Candidate, *, verdict: str,
                          reasons: str) -> PanelDecisionRecord:
    conflict = panel_conflict(actor, candidate)
    if conflict:
        raise _refuse(conflict)
    require(actor, "can_record_panel_decision", candidate)
    seat = panel_seat_of(actor, candidate.sprint)
    errors: dict[str, list[str]] = {}
    try:
        decision = domain.PanelVerdict(verdict)
    except ValueError:
        errors["verdict"] = ["Choose appoint or do not appoint."]
    if not reasons.strip():
        errors["reasons"] = ["Give the reasons for your decision; the panel decides on "
                             "evidence."]
    elif len(reasons) > domain.MAX_REASON_LENGTH:
        errors["reasons"] = [f"Keep the reasons under {domain.MAX_REASON_LENGTH} characters."]
    if errors or seat is None:
        raise DomainError("The decision cannot be recorded.", field_errors=errors)
    record = next((d for d in candidate.panel_decisions if d.panel_role == seat), None)
    previous = None
    if record is None:
        record = PanelDecisionRecord(candidate_id=candidate.id, panel_role=seat,
                                     member_id=actor.id, verdict=decision.value,
                                     reasons=reasons.strip())
        record.member = actor
        _insert(record, "A decision for your seat was recorded a moment ago; reload the page "
                "to see it, then replace it if you need to.")
        candidate.panel_decisions.append(record)
    else:
        previous = record.verdict
        record.member_id, record.verdict = actor.id, decision.value
        record.reasons, record.decided_at = reasons.strip(), utcnow()
    db.session.flush()
    audit.record("candidate.panel_decision", actor=actor, object_type="candidate",
                 object_id=candidate.id,
                 detail={"panel_role": seat, "verdict": decision.value,
                         **({"previous": previous} if previous else {})})
    return record


def panel_conflict(member: Any, candidate: Candidate) -> str | None:
    """Why a seated member may not decide on this candidate (management chain either way,
    coaching, own candidacy), in words; None when they may."""
    return conflicts.member_refusal(member, candidate)


def panel_outcome(candidate: Candidate) -> domain.PanelOutcome:
    return domain.panel_outcome(stage_evidence(candidate).panel)


# --- the evidence pack ---------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentLine:
    purpose: str
    label: str
    assessment: Assessment
    summary: str | None  # the agreed result in words, None while not closed
    evidence: domain.AssessmentEvidence


def assessment_lines(candidate: Candidate) -> list[AssessmentLine]:
    lines = []
    for purpose, label in STAGE_ASSESSMENT_PURPOSES.items():
        link = _current_link(candidate, purpose)
        if link is None:
            continue
        assessment = link.assessment
        summary = assessment_results.result_summary(assessment, assessment.result)
        lines.append(AssessmentLine(purpose, label, assessment, summary,
                                    assessment_evidence(link)))
    return lines


def open_evidence_pack(actor: Any, candidate_id: int) -> Candidate:
    """The candidate page: loads everything it shows and records who opened the pack (it
    holds scores, supervisors' notes and the panel's reasons)."""
    candidate = load_candidate(actor, candidate_id)
    audit.record("candidate.evidence_viewed", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"sprint_id": candidate.sprint_id})
    return candidate


def load_candidate(actor: Any, candidate_id: int, rule: str = "can_view_candidate",
                   ) -> Candidate:
    """A candidate with everything the candidate page reads."""
    candidate = db.session.scalar(
        sa.select(Candidate).where(Candidate.id == candidate_id).options(
            joinedload(Candidate.sprint).selectinload(Sprint.panel)
            .joinedload(SprintPanelMember.user),
            *CANDIDATE_EVIDENCE, selectinload(Candidate.events),
        ))
    if candidate is None:
        raise NotFound("candidate")
    require(actor, rule, candidate)
    return candidate


# --- board export -----------------------------------------------------------------------------

EXPORT_COLUMNS = ("candidate_id", "employee_id", "name", "department", "route", "stage",
                  "furthest_stage", "entered_at", "verified_practice_hours",
                  "interview", "simulation_performance", "simulation_transition",
                  "panel_outcome", "exit_reason")


def _result_word(line: AssessmentLine | None) -> str:
    if line is None:
        return ""
    if line.evidence.passed is None:
        return line.assessment.status
    return "passed" if line.evidence.passed else "failed"


def export_board(actor: Any, sprint: Sprint) -> list[dict[str, Any]]:
    """One row per entry, for L&D's own records; audited because it lists people and their
    selection outcomes."""
    require(actor, "can_manage_sprints")
    rows = []
    # A seated admin conflicted with a candidate gets their row without the evidence (the
    # results and the panel's outcome), as on the candidate page.
    barred = {c.candidate_id for c in conflicts.sprint_conflicts(sprint)
              if c.member_id == getattr(actor, "id", None)}
    for stage_candidates in board(sprint).values():
        for candidate in stage_candidates:
            lines = {} if candidate.id in barred else \
                {line.purpose: line for line in assessment_lines(candidate)}
            rows.append({
                "candidate_id": candidate.id, "employee_id": candidate.person.employee_id,
                "name": candidate.person.name, "department": candidate.person.department,
                "route": candidate.route, "stage": candidate.stage,
                "furthest_stage": candidate.furthest_stage,
                "entered_at": candidate.created_at.date().isoformat(),
                "verified_practice_hours": f"{hours_summary(candidate).verified:g}",
                "interview": _result_word(lines.get("interview")),
                "simulation_performance": _result_word(lines.get("simulation-performance")),
                "simulation_transition": _result_word(lines.get("simulation-transition")),
                "panel_outcome": panel_outcome(candidate).value
                if candidate.panel_decisions and candidate.id not in barred else "",
                "exit_reason": candidate.exit_reason,
            })
    audit.record("sprint.board_exported", actor=actor, object_type="sprint", object_id=sprint.id,
                 detail={"rows": len(rows)})
    return rows

