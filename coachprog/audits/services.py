"""Audit services: the audits themselves — an auditor's list, the one session chosen for audit,
scoring against the audit rubric, the decided outcome and a serious concern's resolution.
Sampling, assignment and the supervision structure live in `audits.sampling` and
`audits.structure`; corrective actions in `audits.actions`, coverage in `audits.coverage`.
Services flush; the caller commits.

Contract used by other domains (keep these names and shapes):
- `audit_outcomes(person_id, limit)` — the coach's most recent decided audits, newest first;
  certification (Senior Coach, recertification) reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from coachprog.audits import domain
from coachprog.audits.domain import AUDIT_RUBRIC
from coachprog.audits.models import Audit, AuditSample
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import can, require
from coachprog.coaching.models import Engagement
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit_log
from coachprog.notifications.services import send_email
from coachprog.recordings.models import CoachingSession
from coachprog.recordings.permissions import flag_reviewer_user_ids
from coachprog.roles import Role
from coachprog.rubrics.domain import check_marks, score_assessment
from coachprog.rubrics.models import RubricVersion
from coachprog.rubrics.schema import rubric_from_content
from coachprog.validation import parse_int


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


def get_audit(actor: Any, audit_id: int) -> Audit:
    return get_or_404(Audit, audit_id, what="audit", actor=actor, rule="can_view_audit")


def my_audits(actor: Any) -> list[Audit]:
    return list(db.session.scalars(sa.select(Audit).join(AuditSample).where(
        Audit.auditor_user_id == actor.id, AuditSample.superseded_at.is_(None)).order_by(
        Audit.outcome.is_not(None), Audit.quarter.desc(), Audit.id)))


def coach_label(actor: Any, audit: Audit) -> str:
    """Auditors see a pseudonym; admins managing audits see the name."""
    if can(actor, "can_manage_audits"):
        return audit.coach.name
    return domain.pseudonym(audit.id)


def sessions_for(audit: Audit) -> list[Any]:
    """The coach's sessions in the audit's quarter (recorded or observed)."""
    start, end = domain.quarter_bounds(audit.quarter)
    return list(db.session.scalars(sa.select(CoachingSession).join(Engagement).where(
        Engagement.coach_person_id == audit.coach_person_id,
        CoachingSession.session_date >= start, CoachingSession.session_date < end).order_by(
        CoachingSession.session_date)))


def choose_session(actor: Any, audit_id: int, session_id: int | None) -> Audit:
    """The auditor picks the one session of the quarter they will audit. Their access to
    recorded content covers that session only (policy: auditors see only the session under
    audit), so the choice is final for the audit; it is written to the audit log."""
    audit = get_or_404(Audit, audit_id, what="audit")
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


def audit_rubric() -> Any:
    """The latest loaded version of the audit rubric as a domain Rubric, or None."""
    row = db.session.scalar(sa.select(RubricVersion).where(
        RubricVersion.rubric_key == AUDIT_RUBRIC).order_by(RubricVersion.version.desc()))
    return None if row is None else rubric_from_content(row.content)


def _scored(marks: dict[str, str] | None, errors: dict[str, list[str]]) -> dict[str, Any]:
    """Check the marks against the audit rubric and compute its result (advisory: the
    outcome stays the auditor's decision)."""
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
    audit = get_or_404(Audit, audit_id, what="audit")
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
    audit = get_or_404(Audit, audit_id, what="audit")
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
