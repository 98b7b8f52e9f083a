"""An appointed coach's paperwork. Before any client work a coach needs three documents
(`missing_paperwork`): a time-allocation agreement with 10–20 % protected time, signed in the app
by their manager and by the coach (who accepts the non-evaluator clause as they sign); the consent
template version they will use; and a role profile (scope, escalation paths, supervision
arrangement). Changing the agreement's terms (percent, weekly hours) or its manager clears both
signatures: the parties signed other terms.

The coach list (`list_coaches`, `list_coaches_page`) shows every appointed coach with
their paperwork status and capacity. Every change writes an audit entry. Services flush; the
caller commits."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coachprog.authority import can, require
from coachprog.coaching.models import ACTIVE, CoachPaperwork, Engagement
from coachprog.coaching.paperwork.consent_templates import (
    ConsentTemplate,
    consent_template,
    consent_template_versions,
)
from coachprog.coaching.roster.services import appointed_clause, appointment_of
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.selection.appointment.domain import (
    MAX_PROTECTED_PERCENT,
    MIN_PROTECTED_PERCENT,
    Paperwork,
    RoleProfile,
    TimeAgreement,
    missing_paperwork,
    protected_hours_per_week,
    protected_time_problems,
)
from coachprog.selection.models import Candidate

NON_EVALUATOR_CLAUSE = (
    "The coach never evaluates the people they coach: they take no part in a coachee's "
    "performance reviews, ratings, promotion or pay decisions, and nothing said in coaching is "
    "used to evaluate anyone.")


DEFAULT_WEEKLY_HOURS = 40.0
MIN_WEEKLY_HOURS = 1.0
MAX_WEEKLY_HOURS = 60.0
MAX_PROFILE_LENGTH = 5000


def paperwork_for(person_id: int) -> CoachPaperwork | None:
    return db.session.scalar(
        sa.select(CoachPaperwork).where(CoachPaperwork.coach_person_id == person_id))


def to_domain(row: CoachPaperwork | None) -> Paperwork:
    """The stored documents as the pure rules read them; an agreement exists once an admin has
    given its protected percentage."""
    if row is None:
        return Paperwork()
    agreement = None
    if row.protected_percent is not None:
        agreement = TimeAgreement(
            protected_percent=row.protected_percent, manager_signed_at=row.manager_signed_at,
            coach_signed_at=row.coach_signed_at,
            non_evaluator_clause_accepted=row.non_evaluator_clause_accepted,
            manager_current=row.manager_person_id == row.coach.manager_id)
    texts = (row.role_scope or "", row.escalation_paths or "", row.supervision_arrangement or "")
    profile = RoleProfile(*texts) if any(text.strip() for text in texts) else None
    return Paperwork(agreement=agreement, consent_template_version=row.consent_template_version,
                     role_profile=profile)


def missing_paperwork_for(person_id: int) -> list[str]:
    """What this coach's paperwork still lacks, in plain words; empty when complete."""
    return missing_paperwork(to_domain(paperwork_for(person_id)))


# Complete stand-ins for the documents not being looked at, so that `missing_paperwork` (the
# one place the words live) can report on one document at a time.
_SIGNED = datetime(2000, 1, 1, tzinfo=UTC)
_COMPLETE_AGREEMENT = TimeAgreement(MIN_PROTECTED_PERCENT, _SIGNED, _SIGNED, True)
_COMPLETE_PROFILE = RoleProfile("scope", "escalation", "supervision")
_COMPLETE_CONSENT = "complete"


@dataclass(frozen=True)
class DocumentStatus:
    missing: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing


def missing_by_document(paperwork: Paperwork) -> dict[str, DocumentStatus]:
    """`missing_paperwork`, split into the agreement, the consent template and the profile."""
    return {
        "agreement": DocumentStatus(missing_paperwork(Paperwork(
            paperwork.agreement, _COMPLETE_CONSENT, _COMPLETE_PROFILE))),
        "consent": DocumentStatus(missing_paperwork(Paperwork(
            _COMPLETE_AGREEMENT, paperwork.consent_template_version, _COMPLETE_PROFILE))),
        "role_profile": DocumentStatus(missing_paperwork(Paperwork(
            _COMPLETE_AGREEMENT, _COMPLETE_CONSENT, paperwork.role_profile))),
    }


@dataclass(frozen=True)
class CoachFile:
    """A coach, their paperwork row (None until first saved) and their appointment. The
    paperwork permission rules are asked about this object."""

    coach: Person
    paperwork: CoachPaperwork | None
    appointment: Candidate | None


def load_coach_file(person_id: int) -> CoachFile:
    person = get_or_404(Person, person_id, what="person")
    return CoachFile(person, paperwork_for(person_id), appointment_of(person_id))


