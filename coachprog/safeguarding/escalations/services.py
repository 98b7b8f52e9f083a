"""Escalation use cases: raise (by hand, or from a sensitive-topic flag), list the cases one
may see, take one on, record its steps, close and reopen it; counts for reports.

Services flush; the caller commits. Audit entries and e-mails name the case, never its category,
summary or notes: the audit log and the outbox are read by admins the path may not name, and a
category says what was disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from coachprog.auth.models import User
from coachprog.authority import SystemActor, require
from coachprog.db import fetch_page, get_or_404, opened_closed_open, utc_midnight, utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.governance.domain import SuppressedTable, suppress_table
from coachprog.notifications.services import send_email
from coachprog.recordings.permissions import flag_reviewer_user_ids
from coachprog.safeguarding.escalations import domain
from coachprog.safeguarding.escalations.models import EscalationCase, EscalationStep
from coachprog.safeguarding.escalations.paths import current_paths
from coachprog.safeguarding.escalations.permissions import visible_cases_clause
from coachprog.safeguarding.incidents.domain import KIND_LABELS, IncidentKind
from coachprog.safeguarding.incidents.services import (
    count_adverse_effects,
    count_privacy_incidents,
)

PER_PAGE = 25
FLAG_SUMMARY = ("Raised from a sensitive-topic flag on a recorded session. The matched moments "
                "are on the coach's master coach's flag page; open the transcript only with a "
                "relation to the session.")


def _user_id_by_email(email: str) -> int | None:
    return db.session.scalar(sa.select(User.id).where(User.email == email.lower(),
                                                      User.is_active.is_(True)))


def resolve_owner(path: domain.EscalationPath, coach_person_id: int | None) -> int | None:
    """The owner a new case gets: the path's owner, else its fallback owner, else nobody yet
    (the people the path names see the case and can take it on)."""
    if path.owner == domain.FLAG_REVIEWER:
        reviewers = sorted(flag_reviewer_user_ids(coach_person_id)) if coach_person_id else []
        if reviewers:
            return reviewers[0]
    else:
        owner = _user_id_by_email(path.owner)
        if owner is not None:
            return owner
    return _user_id_by_email(path.fallback_owner)


def _open_case(*, category: str, source: domain.CaseSource, summary: str,
               coach_person_id: int | None, raised_by_id: int | None,
               flag_id: int | None = None) -> EscalationCase:
    book = current_paths()
    path = book.get(category)
    if path is None:
        raise DomainError("Choose a category.", field_errors={"category": ["Choose a category."]})
    now = utcnow()
    case = EscalationCase(category=category, source=source.value, summary=summary,
                          coach_person_id=coach_person_id, status=domain.CaseStatus.OPEN.value,
                          owner_id=resolve_owner(path, coach_person_id),
                          raised_by_id=raised_by_id, raised_at=now, path_version=book.version,
                          sensitive_flag_id=flag_id)
    case.steps = [EscalationStep(position=step.position, key=step.key, title=step.title,
                                 due_at=step.due_at) for step in domain.plan_steps(path, now)]
    db.session.add(case)
    db.session.flush()
    if case.owner_id is not None:
        _tell_owner(case)
    return case


def _tell_owner(case: EscalationCase) -> None:
    owner = db.session.get(User, case.owner_id)
    if owner is None:
        return
    link = (f"{current_app.config['COACHPROG_BASE_URL'].rstrip('/')}"
            f"/safeguarding/escalations/{case.id}")
    first_due = min((step.due_at for step in case.steps), default=None)
    due = f" Its first step is due {first_due:%Y-%m-%d %H:%M} UTC." if first_due else ""
    send_email(kind="safeguarding.case_owned", to_email=owner.email,
               to_name=owner.display_name, subject="A safeguarding case needs you",
               related_type="escalation_case", related_id=case.id,
               body=(f"Dear {owner.display_name},\n\nA safeguarding case was raised and its "
                     f"escalation path makes you its owner.{due} Open it (sign-in needed):\n"
                     f"{link}\n\nThe case is described only in the app.\n"))


def raise_case(actor: Any, *, category: str, summary: str) -> EscalationCase:
    """A coach (or supervisor) raises a concern by hand. They keep no view of the case."""
    require(actor, "can_raise_escalation")
    problems: dict[str, list[str]] = {}
    if current_paths().get(category) is None:
        problems["category"] = ["Choose a category."]
    summary_issue = domain.summary_problems(summary)
    if summary_issue:
        problems["summary"] = summary_issue
    if problems:
        raise DomainError("The concern was not raised: see the notes next to the fields.",
                          field_errors=problems)
    case = _open_case(category=category, source=domain.CaseSource.MANUAL,
                      summary=summary.strip(),
                      coach_person_id=getattr(actor, "person_id", None),
                      raised_by_id=getattr(actor, "id", None))
    audit.record("escalation.raised", actor=actor, object_type="escalation_case",
                 object_id=case.id, detail={"source": "manual"})
    return case


def open_case_from_flag(flag: Any, recording: Any, actor: Any = None) -> EscalationCase | None:
    """A newly raised sensitive-topic flag becomes a case on its category's path (once)."""
    existing = db.session.scalar(sa.select(EscalationCase.id).where(
        EscalationCase.sensitive_flag_id == flag.id))
    if existing is not None:
        return None
    coach_person_id = recording.session.engagement.coach_person_id
    case = _open_case(category=flag.category, source=domain.CaseSource.FLAG,
                      summary=FLAG_SUMMARY, coach_person_id=coach_person_id,
                      raised_by_id=None, flag_id=flag.id)
    audit.record("escalation.raised", actor=actor or SystemActor("sensitive-topics"),
                 object_type="escalation_case", object_id=case.id,
                 detail={"source": "flag"})
    return case


