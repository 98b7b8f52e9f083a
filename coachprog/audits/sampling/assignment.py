"""Auditor assignment: the pool (master coaches and raters), the rules an auditor must meet
(calibrated for the audit rubric, independent of the coach, no conflict of interest), the
automatic assignment of a drawn sample by least load, and an admin's manual reassignment.
Services flush; the caller commits."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coachprog.assessments import domain as assessment_domain
from coachprog.assessments.conflicts import relationship_facts, relationship_facts_many
from coachprog.audits.domain import AUDIT_RUBRIC
from coachprog.audits.models import Audit, AuditSample
from coachprog.audits.sampling import domain
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import require
from coachprog.calibration.services import is_calibrated
from coachprog.coaching.models import SupervisorAssignment
from coachprog.db import get_or_404
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit_log
from coachprog.people.models import Person
from coachprog.people.services import chain_refusal
from coachprog.roles import Role


def auditor_pool() -> list[User]:
    ids = db.session.scalars(sa.select(RoleGrant.user_id).where(
        RoleGrant.role.in_((Role.MASTER_COACH.value, Role.RATER.value))).distinct())
    return list(db.session.scalars(sa.select(User).where(User.id.in_(list(ids))).order_by(
        User.id)))


def open_load() -> dict[int, int]:
    rows = db.session.execute(sa.select(Audit.auditor_user_id, sa.func.count()).join(
        AuditSample).where(Audit.outcome.is_(None), AuditSample.superseded_at.is_(None),
                           Audit.auditor_user_id.is_not(None)).group_by(Audit.auditor_user_id))
    return {int(uid): int(n) for uid, n in rows if uid is not None}


def auditor_refusal(user: User, coach_person_id: int) -> str | None:
    """Why this user may not audit this coach, or None. The rules, in the order an admin
    needs them: a master coach or (external) rater, calibrated for the audit rubric (current,
    not expired), not the coach, not the coach's direct supervisor, no conflict of interest
    in the assessments registry (reporting line, coaching relationship, ...)."""
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


def assign_drawn(sample: AuditSample) -> None:
    """Give each drawn coach the eligible auditor with the least open load."""
    pool = auditor_pool()
    load = open_load()
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
    audit = get_or_404(Audit, audit_id, what="audit")
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
    load = open_load()
    return [(u, load.get(u.id, 0)) for u in auditor_pool()]


