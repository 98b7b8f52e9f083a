"""Audit services: supervision structure, quarterly sampling, assignment, audits, corrective
actions, coverage. Services flush; the caller commits.

Contract used by other domains (keep these names and shapes):
- `audit_outcomes(person_id, limit)` — the coach's most recent decided audits, newest first;
  certification (Senior Coach, recertification) reads it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from coachprog.audits import domain
from coachprog.audits.models import Audit, AuditSample, CorrectiveAction, SupervisionEvent
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import require
from coachprog.coaching.models import SupervisorAssignment
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit_log
from coachprog.governance.domain import total_reveals_withheld, withheld_labels
from coachprog.people.models import Person
from coachprog.people.services import chain_refusal
from coachprog.policy.domain import OptOutKind
from coachprog.policy.services import opted_out_ids
from coachprog.roles import PROGRAM_STAFF, Role
from coachprog.validation import parse_int

AUDIT_RUBRIC = "audit"


@dataclass(frozen=True)
class AuditOutcome:
    outcome: str  # "meets_standard" | "needs_development" | "serious_concern"
    decided_at: datetime
    quarter: str  # e.g. "2026Q4"
    url: str


def audit_outcomes(person_id: int, *, limit: int) -> list[AuditOutcome]:
    rows = db.session.scalars(
        sa.select(Audit).join(AuditSample).where(
            Audit.coach_person_id == person_id, Audit.outcome.is_not(None),
            Audit.decided_at.is_not(None), AuditSample.superseded_at.is_(None))
        .order_by(Audit.decided_at.desc(), Audit.id.desc()).limit(limit))
    return [AuditOutcome(outcome=str(a.outcome), decided_at=a.decided_at or utcnow(),
                         quarter=a.quarter, url=f"/audits/audits/{a.id}") for a in rows]


# --- settings ----------------------------------------------------------------------------------


def _setting(name: str, default: Any) -> Any:
    return current_app.config.get(name, default)


def default_percent() -> float:
    return float(_setting("AUDIT_SAMPLE_PERCENT", domain.MIN_PERCENT))


def span_limits() -> tuple[int, int]:
    return int(_setting("AUDIT_MASTER_MIN_COACHES", 8)), int(
        _setting("AUDIT_MASTER_MAX_COACHES", 15))


# --- supervision structure ---------------------------------------------------------------------


def _roles_by_user() -> dict[int, set[str]]:
    roles: dict[int, set[str]] = {}
    for user_id, role in db.session.execute(sa.select(RoleGrant.user_id, RoleGrant.role)):
        roles.setdefault(user_id, set()).add(role)
    return roles


def _tier(roles: set[str]) -> str:
    if Role.MASTER_COACH.value in roles:
        return "master"
    if Role.LEAD_COACH.value in roles:
        return "lead"
    return "internal"


@dataclass
class Structure:
    roots: list[domain.TreeNode]
    warnings: list[domain.StructureWarning]
    unsupervised: list[Person]
    min_span: int
    max_span: int


def supervisors_by_coach() -> dict[int, list[User]]:
    found: dict[int, list[User]] = {}
    for row in db.session.scalars(sa.select(SupervisorAssignment).options(
            joinedload(SupervisorAssignment.supervisor)).order_by(
            SupervisorAssignment.supervisor_user_id)):
        found.setdefault(row.coach_person_id, []).append(row.supervisor)
    return found


def structure(actor: Any) -> Structure:
    from coachprog.coaching.services import active_coach_ids

    require(actor, "can_view_audit_structure")
    roles = _roles_by_user()
    # Columns, not ORM rows: the whole programme (2,000 coaches) is read for every view.
    sup_people: dict[int, list[int]] = {}
    for coach_id, sup_person_id in db.session.execute(
            sa.select(SupervisorAssignment.coach_person_id, User.person_id)
            .join(User, User.id == SupervisorAssignment.supervisor_user_id)
            .order_by(SupervisorAssignment.supervisor_user_id)):
        found = sup_people.setdefault(coach_id, [])
        if sup_person_id is not None:
            found.append(sup_person_id)
    coaches = active_coach_ids()
    person_ids = set(coaches) | set(sup_people)
    tiers: dict[int, str] = {}
    for user_id, user_person_id in db.session.execute(
            sa.select(User.id, User.person_id).where(User.person_id.is_not(None))):
        tier = _tier(roles.get(user_id, set()))
        if user_person_id is None:
            continue
        if tier != "internal" or user_person_id in person_ids:
            tiers[user_person_id] = tier
            person_ids.add(user_person_id)
    for pid in person_ids:
        tiers.setdefault(pid, "internal")
    names: dict[int, str] = dict(db.session.execute(
        sa.select(Person.id, Person.name).where(Person.id.in_(person_ids))).all()
    ) if person_ids else {}
    children: dict[int, list[int]] = {}
    for coach, sups in sup_people.items():
        for sup in sups:
            children.setdefault(sup, []).append(coach)

    def node(pid: int, seen: frozenset[int]) -> domain.TreeNode:
        kids = tuple(node(c, seen | {c}) for c in sorted(children.get(pid, []),
                                                          key=lambda c: names.get(c, ""))
                     if c not in seen)
        return domain.TreeNode(pid, names.get(pid, f"#{pid}"), tiers.get(pid, "internal"),
                               kids)

    roots = [node(pid, frozenset({pid})) for pid in sorted(
        person_ids, key=lambda p: names.get(p, "")) if not sup_people.get(pid)
        and (children.get(pid) or tiers.get(pid) == "master")]
    min_span, max_span = span_limits()
    warnings = domain.structure_warnings(
        tiers=tiers, names=names, supervisors_of=sup_people, coaches=coaches,
        min_span=min_span, max_span=max_span)
    unsupervised_ids = [p for p in sorted(coaches) if p in names and not sup_people.get(p)
                        and tiers.get(p) != "master"]
    unsupervised = list(db.session.scalars(sa.select(Person).where(
        Person.id.in_(unsupervised_ids)).order_by(Person.id))) if unsupervised_ids else []
    return Structure(roots, warnings, unsupervised, min_span, max_span)


EVENT_KINDS = {"case_clinic": "Monthly case clinic",
               "calibration_session": "Quarterly cross-business calibration session"}


def list_events(actor: Any) -> list[SupervisionEvent]:
    require(actor, "can_view_audit_structure")
    return list(db.session.scalars(sa.select(SupervisionEvent).order_by(
        SupervisionEvent.held_on.desc(), SupervisionEvent.id.desc())))


def record_event(actor: Any, *, kind: str, title: str, held_on: date | None,
                 attendee_person_ids: list[int]) -> SupervisionEvent:
    require(actor, "can_manage_audits")
    errors: dict[str, list[str]] = {}
    if kind not in EVENT_KINDS:
        errors["kind"] = ["Choose the kind of event."]
    if not title.strip():
        errors["title"] = ["Give the event a title."]
    elif len(title) > 200:
        errors["title"] = ["At most 200 characters."]
    if held_on is None:
        errors["held_on"] = ["Give the date it was held."]
    known = set(db.session.scalars(sa.select(Person.id).where(
        Person.id.in_(attendee_person_ids)))) if attendee_person_ids else set()
    if set(attendee_person_ids) - known:
        errors["attendees"] = ["Some attendees are not in the directory."]
    if errors or held_on is None:
        raise DomainError("The event was not recorded.", field_errors=errors)
    event = SupervisionEvent(kind=kind, title=title.strip(), held_on=held_on,
                             attendee_person_ids=sorted(set(attendee_person_ids)),
                             recorded_by_id=getattr(actor, "id", None))
    db.session.add(event)
    db.session.flush()
    return event


# --- sampling ----------------------------------------------------------------------------------


def _stratum_of(person_id: int, sup_of: dict[int, list[User]]) -> str:
    sups = sup_of.get(person_id) or []
    if not sups:
        return domain.NO_SUPERVISOR
    first = min(sups, key=lambda u: u.id)
    return domain.supervisor_stratum(first.display_name)


def _drifting() -> set[int]:
    from coachprog.audits import fidelity_services

    return set(fidelity_services.drifting_coach_ids())


def escalated_coach_ids() -> set[int]:
    from coachprog.coaching.models import Engagement
    from coachprog.recordings.models import CoachingSession, Recording, SensitiveFlag

    return set(db.session.scalars(
        sa.select(Engagement.coach_person_id).join(
            CoachingSession, CoachingSession.engagement_id == Engagement.id).join(
            Recording, Recording.session_id == CoachingSession.id).join(
            SensitiveFlag, SensitiveFlag.recording_id == Recording.id).where(
            SensitiveFlag.status == "open").distinct()))


def _audited_in(quarters: list[str]) -> set[int]:
    return set(db.session.scalars(sa.select(Audit.coach_person_id).join(AuditSample).where(
        Audit.quarter.in_(quarters), AuditSample.superseded_at.is_(None),
        Audit.outcome.is_not(None))))


def population_for(quarter: str) -> list[domain.PopulationMember]:
    from coachprog.coaching.services import active_coach_ids

    coaches = sorted(active_coach_ids())
    sup_of = supervisors_by_coach()
    recent = _audited_in(domain.previous_quarters(quarter, 2))
    drifting, escalated = _drifting(), escalated_coach_ids()
    return [domain.PopulationMember(
        coach_id=c, stratum=_stratum_of(c, sup_of),
        weight=domain.weight_for(recently_audited=c in recent, drifting=c in drifting,
                                 escalated=c in escalated)) for c in coaches]


def current_sample(quarter: str) -> AuditSample | None:
    return db.session.scalar(sa.select(AuditSample).where(
        AuditSample.quarter == quarter, AuditSample.superseded_at.is_(None)))


def _check_quarter(quarter: str) -> str:
    try:
        year, q = domain.parse_quarter(quarter)
    except ValueError as error:
        raise DomainError(str(error), field_errors={"quarter": [str(error)]}) from None
    return f"{year}Q{q}"


def draw(actor: Any, quarter: str, *, seed: int | None = None, percent: float | None = None,
         override_reason: str = "", redraw_reason: str = "") -> AuditSample:
    """Draw the quarter's sample and assign auditors. A quarter that already has a sample
    needs `redraw_reason`; the old record is kept, marked superseded."""
    require(actor, "can_manage_audits")
    quarter = _check_quarter(quarter)
    percent = default_percent() if percent is None else percent
    problem = domain.percent_problem(percent, override_reason)
    if problem:
        raise DomainError(problem, field_errors={"percent": [problem]})
    if seed is not None and not 0 <= seed < 2 ** 62:
        raise DomainError("The seed must be a whole number from 0.",
                          field_errors={"seed": ["The seed must be a whole number from 0."]})
    existing = current_sample(quarter)
    if existing is not None:
        if not redraw_reason.strip():
            message = (f"{quarter} already has a sample (drawn {existing.drawn_at:%Y-%m-%d}); "
                       "a redraw needs a reason.")
            raise DomainError(message, field_errors={"redraw_reason": [message]})
        if any(a.outcome for a in existing.audits):
            message = "Audits of this sample are already decided; it can no longer be redrawn."
            raise DomainError(message, field_errors={"redraw_reason": [message]})
        existing.superseded_at = utcnow()
        existing.superseded_reason = redraw_reason.strip()[:500]
        db.session.flush()
    population = population_for(quarter)
    if not population:
        raise DomainError("There is no active coach to sample.")
    seed = random.SystemRandom().randrange(2 ** 31) if seed is None else seed
    result = domain.draw_sample(population, percent=percent, seed=seed)
    sample = AuditSample(
        quarter=quarter, seed=seed, method_version=domain.METHOD_VERSION, percent=percent,
        override_reason=override_reason.strip()[:500],
        population=[{"coach_id": m.coach_id, "stratum": m.stratum, "weight": m.weight}
                    for m in population],
        drawn=list(result.drawn), drawn_by_id=getattr(actor, "id", None))
    db.session.add(sample)
    db.session.flush()
    _assign(sample)
    return sample


def _population_of(sample: AuditSample) -> list[domain.PopulationMember]:
    return [domain.PopulationMember(int(m["coach_id"]), str(m["stratum"]), float(m["weight"]))
            for m in sample.population]


@dataclass(frozen=True)
class Verification:
    matches: bool
    recomputed: tuple[int, ...]
    stored: tuple[int, ...]
    method_known: bool


def verify(actor: Any, sample_id: int) -> Verification:
    sample = get_sample(actor, sample_id)
    stored = tuple(sorted(sample.drawn))
    if sample.method_version != domain.METHOD_VERSION:
        return Verification(False, (), stored, False)
    result = domain.draw_sample(_population_of(sample), percent=sample.percent,
                                seed=sample.seed)
    return Verification(result.drawn == stored, result.drawn, stored, True)


def get_sample(actor: Any, sample_id: int) -> AuditSample:
    require(actor, "can_manage_audits")
    # Audits with their coach, auditor and actions: the page and the API list every one.
    audits = selectinload(AuditSample.audits)
    sample = db.session.scalar(sa.select(AuditSample).where(AuditSample.id == sample_id).options(
        audits.joinedload(Audit.coach), audits.joinedload(Audit.auditor),
        audits.selectinload(Audit.actions)))
    if sample is None:
        raise NotFound
    return sample


def list_samples(actor: Any) -> list[AuditSample]:
    require(actor, "can_manage_audits")
    return list(db.session.scalars(sa.select(AuditSample).order_by(
        AuditSample.quarter.desc(), AuditSample.id.desc())))


# --- assignment --------------------------------------------------------------------------------


def auditor_pool() -> list[User]:
    ids = db.session.scalars(sa.select(RoleGrant.user_id).where(
        RoleGrant.role.in_((Role.MASTER_COACH.value, Role.RATER.value))).distinct())
    return list(db.session.scalars(sa.select(User).where(User.id.in_(list(ids))).order_by(
        User.id)))


def _open_load() -> dict[int, int]:
    rows = db.session.execute(sa.select(Audit.auditor_user_id, sa.func.count()).join(
        AuditSample).where(Audit.outcome.is_(None), AuditSample.superseded_at.is_(None),
                           Audit.auditor_user_id.is_not(None)).group_by(Audit.auditor_user_id))
    return {int(uid): int(n) for uid, n in rows if uid is not None}


def auditor_refusal(user: User, coach_person_id: int) -> str | None:
    """Why this user may not audit this coach, or None. The rules, in the order an admin
    needs them: a master coach or (external) rater, calibrated for the audit rubric (current,
    not expired), not the coach, not the coach's direct supervisor, no conflict of interest
    in the assessments registry (reporting line, coaching relationship, ...)."""
    from coachprog.assessments import domain as assessment_domain
    from coachprog.assessments.conflicts import relationship_facts
    from coachprog.calibration.services import is_calibrated

    name = user.display_name
    if user.id not in {u.id for u in auditor_pool()}:
        return f"{name} is neither a master coach nor a rater, so cannot audit."
    if not is_calibrated(user.id, AUDIT_RUBRIC):
        return (f"{name} is not calibrated for the audit rubric (never calibrated, or the "
                "calibration has expired).")
    if user.person_id == coach_person_id:
        return f"{name} cannot audit themself."
    if db.session.scalar(sa.select(SupervisorAssignment.id).where(
            SupervisorAssignment.coach_person_id == coach_person_id,
            SupervisorAssignment.supervisor_user_id == user.id).limit(1)) is not None:
        return f"{name} supervises this coach directly; an audit must be independent."
    coach = db.session.get(Person, coach_person_id)
    if coach is not None and (barred := chain_refusal(user, coach, "auditor")):
        return barred
    conflicts = assessment_domain.find_conflicts(relationship_facts(user, coach_person_id))
    if conflicts:
        return f"{name} has a conflict of interest with this coach: {'; '.join(conflicts)}."
    return None


def exclusions_for(coach_person_id: int, pool: list[User]) -> set[int]:
    """Auditors who may not audit this coach: direct supervisors, the coach, conflicts."""
    from coachprog.assessments import domain as assessment_domain
    from coachprog.assessments.conflicts import relationship_facts

    barred = {a.supervisor_user_id for a in db.session.scalars(sa.select(
        SupervisorAssignment).where(SupervisorAssignment.coach_person_id == coach_person_id))}
    for user in pool:
        if user.person_id == coach_person_id or assessment_domain.find_conflicts(
                relationship_facts(user, coach_person_id)):
            barred.add(user.id)
    return barred


def _exclusions_many(coach_ids: list[int], pool: list[User]) -> dict[int, set[int]]:
    """`exclusions_for` every drawn coach at once: supervisors from one query, reporting
    lines from one, each auditor's coachees from one (not ~35 queries per coach)."""
    from coachprog.assessments import domain as assessment_domain
    from coachprog.assessments.conflicts import relationship_facts_many

    barred: dict[int, set[int]] = {c: set() for c in coach_ids}
    for i in range(0, len(coach_ids), 500):
        for coach_id, supervisor_id in db.session.execute(sa.select(
                SupervisorAssignment.coach_person_id, SupervisorAssignment.supervisor_user_id)
                .where(SupervisorAssignment.coach_person_id.in_(coach_ids[i:i + 500]))):
            barred[coach_id].add(supervisor_id)
    facts = relationship_facts_many(pool, coach_ids)
    for coach_id in coach_ids:
        for user in pool:
            if user.person_id == coach_id or assessment_domain.find_conflicts(
                    facts(user, coach_id)):
                barred[coach_id].add(user.id)
    return barred