def get_coach_file(actor: Any, person_id: int) -> CoachFile:
    """The coach's file for those who may see their paperwork; someone never appointed has no
    paperwork to show (404, asked only after the permission check so it reveals nothing)."""
    coach_file = load_coach_file(person_id)
    require(actor, "can_view_paperwork", coach_file)
    if coach_file.appointment is None and coach_file.paperwork is None:
        raise NotFound("coach")
    return coach_file


@dataclass(frozen=True)
class Capacity:
    """Protected hours a week against the hours the coach's active engagements book."""

    protected_hours: float | None  # None until a valid agreement exists
    booked_hours: float
    active_engagements: int

    @property
    def free_hours(self) -> float | None:
        if self.protected_hours is None:
            return None
        return max(0.0, self.protected_hours - self.booked_hours)


def protected_hours(row: CoachPaperwork | None) -> float | None:
    if row is None or row.protected_percent is None \
            or protected_time_problems(row.protected_percent):
        return None
    return protected_hours_per_week(row.protected_percent, row.weekly_hours)


def bookings_of(coach_ids: Sequence[int]) -> dict[int, tuple[int, float]]:
    """{coach id: (active engagements, hours a week they book)} in one query."""
    if not coach_ids:
        return {}
    rows = db.session.execute(
        sa.select(Engagement.coach_person_id, sa.func.count(),
                  sa.func.coalesce(sa.func.sum(Engagement.hours_per_week), 0.0))
        .where(Engagement.coach_person_id.in_(coach_ids), Engagement.status == ACTIVE)
        .group_by(Engagement.coach_person_id)).all()
    return {coach_id: (int(count), float(hours)) for coach_id, count, hours in rows}


@dataclass(frozen=True)
class PaperworkView:
    """What the paperwork page shows to one viewer. `full` is False for the agreement's
    manager: they get the agreement and its status, nothing else."""

    coach_file: CoachFile
    full: bool
    documents: dict[str, DocumentStatus]
    missing: list[str]
    consent: ConsentTemplate | None
    capacity: Capacity | None
    manager: Person | None  # named on the agreement
    manager_changed: bool  # the directory now shows another manager


def describe_paperwork(actor: Any, coach_file: CoachFile) -> PaperworkView:
    require(actor, "can_view_paperwork", coach_file)
    full = can(actor, "can_view_full_paperwork", coach_file)
    row = coach_file.paperwork
    documents = missing_by_document(to_domain(row))
    manager = row.manager if row is not None else None
    drafted = row is not None and row.protected_percent is not None
    capacity = None
    if full:
        count, booked = bookings_of([coach_file.coach.id]).get(coach_file.coach.id, (0, 0.0))
        capacity = Capacity(protected_hours(row), booked, count)
    return PaperworkView(
        coach_file=coach_file, full=full,
        documents=documents if full else {"agreement": documents["agreement"]},
        missing=missing_paperwork(to_domain(row)) if full else documents["agreement"].missing,
        consent=consent_template(row.consent_template_version) if full and row else None,
        capacity=capacity, manager=manager,
        manager_changed=drafted and row is not None
        and row.manager_person_id != coach_file.coach.manager_id,
    )


@dataclass(frozen=True)
class PaperworkDraft:
    """What an admin submits; None for a number left empty."""

    protected_percent: float | None
    weekly_hours: float | None
    consent_template_version: str = ""
    role_scope: str = ""
    escalation_paths: str = ""
    supervision_arrangement: str = ""


@dataclass(frozen=True)
class PaperworkSaved:
    paperwork: CoachPaperwork
    signatures_cleared: bool
    missing: list[str]


def _paperwork_errors(coach: Person, row: CoachPaperwork | None,
                      draft: PaperworkDraft) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    percent = draft.protected_percent
    if percent is None:
        if row is not None and row.protected_percent is not None:
            errors["protected_percent"] = [
                "The agreement has been drawn up: give its protected time "
                f"({MIN_PROTECTED_PERCENT:g}–{MAX_PROTECTED_PERCENT:g} %)."]
    elif problems := protected_time_problems(percent):
        errors["protected_percent"] = problems
    elif coach.manager_id is None:
        errors["protected_percent"] = [
            f"{coach.name} has no manager in the directory, and the agreement needs their "
            "manager's signature. Correct the reporting line (people import) first."]
    hours = draft.weekly_hours
    if hours is None:
        errors["weekly_hours"] = [f"Give the coach's weekly working hours "
                                  f"({MIN_WEEKLY_HOURS:g}–{MAX_WEEKLY_HOURS:g})."]
    elif not math.isfinite(hours) or not MIN_WEEKLY_HOURS <= hours <= MAX_WEEKLY_HOURS:
        errors["weekly_hours"] = [f"Weekly working hours are between {MIN_WEEKLY_HOURS:g} and "
                                  f"{MAX_WEEKLY_HOURS:g} (it is {hours:g})."]
    version = draft.consent_template_version.strip()
    offered = {t.version for t in consent_template_versions()}
    if version and version not in offered and (row is None
                                               or version != row.consent_template_version):
        errors["consent_template_version"] = ["Choose one of the listed consent templates."]
    for name, label in (("role_scope", "scope"), ("escalation_paths", "escalation paths"),
                        ("supervision_arrangement", "supervision arrangement")):
        if len(getattr(draft, name).strip()) > MAX_PROFILE_LENGTH:
            errors[name] = [f"Keep the {label} under {MAX_PROFILE_LENGTH} characters."]
    return errors


