"""Coaching relationships: an appointed coach's paperwork, their engagements with coachees, and
the performance-review relationships that rule a match out.

Policy (the pure rules live in `selection.domain`; this module loads the facts and applies
them):
- An appointed coach is a person with a selection candidacy at stage `appointed` (any sprint).
- Before any client work a coach needs three documents (`missing_paperwork`): a time-allocation
  agreement with 10–20 % protected time, signed in the app by their manager and by the coach
  (who accepts the non-evaluator clause as they sign); the consent template version they will
  use; and a role profile (scope, escalation paths, supervision arrangement). Changing the
  agreement's terms (percent, weekly hours) or its manager clears both signatures: the parties
  signed other terms.
- Admins match coaches with coachees (`match_problems`): never with paperwork missing, across a
  management chain either way, across a performance-review relationship either way, or beyond
  the coach's protected-time capacity. One active engagement per coach–coachee pair.
- Every engagement, active or ended, feeds the rater conflict rule of the assessments domain: a
  coach never rates someone they coach or have coached (`coachees_of`, registered at import).

Every change writes an audit entry, and so does every read of an engagement (its goals are
coaching content). Services flush; the caller commits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coachprog.assessments.conflicts import register_coaching_source
from coachprog.assessments.domain import manager_chain
from coachprog.authority import can, require
from coachprog.coaching.models import CoachPaperwork, Engagement, EvaluationRelationship
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.people.services import get_manager_links, reporting_line_cte
from coachprog.policy.domain import OptOutKind
from coachprog.policy.guards import guard
from coachprog.policy.services import opt_out_problems, opted_out_ids
from coachprog.selection.appointment.domain import (
    DEFAULT_ENGAGEMENT_HOURS_PER_WEEK,
    MAX_PROTECTED_PERCENT,
    MIN_PROTECTED_PERCENT,
    MatchFacts,
    Paperwork,
    RoleProfile,
    TimeAgreement,
    match_problems,
    missing_paperwork,
    protected_hours_per_week,
    protected_time_problems,
)
from coachprog.selection.domain import CandidateStage
from coachprog.selection.models import Candidate

ACTIVE = "active"
ENDED = "ended"
ENGAGEMENT_STATUSES = (ACTIVE, ENDED)

NON_EVALUATOR_CLAUSE = (
    "The coach never evaluates the people they coach: they take no part in a coachee's "
    "performance reviews, ratings, promotion or pay decisions, and nothing said in coaching is "
    "used to evaluate anyone.")

DEFAULT_WEEKLY_HOURS = 40.0
MIN_WEEKLY_HOURS = 1.0
MAX_WEEKLY_HOURS = 60.0
MAX_PROFILE_LENGTH = 5000
MIN_SESSION_CAP = 1
MAX_SESSION_CAP = 50
MIN_ENGAGEMENT_HOURS = 0.25
MAX_ENGAGEMENT_HOURS = 8.0
MAX_GOALS_LENGTH = 5000
MAX_KPI_LENGTH = 200
MAX_EVALUATION_NOTE_LENGTH = 500


# --- consent templates -------------------------------------------------------------------------

PLACEHOLDER_CONSENT_VERSION = "placeholder-v0"


@dataclass(frozen=True)
class ConsentTemplate:
    """One version of the coachee confidentiality and data-use consent text."""

    version: str
    label: str
    placeholder: bool = False


def consent_template_versions() -> list[ConsentTemplate]:
    """The consent texts a coach may adopt: the versions admins maintain (consent texts not
    retired), newest first. Only while no consent text exists at all does a placeholder stand
    in, so paperwork can be completed and switched to a real version later."""
    from coachprog.recordings.models import ConsentText

    rows = db.session.scalars(sa.select(ConsentText).order_by(
        ConsentText.created_at.desc(), ConsentText.id.desc())).all()
    if not rows:
        return [ConsentTemplate(
            PLACEHOLDER_CONSENT_VERSION,
            "Placeholder v0 — stands in until L&D adds the first consent text",
            placeholder=True)]
    return [ConsentTemplate(row.version, f"{row.version} — {row.title}")
            for row in rows if row.retired_at is None]


def consent_template(version: str | None) -> ConsentTemplate | None:
    if not version:
        return None
    known = {t.version: t for t in consent_template_versions()}
    return known.get(version, ConsentTemplate(version, f"{version} (no longer offered)"))


# --- appointed coaches -------------------------------------------------------------------------


def _appointed() -> sa.ColumnElement[bool]:
    return Candidate.stage == CandidateStage.APPOINTED.value


def is_appointed_coach(person_id: int) -> bool:
    """Whether the calibration panel of some sprint appointed this person."""
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Candidate.person_id == person_id, _appointed()))))


# The active roster is every appointed coach, less those a later domain takes off it (a lapsed
# or revoked certification): each registers a function returning {person id: reason}.
RosterExclusion = Callable[[], dict[int, str]]
_ROSTER_EXCLUSIONS: list[RosterExclusion] = []


def register_roster_exclusion(exclusion: RosterExclusion) -> RosterExclusion:
    if exclusion not in _ROSTER_EXCLUSIONS:
        _ROSTER_EXCLUSIONS.append(exclusion)
    return exclusion


@register_roster_exclusion
def _program_opt_outs() -> dict[int, str]:
    """Coaches who opted out of the program are off the active roster (issue 24)."""
    return dict.fromkeys(db.session.scalars(opted_out_ids(OptOutKind.PROGRAM)),
                         "opted out of the program")


def roster_exclusions() -> dict[int, str]:
    """Appointed coaches who are off the active roster, with the first reason found."""
    excluded: dict[int, str] = {}
    for exclusion in _ROSTER_EXCLUSIONS:
        for person_id, reason in exclusion().items():
            excluded.setdefault(person_id, reason)
    return excluded


def active_coach_ids() -> set[int]:
    """Person ids of the active roster: appointed coaches (matching, audit populations and
    reports start here), less every registered exclusion."""
    appointed = set(
        db.session.scalars(sa.select(Candidate.person_id).where(_appointed()).distinct())
    )
    return appointed - set(roster_exclusions())


def _appointment(person_id: int) -> Candidate | None:
    """The most recent appointment of this person, if any."""
    return db.session.scalar(
        sa.select(Candidate).options(joinedload(Candidate.sprint))
        .where(Candidate.person_id == person_id, _appointed())
        .order_by(Candidate.id.desc()).limit(1))


# --- paperwork: reading ------------------------------------------------------------------------


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


def _load_file(person_id: int) -> CoachFile:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("person")
    return CoachFile(person, paperwork_for(person_id), _appointment(person_id))


def get_coach_file(actor: Any, person_id: int) -> CoachFile:
    """The coach's file for those who may see their paperwork; someone never appointed has no
    paperwork to show (404, asked only after the permission check so it reveals nothing)."""
    coach_file = _load_file(person_id)
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


def _protected_hours(row: CoachPaperwork | None) -> float | None:
    if row is None or row.protected_percent is None \
            or protected_time_problems(row.protected_percent):
        return None
    return protected_hours_per_week(row.protected_percent, row.weekly_hours)


def _bookings(coach_ids: Sequence[int]) -> dict[int, tuple[int, float]]:
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
        count, booked = _bookings([coach_file.coach.id]).get(coach_file.coach.id, (0, 0.0))
        capacity = Capacity(_protected_hours(row), booked, count)
    return PaperworkView(
        coach_file=coach_file, full=full,
        documents=documents if full else {"agreement": documents["agreement"]},
        missing=missing_paperwork(to_domain(row)) if full else documents["agreement"].missing,
        consent=consent_template(row.consent_template_version) if full and row else None,
        capacity=capacity, manager=manager,
        manager_changed=drafted and row is not None
        and row.manager_person_id != coach_file.coach.manager_id,
    )


# --- paperwork: changing -----------------------------------------------------------------------


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
    coach_file = _load_file(coach_person_id)
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
    coach_file = _load_file(coach_person_id)
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
    coach_file = _load_file(coach_person_id)
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


# --- coaches -----------------------------------------------------------------------------------


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
        .where(_appointed()).order_by(Candidate.id.desc())).all()
    latest: dict[int, Candidate] = {}
    for candidate in appointments:
        latest.setdefault(candidate.person_id, candidate)
    ids = list(latest)
    rows = {row.coach_person_id: row for row in db.session.scalars(
        sa.select(CoachPaperwork).where(CoachPaperwork.coach_person_id.in_(ids)))} if ids else {}
    bookings = _bookings(ids)
    summaries = []
    for person_id, candidate in latest.items():
        row = rows.get(person_id)
        count, booked = bookings.get(person_id, (0, 0.0))
        summaries.append(CoachSummary(
            coach=candidate.person, appointment=candidate, paperwork=row,
            missing=missing_paperwork(to_domain(row)),
            capacity=Capacity(_protected_hours(row), booked, count)))
    summaries.sort(key=lambda s: (s.coach.name.lower(), s.coach.id))
    return summaries


def list_coaches_page(actor: Any, *, page: int, per_page: int, q: str = ""
                      ) -> tuple[list[CoachSummary], int]:
    """A page of the roster (by name; `q` on name or employee id) and how many match: the
    page's coaches are chosen in SQL and only theirs are summarised (not the whole roster)."""
    require(actor, "can_list_coaches")
    people = sa.select(Person.id).where(
        Person.id.in_(sa.select(Candidate.person_id).where(_appointed())))
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
            .where(_appointed(), Candidate.person_id.in_(ids)).order_by(Candidate.id.desc())):
        latest.setdefault(candidate.person_id, candidate)
    rows = {row.coach_person_id: row for row in db.session.scalars(
        sa.select(CoachPaperwork).where(CoachPaperwork.coach_person_id.in_(ids)))}
    bookings = _bookings(ids)
    summaries = []
    for person_id in ids:
        candidate = latest[person_id]
        row = rows.get(person_id)
        count, booked = bookings.get(person_id, (0, 0.0))
        summaries.append(CoachSummary(
            coach=candidate.person, appointment=candidate, paperwork=row,
            missing=missing_paperwork(to_domain(row)),
            capacity=Capacity(_protected_hours(row), booked, count)))
    return summaries, total