def _assign(sample: AuditSample) -> None:
    from coachprog.calibration.services import is_calibrated

    pool = auditor_pool()
    load = _open_load()
    candidates = [domain.AuditorCandidate(u.id, is_calibrated(u.id, AUDIT_RUBRIC),
                                          load.get(u.id, 0)) for u in pool]
    drawn = list(sample.drawn)
    excluded = _exclusions_many(drawn, pool)
    extra: dict[int, int] = {}
    for coach_id in drawn:
        auditor = domain.choose_auditor(candidates, excluded=excluded[coach_id],
                                        extra_load=extra)
        if auditor is not None:
            extra[auditor] = extra.get(auditor, 0) + 1
        db.session.add(Audit(sample_id=sample.id, quarter=sample.quarter,
                             coach_person_id=coach_id, auditor_user_id=auditor))
    db.session.flush()


def assign_auditor(actor: Any, audit_id: int, auditor_user_id: int) -> Audit:
    """An admin's manual (re)assignment: the same rules as the automatic one, each refusal
    named (`auditor_refusal`). A decided audit keeps its auditor."""
    require(actor, "can_manage_audits")
    audit = _load_audit(audit_id)
    if audit.outcome is not None:
        decided = "This audit is already decided; its auditor cannot change."
        raise DomainError(decided, field_errors={"auditor_user_id": [decided]})
    user = db.session.get(User, auditor_user_id)
    refusal = ("Choose a master coach or rater." if user is None
               else auditor_refusal(user, audit.coach_person_id))
    if refusal:
        raise DomainError(refusal, field_errors={"auditor_user_id": [refusal]})
    previous = audit.auditor_user_id
    audit.auditor_user_id = auditor_user_id
    audit_log.record("audits.auditor_assigned", actor=actor, object_type="audit",
                     object_id=audit.id, detail={"from": previous, "to": auditor_user_id})
    db.session.flush()
    return audit