def save_paperwork(actor: Any, coach_person_id: int, draft: PaperworkDraft) -> PaperworkSaved:
    """Create (on first save) or update a coach's paperwork. Changing the agreement's terms
    or its manager clears both signatures."""
    require(actor, "can_edit_paperwork")
    coach_file = load_coach_file(coach_person_id)
    coach, row = coach_file.coach, coach_file.paperwork
    if coach_file.appointment is None and row is None:
        raise DomainError(f"{coach.name} is not an appointed coach: paperwork is drawn up once "
                          "a sprint's calibration panel has appointed them.")
    errors = _paperwork_errors(coach, row, draft)
    if errors or draft.weekly_hours is None:
        raise DomainError("The paperwork has problems; nothing was saved.", field_errors=errors)
    if row is None:
        row = CoachPaperwork(
            coach_person_id=coach.id,
            candidate_id=coach_file.appointment.id if coach_file.appointment else None,
            non_evaluator_clause_accepted=False)
        db.session.add(row)
    before = {"protected_percent": row.protected_percent, "weekly_hours": row.weekly_hours,
              "consent_template_version": row.consent_template_version,
              "role_scope": row.role_scope, "escalation_paths": row.escalation_paths,
              "supervision_arrangement": row.supervision_arrangement}
    drafted = row.protected_percent is not None
    terms_changed = drafted and (draft.protected_percent != row.protected_percent
                                 or draft.weekly_hours != row.weekly_hours)
    manager_changed = drafted and row.manager_person_id != coach.manager_id
    signed = row.manager_signed_at is not None or row.coach_signed_at is not None
    cleared = bool((terms_changed or manager_changed) and signed)
    if cleared:
        # They signed other terms (or another manager signed): both sign again.
        row.manager_signed_at = None
        row.manager_signed_by_id = None
        row.coach_signed_at = None
        row.non_evaluator_clause_accepted = False
    if draft.protected_percent is not None:
        row.protected_percent = draft.protected_percent
        row.manager_person_id = coach.manager_id
    row.weekly_hours = draft.weekly_hours
    row.consent_template_version = draft.consent_template_version.strip() or None
    row.role_scope = draft.role_scope.strip()
    row.escalation_paths = draft.escalation_paths.strip()
    row.supervision_arrangement = draft.supervision_arrangement.strip()
    db.session.flush()
    changed = sorted(name for name, value in before.items() if getattr(row, name) != value)
    audit.record("coaching.paperwork_saved", actor=actor, object_type="coach_paperwork",
                 object_id=row.id,
                 detail={"coach_person_id": coach.id, "changed": changed,
                         "signatures_cleared": cleared,
                         "protected_percent": row.protected_percent,
                         "weekly_hours": row.weekly_hours,
                         "manager_person_id": row.manager_person_id})
    return PaperworkSaved(row, cleared, missing_paperwork(to_domain(row)))


def _agreement_to_sign(coach_file: CoachFile) -> CoachPaperwork:
    row = coach_file.paperwork
    if row is None or row.protected_percent is None:
        raise DomainError("There is no agreement to sign yet: an L&D admin draws up the "
                          "time-allocation agreement first.")
    return row


def _signed_record(actor: Any, row: CoachPaperwork, party: str) -> None:
    db.session.flush()
    audit.record("coaching.agreement_signed", actor=actor, object_type="coach_paperwork",
                 object_id=row.id,
                 detail={"party": party, "coach_person_id": row.coach_person_id,
                         "protected_percent": row.protected_percent,
                         "weekly_hours": row.weekly_hours})