# --- engagements -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EngagementDraft:
    coach_person_id: int | None
    coachee_employee_id: str
    start_date: date | None
    goals: str
    kpi_name: str
    session_cap: int | None
    hours_per_week: float | None


class MatchRefused(DomainError):  # noqa: N818 - reads as the domain says it
    """The match breaks the program's rules; `problems` lists every reason."""

    def __init__(self, problems: Sequence[str],
                 field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__("This match cannot be made: " + " ".join(problems),
                         field_errors=field_errors)
        self.problems = list(problems)


def _evaluation_pairs(first: int, second: int) -> frozenset[tuple[int, int]]:
    """Performance-review relationships between two people, both directions."""
    rows = db.session.execute(
        sa.select(EvaluationRelationship.evaluator_person_id,
                  EvaluationRelationship.evaluated_person_id)
        .where(sa.or_(
            sa.and_(EvaluationRelationship.evaluator_person_id == first,
                    EvaluationRelationship.evaluated_person_id == second),
            sa.and_(EvaluationRelationship.evaluator_person_id == second,
                    EvaluationRelationship.evaluated_person_id == first)))).all()
    return frozenset((int(a), int(b)) for a, b in rows)


def match_facts(coach_person_id: int, coachee_person_id: int, *,
                new_engagement_hours: float = DEFAULT_ENGAGEMENT_HOURS_PER_WEEK,
                excluding_engagement_id: int | None = None) -> MatchFacts:
    """What `match_problems` needs: both reporting lines come from one query."""
    row = paperwork_for(coach_person_id)
    links = get_manager_links((coach_person_id, coachee_person_id))
    booked = sa.select(Engagement.hours_per_week).where(
        Engagement.coach_person_id == coach_person_id, Engagement.status == ACTIVE)
    if excluding_engagement_id is not None:
        booked = booked.where(Engagement.id != excluding_engagement_id)
    return MatchFacts(
        coach_id=coach_person_id, coachee_id=coachee_person_id, paperwork=to_domain(row),
        coach_manager_chain=manager_chain(coach_person_id, links),
        coachee_manager_chain=manager_chain(coachee_person_id, links),
        evaluations=_evaluation_pairs(coach_person_id, coachee_person_id),
        coach_weekly_hours=row.weekly_hours if row is not None else DEFAULT_WEEKLY_HOURS,
        active_engagement_hours=tuple(db.session.scalars(booked)),
        new_engagement_hours=new_engagement_hours)


def _active_between(coach_person_id: int, coachee_person_id: int) -> Engagement | None:
    return db.session.scalar(sa.select(Engagement).where(
        Engagement.coach_person_id == coach_person_id,
        Engagement.coachee_person_id == coachee_person_id, Engagement.status == ACTIVE))


def _engagement_field_errors(draft: EngagementDraft, coach: Person | None,
                             coachee: Person | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if coach is None:
        errors["coach_person_id"] = ["Choose the coach."]
    elif not is_appointed_coach(coach.id):
        errors["coach_person_id"] = [f"{coach.name} is not an appointed coach: only people a "
                                     "sprint's calibration panel appointed coach others."]
    elif not coach.active:
        errors["coach_person_id"] = [f"{coach.name} is no longer active in the directory."]
    employee_id = draft.coachee_employee_id.strip()
    if not employee_id:
        errors["coachee_employee_id"] = ["Give the coachee's employee id."]
    elif coachee is None:
        errors["coachee_employee_id"] = [f"No person with employee id {employee_id}."]
    elif not coachee.active:
        errors["coachee_employee_id"] = [f"{coachee.name} is no longer active in the "
                                         "directory."]
    if draft.start_date is None:
        errors["start_date"] = ["Give the start date."]
    goals = draft.goals.strip()
    if not goals:
        errors["goals"] = ["Write the goals: what the coachee wants to work on."]
    elif len(goals) > MAX_GOALS_LENGTH:
        errors["goals"] = [f"Keep the goals under {MAX_GOALS_LENGTH} characters."]
    if len(draft.kpi_name.strip()) > MAX_KPI_LENGTH:
        errors["kpi_name"] = [f"Keep the KPI name under {MAX_KPI_LENGTH} characters."]
    cap = draft.session_cap
    if cap is None or not MIN_SESSION_CAP <= cap <= MAX_SESSION_CAP:
        errors["session_cap"] = [f"The session cap is a whole number from {MIN_SESSION_CAP} "
                                 f"to {MAX_SESSION_CAP}."]
    hours = draft.hours_per_week
    if hours is None or not math.isfinite(hours) \
            or not MIN_ENGAGEMENT_HOURS <= hours <= MAX_ENGAGEMENT_HOURS:
        errors["hours_per_week"] = [f"Expected hours a week are between "
                                    f"{MIN_ENGAGEMENT_HOURS:g} and {MAX_ENGAGEMENT_HOURS:g}."]
    return errors


# Later domains refuse new matches for their own reasons (an audit's serious concern, a lapsed
# certification) without this module importing them: each registers a function that returns
# the reasons a coach may not take a new coachee now (empty when nothing stands in the way).
MatchBlocker = Callable[[int], list[str]]
_MATCH_BLOCKERS: list[MatchBlocker] = []


def register_match_blocker(blocker: MatchBlocker) -> MatchBlocker:
    if blocker not in _MATCH_BLOCKERS:
        _MATCH_BLOCKERS.append(blocker)
    return blocker


def match_blocks(coach_person_id: int) -> list[str]:
    """Every registered reason this coach may not be matched with a new coachee now."""
    return [reason for blocker in _MATCH_BLOCKERS for reason in blocker(coach_person_id)]


@guard("coaching.non_evaluator_match", "policy.program_opt_out")
def create_engagement(actor: Any, draft: EngagementDraft) -> Engagement:
    """Match an appointed coach with a coachee. Refused with every reason at once: the
    fields' problems next to the fields, the program's rules (`match_problems`) as a list."""
    require(actor, "can_match_coaches")
    coach = db.session.get(Person, draft.coach_person_id) if draft.coach_person_id else None
    employee_id = draft.coachee_employee_id.strip()
    coachee = db.session.scalar(sa.select(Person).where(Person.employee_id == employee_id)) \
        if employee_id else None
    errors = _engagement_field_errors(draft, coach, coachee)
    problems: list[str] = []
    if coach is not None and coachee is not None and "coach_person_id" not in errors:
        if (existing := _active_between(coach.id, coachee.id)) is not None:
            problems.append(f"{coach.name} already coaches {coachee.name} in an active "
                            f"engagement (since {existing.start_date:%Y-%m-%d}); end it before "
                            "starting another.")
        hours = draft.hours_per_week if "hours_per_week" not in errors else None
        problems.extend(match_problems(match_facts(
            coach.id, coachee.id,
            new_engagement_hours=hours or DEFAULT_ENGAGEMENT_HOURS_PER_WEEK)))
        problems.extend(match_blocks(coach.id))
        # Use-case matrix, matching-after-opt-out: someone who left the program is not
        # offered a new engagement, as coach or as coachee.
        problems.extend(opt_out_problems([coach, coachee], OptOutKind.PROGRAM))
    if problems:
        raise MatchRefused(problems, errors)
    if (errors or coach is None or coachee is None or draft.start_date is None
            or draft.session_cap is None or draft.hours_per_week is None):
        raise DomainError("The engagement has problems; see the fields marked below.",
                          field_errors=errors)
    engagement = Engagement(
        coach_person_id=coach.id, coachee_person_id=coachee.id, start_date=draft.start_date,
        goals=draft.goals.strip(), kpi_name=draft.kpi_name.strip(),
        session_cap=draft.session_cap, hours_per_week=draft.hours_per_week, status=ACTIVE,
        created_by_id=getattr(actor, "id", None))
    db.session.add(engagement)
    db.session.flush()
    audit.record("coaching.engagement_created", actor=actor, object_type="engagement",
                 object_id=engagement.id,
                 detail={"coach_person_id": coach.id, "coachee_person_id": coachee.id,
                         "session_cap": engagement.session_cap,
                         "hours_per_week": engagement.hours_per_week})
    return engagement


def _load_engagement(engagement_id: int) -> Engagement:
    engagement = db.session.scalar(
        sa.select(Engagement).options(joinedload(Engagement.coach), joinedload(Engagement.coachee))
        .where(Engagement.id == engagement_id))
    if engagement is None:
        raise NotFound("engagement")
    return engagement


def get_engagement(actor: Any, engagement_id: int) -> Engagement:
    """One engagement for those who may see it; the read is audited (its goals are coaching
    content)."""
    engagement = _load_engagement(engagement_id)
    require(actor, "can_view_engagement", engagement)
    audit.record("coaching.engagement_viewed", actor=actor, object_type="engagement",
                 object_id=engagement.id)
    return engagement


def engagement_warnings(actor: Any, engagement: Engagement) -> list[str]:
    """For program staff: why this active match would be refused if it were made today (a
    review relationship recorded since, a reorganisation, signatures cleared)."""
    if engagement.status != ACTIVE or not can(actor, "can_view_all_engagements"):
        return []
    return match_problems(match_facts(
        engagement.coach_person_id, engagement.coachee_person_id,
        new_engagement_hours=engagement.hours_per_week, excluding_engagement_id=engagement.id))


def end_engagement(actor: Any, engagement_id: int) -> Engagement:
    engagement = _load_engagement(engagement_id)
    require(actor, "can_end_engagement", engagement)
    if engagement.status != ACTIVE:
        ended = f" on {engagement.ended_at:%Y-%m-%d}" if engagement.ended_at else ""
        raise DomainError(f"This engagement already ended{ended}.")
    engagement.status = ENDED
    engagement.ended_at = utcnow()
    db.session.flush()
    audit.record("coaching.engagement_ended", actor=actor, object_type="engagement",
                 object_id=engagement.id,
                 detail={"coach_person_id": engagement.coach_person_id,
                         "coachee_person_id": engagement.coachee_person_id})
    return engagement


@dataclass(frozen=True)
class EngagementQuery:
    status: str = ""
    page: int = 1
    per_page: int = 50


def list_engagements(actor: Any,
                     params: EngagementQuery) -> tuple[Sequence[Engagement], int]:
    """Program staff: all, except those of people in their own reporting line; a coach: the
    engagements they are part of."""
    require(actor, "can_list_engagements")
    query = sa.select(Engagement)
    person_id = getattr(actor, "person_id", None)
    own = sa.or_(Engagement.coach_person_id == person_id,
                 Engagement.coachee_person_id == person_id)
    if can(actor, "can_view_all_engagements"):
        if person_id is not None:
            below = sa.select(reporting_line_cte(person_id).c.id)
            query = query.where(sa.or_(own, sa.and_(
                Engagement.coach_person_id.not_in(below),
                Engagement.coachee_person_id.not_in(below))))
    elif person_id is not None:
        query = query.where(own)
    else:
        query = query.where(sa.false())
    if params.status in ENGAGEMENT_STATUSES:
        query = query.where(Engagement.status == params.status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(joinedload(Engagement.coach), joinedload(Engagement.coachee))
        .order_by(Engagement.start_date.desc(), Engagement.id.desc())
        .limit(params.per_page).offset((params.page - 1) * params.per_page)).all()
    return rows, total


def coachees_of(coach_person_id: int) -> set[int]:
    """Everyone this person coaches or has coached (active and ended engagements)."""
    return set(db.session.scalars(
        sa.select(Engagement.coachee_person_id)
        .where(Engagement.coach_person_id == coach_person_id)))


def coachees_of_many(coach_person_ids: Collection[int]) -> dict[int, set[int]]:
    """`coachees_of` for many people in one query (rater choice lists, the audit draw)."""
    found: dict[int, set[int]] = {p: set() for p in coach_person_ids}
    if not found:
        return found
    for coach_id, coachee_id in db.session.execute(
            sa.select(Engagement.coach_person_id, Engagement.coachee_person_id)
            .where(Engagement.coach_person_id.in_(list(found)))):
        found[coach_id].add(coachee_id)
    return found


# A coach never rates someone they coach or have coached (rater conflict rule, assessments).
register_coaching_source(coachees_of, many=coachees_of_many)


# --- evaluation relationships ------------------------------------------------------------------

EVALUATES = "evaluates"  # the person on the page reviews the other's performance
EVALUATED_BY = "evaluated_by"  # the other reviews the performance of the person on the page


@dataclass(frozen=True)
class PersonEvaluations:
    person: Person
    evaluates: list[EvaluationRelationship]
    evaluated_by: list[EvaluationRelationship]


def list_evaluations(actor: Any, person_id: int) -> PersonEvaluations:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("person")
    require(actor, "can_manage_evaluations", person)
    rows = db.session.scalars(
        sa.select(EvaluationRelationship)
        .options(joinedload(EvaluationRelationship.evaluator),
                 joinedload(EvaluationRelationship.evaluated),
                 joinedload(EvaluationRelationship.recorded_by))
        .where(sa.or_(EvaluationRelationship.evaluator_person_id == person_id,
                      EvaluationRelationship.evaluated_person_id == person_id))
        .order_by(EvaluationRelationship.recorded_at, EvaluationRelationship.id)).all()
    return PersonEvaluations(
        person=person,
        evaluates=[r for r in rows if r.evaluator_person_id == person_id],
        evaluated_by=[r for r in rows if r.evaluated_person_id == person_id])


@dataclass(frozen=True)
class EvaluationRecorded:
    relationship: EvaluationRelationship
    warnings: list[str] = field(default_factory=list)


def record_evaluation(actor: Any, person_id: int, *, direction: str, other_employee_id: str,
                      note: str = "") -> EvaluationRecorded:
    """Record that one person reviews another's performance. Warns (never refuses: the
    relationship is a fact) when the two are in an active coaching engagement."""
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("person")
    require(actor, "can_manage_evaluations", person)
    errors: dict[str, list[str]] = {}
    if direction not in (EVALUATES, EVALUATED_BY):
        errors["direction"] = ["Choose who reviews whom."]
    employee_id = other_employee_id.strip()
    other = db.session.scalar(sa.select(Person).where(Person.employee_id == employee_id)) \
        if employee_id else None
    if not employee_id:
        errors["other_employee_id"] = ["Give the other person's employee id."]
    elif other is None:
        errors["other_employee_id"] = [f"No person with employee id {employee_id}."]
    elif other.id == person.id:
        errors["other_employee_id"] = ["Nobody reviews their own performance here: give "
                                       "someone else's employee id."]
    note = note.strip()
    if len(note) > MAX_EVALUATION_NOTE_LENGTH:
        errors["note"] = [f"Keep the note under {MAX_EVALUATION_NOTE_LENGTH} characters."]
    if errors or other is None:
        raise DomainError("The relationship was not recorded.", field_errors=errors)
    evaluator, evaluated = (person, other) if direction == EVALUATES else (other, person)
    duplicate = db.session.scalar(sa.select(EvaluationRelationship.id).where(
        EvaluationRelationship.evaluator_person_id == evaluator.id,
        EvaluationRelationship.evaluated_person_id == evaluated.id))
    if duplicate is not None:
        message = f"It is already recorded that {evaluator.name} reviews {evaluated.name}."
        raise DomainError(message, field_errors={"other_employee_id": [message]})
    relationship = EvaluationRelationship(
        evaluator_person_id=evaluator.id, evaluated_person_id=evaluated.id, note=note,
        recorded_by_id=getattr(actor, "id", None))
    db.session.add(relationship)
    db.session.flush()
    audit.record("coaching.evaluation_recorded", actor=actor,
                 object_type="evaluation_relationship", object_id=relationship.id,
                 detail={"evaluator_person_id": evaluator.id,
                         "evaluated_person_id": evaluated.id})
    warnings = []
    for coach, coachee in ((evaluator, evaluated), (evaluated, evaluator)):
        if _active_between(coach.id, coachee.id) is not None:
            warnings.append(
                f"{coach.name} coaches {coachee.name} in an active engagement, and a coach and "
                "coachee must not review each other's performance. Review the engagement: end "
                "it, or correct this record if it is wrong.")
    return EvaluationRecorded(relationship, warnings)


def remove_evaluation(actor: Any, person_id: int, relationship_id: int) -> None:
    require(actor, "can_manage_evaluations")
    relationship = db.session.get(EvaluationRelationship, relationship_id)
    if relationship is None or person_id not in (relationship.evaluator_person_id,
                                                 relationship.evaluated_person_id):
        raise NotFound("evaluation relationship")
    audit.record("coaching.evaluation_removed", actor=actor,
                 object_type="evaluation_relationship", object_id=relationship.id,
                 detail={"evaluator_person_id": relationship.evaluator_person_id,
                         "evaluated_person_id": relationship.evaluated_person_id})
    db.session.delete(relationship)
    db.session.flush()