def auditor_loads() -> list[tuple[User, int]]:
    load = _open_load()
    return [(u, load.get(u.id, 0)) for u in auditor_pool()]


# --- audits ------------------------------------------------------------------------------------


def _load_audit(audit_id: int) -> Audit:
    audit = db.session.get(Audit, audit_id)
    if audit is None:
        raise NotFound
    return audit


def get_audit(actor: Any, audit_id: int) -> Audit:
    audit = _load_audit(audit_id)
    require(actor, "can_view_audit", audit)
    return audit


def my_audits(actor: Any) -> list[Audit]:
    return list(db.session.scalars(sa.select(Audit).join(AuditSample).where(
        Audit.auditor_user_id == actor.id, AuditSample.superseded_at.is_(None)).order_by(
        Audit.outcome.is_not(None), Audit.quarter.desc(), Audit.id)))


def coach_label(actor: Any, audit: Audit) -> str:
    """Auditors see a pseudonym; admins managing audits see the name."""
    from coachprog.authority import can

    if can(actor, "can_manage_audits"):
        return audit.coach.name
    return domain.pseudonym(audit.id)


def sessions_for(audit: Audit) -> list[Any]:
    """The coach's sessions in the audit's quarter (recorded or observed)."""
    from coachprog.coaching.models import Engagement
    from coachprog.recordings.models import CoachingSession

    start, end = domain.quarter_bounds(audit.quarter)
    return list(db.session.scalars(sa.select(CoachingSession).join(Engagement).where(
        Engagement.coach_person_id == audit.coach_person_id,
        CoachingSession.session_date >= start, CoachingSession.session_date < end).order_by(
        CoachingSession.session_date)))