def on_sensitive_flag_raised(sender: Any, *, flag: Any, recording: Any, actor: Any = None,
                             **_: Any) -> None:
    """Receiver of `recordings.signals.sensitive_flag_raised`."""
    open_case_from_flag(flag, recording, actor)


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    case: EscalationCase
    label: str
    overdue: bool


@dataclass(frozen=True)
class CaseList:
    rows: list[CaseRow]
    total: int
    page: int
    status: str


def list_cases(actor: Any, *, page: int = 1, status: str = "") -> CaseList:
    """The cases this user may see (owner or named on the path), newest first, one page."""
    require(actor, "can_list_escalations")
    query = sa.select(EscalationCase).where(visible_cases_clause(actor))
    if status in {s.value for s in domain.CaseStatus}:
        query = query.where(EscalationCase.status == status)
    else:
        status = ""
    cases, total = fetch_page(
        query.options(selectinload(EscalationCase.owner))
        .order_by(EscalationCase.raised_at.desc(), EscalationCase.id.desc()),
        page=page, per_page=PER_PAGE)
    book, now = current_paths(), utcnow()
    rows = [CaseRow(case, book.label(case.category), _overdue(case, now)) for case in cases]
    return CaseList(rows, total, page, status)


def _overdue(case: EscalationCase, now: datetime) -> bool:
    return case.status != domain.CaseStatus.CLOSED and domain.case_overdue(
        (domain.StepState(s.due_at, s.done_at is not None) for s in case.steps), now)


def _case(case_id: int) -> EscalationCase:
    return get_or_404(EscalationCase, case_id, what="escalation case")


@dataclass(frozen=True)
class CasePage:
    case: EscalationCase
    label: str
    overdue: bool
    overdue_steps: frozenset[int]
    raised_by: str


def get_case(actor: Any, case_id: int) -> CasePage:
    """One case, for its owner and those the path names; each reading is audited."""
    case = _case(case_id)
    require(actor, "can_view_escalation", case)
    now = utcnow()
    audit.record("escalation.viewed", actor=actor, object_type="escalation_case",
                 object_id=case.id)
    raiser = db.session.get(User, case.raised_by_id) if case.raised_by_id else None
    return CasePage(case, current_paths().label(case.category), _overdue(case, now),
                    frozenset(s.id for s in case.steps if domain.is_overdue(
                        domain.StepState(s.due_at, s.done_at is not None), now)),
                    raiser.display_name if raiser else "Sensitive-topic flag")


# --- working a case -----------------------------------------------------------------------------


def _move(case: EscalationCase, action: str) -> None:
    case.status = domain.next_status(case.status, action).value


def take_case(actor: Any, case_id: int) -> EscalationCase:
    case = _case(case_id)
    require(actor, "can_work_escalation", case)
    problems = domain.take_problems(case.status)
    if problems:
        raise DomainError(problems[0])
    _move(case, "take")
    case.owner_id, case.taken_at = getattr(actor, "id", None) or case.owner_id, utcnow()
    db.session.flush()
    audit.record("escalation.taken", actor=actor, object_type="escalation_case",
                 object_id=case.id)
    return case