def sign_as_coach(actor: Any, coach_person_id: int, *,
                  accept_non_evaluator_clause: bool) -> CoachPaperwork:
    """The coach's in-app signature, which accepts the non-evaluator clause."""
    coach_file = load_coach_file(coach_person_id)
    require(actor, "can_sign_agreement_as_coach", coach_file)
    # A signature is personal: not even the operator at the shell signs for the coach.
    if getattr(actor, "person_id", None) != coach_file.coach.id:
        raise NotPermitted("can_sign_agreement_as_coach")
    row = _agreement_to_sign(coach_file)
    if row.coach_signed_at is not None:
        raise DomainError(f"You signed this agreement on {row.coach_signed_at:%Y-%m-%d}; it "
                          "needs no second signature.")
    if not accept_non_evaluator_clause:
        message = ("Tick the box to accept the non-evaluator clause: you sign by accepting "
                   "that you never evaluate the people you coach.")
        raise DomainError(message, field_errors={"accept_clause": [message]})
    row.coach_signed_at = utcnow()
    row.non_evaluator_clause_accepted = True
    _signed_record(actor, row, "coach")
    return row


def sign_as_manager(actor: Any, coach_person_id: int) -> CoachPaperwork:
    """The in-app signature of the manager the agreement names."""
    coach_file = load_coach_file(coach_person_id)
    require(actor, "can_sign_agreement_as_manager", coach_file)
    row = _agreement_to_sign(coach_file)
    if getattr(actor, "person_id", None) != row.manager_person_id:
        raise NotPermitted("can_sign_agreement_as_manager")
    if row.manager_person_id != coach_file.coach.manager_id:
        raise DomainError("The directory now shows another manager for this coach; L&D redraws "
                          "the agreement with them before anyone signs.")
    if row.manager_signed_at is not None:
        raise DomainError(f"You signed this agreement on {row.manager_signed_at:%Y-%m-%d}; it "
                          "needs no second signature.")
    row.manager_signed_at = utcnow()
    row.manager_signed_by_id = actor.id
    _signed_record(actor, row, "manager")
    return row


# --- the coach list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoachSummary:
    coach: Person
    appointment: Candidate
    paperwork: CoachPaperwork | None
    missing: list[str]
    capacity: Capacity

    @property
    def paperwork_complete(self) -> bool:
        return not self.missing


def list_coaches(actor: Any) -> list[CoachSummary]:
    """Every appointed coach with paperwork status and capacity (a few queries, any size)."""
    require(actor, "can_list_coaches")
    appointments = db.session.scalars(
        sa.select(Candidate).options(joinedload(Candidate.person), joinedload(Candidate.sprint))
        .where(appointed_clause()).order_by(Candidate.id.desc())).all()
    latest: dict[int, Candidate] = {}
    for candidate in appointments:
        latest.setdefault(candidate.person_id, candidate)
    summaries = _summarise(latest, list(latest))
    summaries.sort(key=lambda s: (s.coach.name.lower(), s.coach.id))
    return summaries


def list_coaches_page(actor: Any, *, page: int, per_page: int, q: str = ""
                      ) -> tuple[list[CoachSummary], int]:
    """A page of the roster (by name; `q` on name or employee id) and how many match: the
    page's coaches are chosen in SQL and only theirs are summarised (not the whole roster)."""
    require(actor, "can_list_coaches")
    people = sa.select(Person.id).where(
        Person.id.in_(sa.select(Candidate.person_id).where(appointed_clause())))
    needle = q.strip()
    if needle:
        people = people.where(sa.or_(Person.name.icontains(needle, autoescape=True),
                                     Person.employee_id.icontains(needle, autoescape=True)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(people.subquery())) or 0
    ids = list(db.session.scalars(people.order_by(sa.func.lower(Person.name), Person.id)
                                  .limit(per_page).offset((page - 1) * per_page)))
    if not ids:
        return [], total
    latest: dict[int, Candidate] = {}
    for candidate in db.session.scalars(
            sa.select(Candidate).options(joinedload(Candidate.person), joinedload(Candidate.sprint))
            .where(appointed_clause(), Candidate.person_id.in_(ids)).order_by(Candidate.id.desc())):
        latest.setdefault(candidate.person_id, candidate)
    return _summarise(latest, ids), total


def _summarise(latest: dict[int, Candidate], ids: list[int]) -> list[CoachSummary]:
    """The summaries of the coaches `ids` (in that order), each with their latest appointment
    in `latest`: their paperwork and bookings in two queries, whatever the number."""
    rows = {row.coach_person_id: row for row in db.session.scalars(
        sa.select(CoachPaperwork).where(CoachPaperwork.coach_person_id.in_(ids)))} if ids else {}
    bookings = bookings_of(ids)
    summaries = []
    for person_id in ids:
        row = rows.get(person_id)
        count, booked = bookings.get(person_id, (0, 0.0))
        summaries.append(CoachSummary(
            coach=latest[person_id].person, appointment=latest[person_id], paperwork=row,
            missing=missing_paperwork(to_domain(row)),
            capacity=Capacity(protected_hours(row), booked, count)))
    return summaries