def choose_session(actor: Any, audit_id: int, session_id: int | None) -> Audit:
    """The auditor picks the one session of the quarter they will audit. Their access to
    recorded content covers that session only (policy: auditors see only the session under
    audit), so the choice is final for the audit; it is written to the audit log."""
    audit = _load_audit(audit_id)
    require(actor, "can_conduct_audit", audit)
    if audit.outcome is not None:
        raise DomainError("This audit is already decided.")
    if audit.session_id is not None:
        raise DomainError("The session under audit is already chosen.")
    chosen = next((s for s in sessions_for(audit) if s.id == session_id), None)
    if chosen is None:
        message = "Choose one of the coach's sessions from this quarter."
        raise DomainError(message, field_errors={"session_id": [message]})
    if chosen.recordings and not any(
            r.consent is not None and r.consent.scope_audit and r.consent.withdrawn_at is None
            for r in chosen.recordings):
        # The choice is final: refuse one whose recording could never be opened for audit.
        message = ("The coachee's consent for this session's recording does not cover audit; "
                   "choose another session.")
        raise DomainError(message, field_errors={"session_id": [message]})
    audit.session_id = session_id
    audit_log.record("audits.session_chosen", actor=actor, object_type="audit",
                     object_id=audit.id, detail={"session_id": session_id})
    db.session.flush()
    return audit