def complete_step(actor: Any, case_id: int, step_id: int, *, note: str,
                  not_needed: bool = False) -> EscalationStep:
    case = _case(case_id)
    require(actor, "can_work_escalation", case)
    step = next((s for s in case.steps if s.id == step_id), None)
    if step is None:
        raise NotFound("step")
    if case.status != domain.CaseStatus.IN_PROGRESS:
        raise DomainError("Take the case on before recording its steps.")
    if step.done_at is not None:
        raise DomainError("This step is already recorded.")
    issue = domain.note_problems(note, required=not_needed)
    if issue:
        raise DomainError("The step was not recorded: see the note field.",
                          field_errors={"note": issue})
    step.done_at, step.done_by_id = utcnow(), getattr(actor, "id", None)
    step.note, step.not_needed = note.strip(), not_needed
    db.session.flush()
    audit.record("escalation.step_recorded", actor=actor, object_type="escalation_case",
                 object_id=case.id, detail={"step": step.key, "not_needed": not_needed})
    return step


def close_case(actor: Any, case_id: int, *, outcome: str, note: str) -> EscalationCase:
    case = _case(case_id)
    require(actor, "can_work_escalation", case)
    problems = domain.close_problems(
        case.status, [domain.StepState(s.due_at, s.done_at is not None) for s in case.steps],
        outcome, note)
    if problems:
        whole = problems.pop("", [])
        raise DomainError(" ".join(whole) or "The case was not closed: see the notes next to "
                          "the fields.", field_errors=problems)
    _move(case, "close")
    case.outcome, case.closure_note = outcome, note.strip()
    case.closed_at, case.closed_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    audit.record("escalation.closed", actor=actor, object_type="escalation_case",
                 object_id=case.id, detail={"outcome": outcome})
    return case


def reopen_case(actor: Any, case_id: int, *, reason: str) -> EscalationCase:
    case = _case(case_id)
    require(actor, "can_work_escalation", case)
    problems = domain.reopen_problems(case.status, reason)
    if problems:
        whole = problems.pop("", [])
        raise DomainError(" ".join(whole) or "The case was not reopened: give a reason.",
                          field_errors=problems)
    _move(case, "reopen")
    case.closure_note = f"{case.closure_note}\n\nReopened: {reason.strip()}".strip()
    case.closed_at = case.closed_by_id = case.outcome = None
    db.session.flush()
    audit.record("escalation.reopened", actor=actor, object_type="escalation_case",
                 object_id=case.id)
    return case


# --- counts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseCounts:
    raised: int
    closed: int
    open_now: int
    by_category: SuppressedTable  # raised in the period, categories under 5 withheld
    incidents: list[tuple[str, dict[str, int]]]  # (kind label, counts) in the period


def count_escalations(start_day: date, end_day: date) -> dict[str, int]:
    """Scorecard source: cases raised and closed in [start, end) (UTC days), and open at the
    end (numbers only; no actor — the scorecard shows aggregates)."""
    raised, closed, open_now = db.session.execute(opened_closed_open(
        EscalationCase.raised_at, EscalationCase.closed_at, start_day, end_day)).one()
    return {"raised": raised, "closed": closed, "open": open_now}


def case_counts(actor: Any, start_day: date, end_day: date) -> CaseCounts:
    """Counts for L&D and sponsors: totals, and per category with small groups withheld."""
    require(actor, "can_view_escalation_counts")
    numbers = count_escalations(start_day, end_day)
    start, end = utc_midnight(start_day), utc_midnight(end_day)
    per_category = dict(db.session.execute(
        sa.select(EscalationCase.category, sa.func.count(EscalationCase.id))
        .where(EscalationCase.raised_at >= start, EscalationCase.raised_at < end)
        .group_by(EscalationCase.category)).all())
    book = current_paths()
    incidents = [
        (KIND_LABELS[IncidentKind.PRIVACY], count_privacy_incidents(start_day, end_day)),
        (KIND_LABELS[IncidentKind.ADVERSE_EFFECT], count_adverse_effects(start_day, end_day))]
    return CaseCounts(numbers["raised"], numbers["closed"], numbers["open"],
                      suppress_table({book.label(k): v for k, v in per_category.items()}),
                      incidents)