def _manages(user: Any, person_id: int) -> bool:
    from coachprog.people.services import user_in_chain_of

    return user_in_chain_of(user, person_id)


def is_audit_recording(user: Any, audit: Audit, recording: Any) -> bool:
    """Whether the user may hear and read this recording for this audit: they are its
    assigned auditor, the audit is open (undecided, current sample), the recording belongs to
    the session chosen for it, the coachee's consent covers audit and is not withdrawn, and
    the auditor is neither the coachee nor a manager of either party."""
    from coachprog.authority import has_any_role, is_signed_in

    if (recording is None or audit.outcome is not None or audit.session_id is None
            or not is_signed_in(user) or audit.auditor_user_id != user.id
            or audit.sample.superseded_at is not None
            or recording.session_id != audit.session_id or has_any_role(user, Role.SPONSOR)):
        return False
    consent = recording.consent
    if consent is None or not consent.scope_audit or consent.withdrawn_at is not None:
        return False
    engagement = recording.session.engagement
    if engagement.coach_person_id != audit.coach_person_id:
        return False
    if getattr(user, "person_id", None) == engagement.coachee_person_id:
        return False
    return not (_manages(user, engagement.coach_person_id)
                or _manages(user, engagement.coachee_person_id))


@dataclass(frozen=True)
class AuditMoment:
    start: float | None
    speaker: str
    text: str


@dataclass(frozen=True)
class AuditRecording:
    id: int
    audio: bool
    moments: list[AuditMoment]


def audit_recordings(actor: Any, audit: Audit) -> list[AuditRecording]:
    """The chosen session's recordings the auditor may open, with transcripts whose coach and
    coachee names are replaced (blind: "Coach A-0001", "Client"). Each read is audited."""
    from coachprog.recordings.models import CoachingSession
    from coachprog.recordings.review.sensitive import PSEUDONYM, redact

    if audit.session_id is None:
        return []
    sess = db.session.get(CoachingSession, audit.session_id)
    if sess is None:
        return []
    found: list[AuditRecording] = []
    label = domain.pseudonym(audit.id)
    names = [sess.engagement.coach.name], [sess.engagement.coachee.name]
    for recording in sess.recordings:
        if not is_audit_recording(actor, audit, recording):
            continue
        moments: list[AuditMoment] = []
        if recording.transcript is not None:
            audit_log.record("recording.transcript_opened", actor=actor,
                             object_type="recording", object_id=recording.id,
                             detail={"for": "audit", "audit_id": audit.id})
            moments = [AuditMoment(seg.start_seconds, seg.speaker, redact(redact(
                seg.text, names[1], PSEUDONYM), names[0], label))
                for seg in sorted(recording.transcript.segments, key=lambda s: s.position)]
        found.append(AuditRecording(recording.id, recording.storage_name is not None, moments))
    return found


def open_audit_audio(actor: Any, audit_id: int, recording_id: int) -> Any:
    """The audio of a recording under audit, for the audit page's player; audited."""
    from coachprog.recordings import storage
    from coachprog.recordings.models import Recording
    from coachprog.recordings.services import AudioFile, blind_audio_name

    audit = _load_audit(audit_id)
    recording = db.session.get(Recording, recording_id)
    if recording is None:
        raise NotFound("recording")
    require(actor, "can_open_audit_recording", (audit, recording))
    if recording.storage_name is None:
        raise NotFound("recording audio")
    if not storage.store().exists(recording.storage_name):
        raise NotFound("recording audio")
    # The audit is blind (the page shows pseudonyms): the original's tags may name the coach
    # or coachee, so the auditor hears a re-encoded copy that carries none.
    name = blind_audio_name(recording.storage_name)
    audit_log.record("recording.audio_opened", actor=actor, object_type="recording",
                     object_id=recording.id, detail={"for": "audit", "audit_id": audit.id})
    # A neutral name: the uploaded file name may name the coach or the coachee.
    return AudioFile(storage_name=name, mimetype="audio/wav",
                     download_name=f"audit-{audit.id}-recording-{recording.id}.wav")


def audit_rubric() -> Any:
    """The latest loaded version of the audit rubric as a domain Rubric, or None."""
    from coachprog.rubrics.models import RubricVersion
    from coachprog.rubrics.schema import rubric_from_content

    row = db.session.scalar(sa.select(RubricVersion).where(
        RubricVersion.rubric_key == AUDIT_RUBRIC).order_by(RubricVersion.version.desc()))
    return None if row is None else rubric_from_content(row.content)


def _scored(marks: dict[str, str] | None, errors: dict[str, list[str]]) -> dict[str, Any]:
    """Check the marks against the audit rubric and compute its result (advisory: the
    outcome stays the auditor's decision)."""
    from coachprog.rubrics.domain import check_marks, score_assessment

    rubric = audit_rubric()
    if rubric is None:
        return {}
    parsed: dict[str, int] = {}
    for key, value in (marks or {}).items():
        if (number := parse_int(value)) is not None:
            parsed[key] = number
    problems = check_marks(rubric, parsed)
    if problems:
        errors["marks"] = problems
        return {}
    result = score_assessment(rubric, parsed)
    return {"rubric": f"{rubric.id} v{rubric.version}", "marks": parsed,
            "overall": round(result.overall, 4), "passed": result.passed}


def decide(actor: Any, audit_id: int, *, session_id: int | None, observed: bool,
           findings: str, outcome: str, marks: dict[str, str] | None = None) -> Audit:
    audit = _load_audit(audit_id)
    require(actor, "can_conduct_audit", audit)
    errors: dict[str, list[str]] = {}
    scores = _scored(marks, errors)
    if outcome not in domain.OUTCOMES:
        errors["outcome"] = ["Choose the outcome."]
    if not findings.strip():
        errors["findings"] = ["Write the findings the outcome rests on."]
    elif len(findings) > 10000:
        errors["findings"] = ["At most 10,000 characters."]
    if audit.session_id is not None:
        # The session chosen earlier is the one under audit (and the only one opened).
        if session_id not in (None, audit.session_id):
            errors["session_id"] = ["This audit is of the session chosen earlier."]
        session_id = audit.session_id
    elif session_id is not None and session_id not in {s.id for s in sessions_for(audit)}:
        errors["session_id"] = ["Choose one of the coach's sessions from this quarter."]
    if session_id is None and not observed:
        errors["observed"] = ["Choose the session to audit, or tick observed live."]
    if audit.outcome is not None:
        raise DomainError("This audit is already decided.")
    if errors:
        raise DomainError("The audit was not saved.", field_errors=errors)
    audit.session_id, audit.observed = session_id, observed
    audit.findings, audit.outcome = findings.strip(), outcome
    audit.scores = scores
    audit.decided_at, audit.decided_by_id = utcnow(), actor.id
    db.session.flush()
    if outcome == "serious_concern":
        _notify_masters(audit)
    return audit


def _notify_masters(audit: Audit) -> None:
    from coachprog.notifications.services import send_email
    from coachprog.recordings.permissions import flag_reviewer_user_ids

    # The coach's own master coach (over the coach, or over the coach's lead coach); when the
    # tree names none, every master coach, so the concern never goes unheard.
    own = flag_reviewer_user_ids(audit.coach_person_id) - {audit.auditor_user_id}
    query = sa.select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
        RoleGrant.role == Role.MASTER_COACH.value)
    if own:
        query = query.where(User.id.in_(own))
    for master in db.session.scalars(query.distinct().order_by(User.id)):
        if master.id == audit.auditor_user_id:
            continue
        send_email(kind="audits.serious_concern", to_email=master.email,
                   to_name=master.display_name,
                   subject=f"Audit {audit.quarter}: serious concern",
                   body=(f"An audit in {audit.quarter} found a serious concern. New matches "
                         "for the coach are suspended until it is resolved.\n\n"
                         f"Open /audits/audits/{audit.id} to review it."),
                   related_type="audit", related_id=audit.id)


def resolve_concern(actor: Any, audit_id: int, note: str) -> Audit:
    require(actor, "can_manage_audits")
    audit = _load_audit(audit_id)
    if audit.outcome != "serious_concern" or audit.resolved_at is not None:
        raise DomainError("Only an unresolved serious concern can be resolved.")
    if not note.strip():
        raise DomainError("Say how it was resolved.", field_errors={"note": ["Say how it "
                                                                             "was resolved."]})
    audit.resolved_at, audit.resolution_note = utcnow(), note.strip()[:1000]
    db.session.flush()
    return audit


def match_blocker(coach_person_id: int) -> list[str]:
    open_concern = db.session.scalar(sa.select(Audit.id).join(AuditSample).where(
        Audit.coach_person_id == coach_person_id, Audit.outcome == "serious_concern",
        Audit.resolved_at.is_(None), AuditSample.superseded_at.is_(None)).limit(1))
    if open_concern is None:
        return []
    return ["An audit found a serious concern; new matches are suspended until it is "
            "resolved."]


# --- corrective actions ------------------------------------------------------------------------


# Corrective actions are owned by the people who carry them out: the coach, or programme staff
# (L&D, master and lead coaches). Listing every account would hand a blind auditor the coach's
# name among the options, so the coach appears under the label the actor sees.
ACTION_OWNER_ROLES = tuple(role.value for role in PROGRAM_STAFF)


def action_owner_choices(actor: Any, audit: Audit) -> list[tuple[int, str]]:
    coach_user = db.session.scalar(sa.select(User).where(User.person_id == audit.coach_person_id))
    staff = db.session.scalars(
        sa.select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role.in_(ACTION_OWNER_ROLES), User.is_active.is_(True))
        .distinct().order_by(User.display_name))
    options: list[tuple[int, str]] = []
    if coach_user is not None:
        options.append((coach_user.id, f"The coach ({coach_label(actor, audit)})"))
    options.extend((u.id, u.display_name) for u in staff
                   if coach_user is None or u.id != coach_user.id)
    return options


def action_owner_label(actor: Any, audit: Audit, action: CorrectiveAction) -> str:
    """The owner as this actor may see them: the coach under the actor's label for the coach."""
    if action.owner is None:
        return ""
    if action.owner.person_id == audit.coach_person_id:
        return f"The coach ({coach_label(actor, audit)})"
    return str(action.owner.display_name)


def add_action(actor: Any, audit_id: int, *, kind: str, description: str,
               owner_user_id: int | None, due_on: date | None) -> CorrectiveAction:
    audit = _load_audit(audit_id)
    require(actor, "can_manage_corrective_actions", audit)
    errors: dict[str, list[str]] = {}
    if audit.outcome != "needs_development":
        raise DomainError("Corrective actions follow a 'needs development' outcome.")
    if kind not in domain.ACTION_KINDS:
        errors["kind"] = ["Choose the kind of action."]
    if owner_user_id not in {uid for uid, _ in action_owner_choices(actor, audit)}:
        errors["owner_user_id"] = ["Choose who owns the action: the coach or a member of "
                                   "the programme staff."]
    if due_on is None:
        errors["due_on"] = ["Give a due date."]
    elif due_on < utcnow().date():
        errors["due_on"] = ["The due date is in the past."]
    if len(description) > 1000:
        errors["description"] = ["At most 1,000 characters."]
    if errors or due_on is None:
        raise DomainError("The action was not added.", field_errors=errors)
    action = CorrectiveAction(audit_id=audit.id, kind=kind, description=description.strip(),
                              owner_user_id=owner_user_id, due_on=due_on)
    db.session.add(action)
    db.session.flush()
    return action


def close_action(actor: Any, action_id: int, *, status: str, note: str) -> CorrectiveAction:
    action = db.session.get(CorrectiveAction, action_id)
    if action is None:
        raise NotFound
    require(actor, "can_manage_corrective_actions", action.audit)
    if action.status != "open":
        raise DomainError("This action is already closed.")
    if status not in ("done", "cancelled"):
        raise DomainError("Choose done or cancelled.", field_errors={"status": ["Choose done "
                                                                               "or cancelled."]})
    if not note.strip():
        raise DomainError("Add a note on how it closed.",
                          field_errors={"note": ["Add a note on how it closed."]})
    action.status, action.closing_note = status, note.strip()[:1000]
    action.closed_at = utcnow()
    db.session.flush()
    return action


# --- coverage ----------------------------------------------------------------------------------


@dataclass
class GroupCoverage:
    name: str
    sampled: int
    audited: int
    outcomes: dict[str, int] = field(default_factory=dict)
    suppressed: bool = False


@dataclass
class Coverage:
    quarter: str
    population: int
    sampled: int | None  # None: withheld, it would give away a suppressed group
    audited: int | None
    overdue: int | None
    actions_open: int
    actions_overdue: int
    breach: bool
    quarter_over: bool
    groups: list[GroupCoverage]
    has_sample: bool
    totals_withheld: bool = False


MIN_GROUP = 5


def coverage(actor: Any, quarter: str, *, aggregates_only: bool = False) -> Coverage:
    from coachprog.coaching.services import active_coach_ids

    require(actor, "can_view_audit_coverage")
    quarter = _check_quarter(quarter)
    sample = current_sample(quarter)
    today = utcnow().date()
    _, end = domain.quarter_bounds(quarter)
    quarter_over = today >= end
    # The actions come with the audits (one query, not one per audit).
    audits = list(db.session.scalars(sa.select(Audit).where(Audit.sample_id == sample.id)
                                     .options(selectinload(Audit.actions))
                                     .order_by(Audit.id))) if sample else []
    population = len(sample.population) if sample else len(active_coach_ids())
    audited = sum(1 for a in audits if a.outcome)
    strata = {int(m["coach_id"]): str(m["stratum"]) for m in sample.population} if sample else {}
    groups: dict[str, GroupCoverage] = {}
    # The aggregate view (sponsors) leaves out coaches who opted out of analytics.
    excluded = set(db.session.scalars(opted_out_ids(OptOutKind.ANALYTICS))) \
        if aggregates_only else set()
    for audit in audits:
        if audit.coach_person_id in excluded:
            continue
        name = domain.stratum_words(strata.get(audit.coach_person_id, domain.NO_SUPERVISOR))
        group = groups.setdefault(name, GroupCoverage(name, 0, 0))
        group.sampled += 1
        if audit.outcome:
            group.audited += 1
            group.outcomes[audit.outcome] = group.outcomes.get(audit.outcome, 0) + 1
    totals_withheld = False
    if aggregates_only:
        # Groups under 5 sampled coaches, and their complement (governance's one rule), so no
        # withheld figure is the total minus the shown ones; where a lone group cannot be
        # complemented, the totals go too.
        sizes = {name: group.sampled for name, group in groups.items()}
        hidden = withheld_labels(sizes, MIN_GROUP)
        for name in hidden:
            groups[name].suppressed, groups[name].outcomes = True, {}
        totals_withheld = total_reveals_withheld(sizes, hidden, MIN_GROUP)
        # Sponsors see aggregates, not individuals: a group named after its supervisor would
        # show that one person's team outcomes (a judgement of the supervisor), so the groups
        # get neutral labels, largest first (ties by the hidden name, stable across visits).
        # L&D and admins (the detail view) keep the supervisor's name: they act on it.
        ordered = sorted(groups.values(), key=lambda g: (-g.sampled, g.name))
        groups = {}
        for number, group in enumerate(ordered, start=1):
            group.name = f"Supervisor group {number}"
            groups[group.name] = group
    actions = [act for a in audits for act in a.actions]
    overdue = sum(1 for a in audits if not a.outcome) if quarter_over else 0
    return Coverage(
        quarter=quarter, population=population,
        sampled=None if totals_withheld else len(audits) - sum(
            1 for a in audits if a.coach_person_id in excluded),
        audited=None if totals_withheld else audited - sum(
            1 for a in audits if a.outcome and a.coach_person_id in excluded),
        overdue=None if totals_withheld else overdue, totals_withheld=totals_withheld,
        actions_open=sum(1 for a in actions if a.status == "open"),
        actions_overdue=sum(1 for a in actions if domain.action_overdue(a.status, a.due_on,
                                                                         today)),
        breach=domain.coverage_breach(audited=audited, population=population,
                                      quarter_over=quarter_over),
        quarter_over=quarter_over, groups=list(groups.values()) if aggregates_only
        else sorted(groups.values(), key=lambda g: g.name),
        has_sample=sample is not None)


def current_quarter() -> str:
    return domain.quarter_of(utcnow().date())
