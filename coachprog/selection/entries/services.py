"""Entering a sprint: a manager's nomination (the nominee is invited and becomes a candidate
only by accepting), an open application, the answer to an invitation, and what a person sees of
their own entries and nominations.

Rules: `selection/entries/domain.py`. Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from coachprog.assessments import domain as assessment_domain
from coachprog.auth.models import User
from coachprog.authority import require
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.people.services import get_manager_links, reporting_line_cte
from coachprog.selection.candidates import domain as candidate_domain
from coachprog.selection.candidates.services import apply_move, email_candidate, record_event
from coachprog.selection.domain import CandidateStage, SprintStage
from coachprog.selection.entries import domain as entry_domain
from coachprog.selection.models import (
    Candidate,
    Sprint,
)
from coachprog.selection.sprints.services import refuse, today, window_of

MAX_APPLICATION_CHARACTERS = 20_000


def _person_of(actor: Any) -> Person:
    person = db.session.get(Person, getattr(actor, "person_id", None) or 0)
    if person is None:
        raise refuse("Your account is not linked to a directory record; ask an L&D admin.")
    return person


def entered_person_ids(sprint: Sprint) -> list[int]:
    return list(db.session.scalars(sa.select(Candidate.person_id)
                                   .where(Candidate.sprint_id == sprint.id)))


def insert_or_refuse(row: Any, duplicate: str) -> None:
    """Insert a row whose uniqueness a simultaneous request may have taken first: the loser
    gets `duplicate` in words, not a server error."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise refuse(duplicate) from None


def _require_not_on_panel(sprint: Sprint, person: Person) -> None:
    members = {m.user_id for m in sprint.panel}
    if members and db.session.scalar(sa.select(User.id).where(
            User.person_id == person.id, User.id.in_(members))) is not None:
        raise refuse(f"{person.name} sits on this sprint's calibration panel and cannot also be "
                     f"a candidate in it.")


def _require_entries_open(sprint: Sprint) -> None:
    if sprint.status != "open":
        raise refuse("This sprint is closed.")
    window = window_of(sprint, SprintStage.NOMINATION_APPLICATION)
    now = today()
    if now < window.start:
        raise refuse(f"Entries open on {window.start.isoformat()}.")
    if now > window.end:
        raise refuse(f"Nominations and applications closed on {window.end.isoformat()}.")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def base_url() -> str:
    return str(current_app.config.get("COACHPROG_BASE_URL", "http://127.0.0.1:5000")).rstrip("/")


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
        raise refuse(entry_domain.OUTSIDE_LINE, "nominee_employee_id")
    chain = assessment_domain.manager_chain(nominee.id, get_manager_links((nominee.id,)))
    line_problem = entry_domain.nominator_problem(nominator.id, nominee.id, chain)
    if line_problem:
        raise refuse(line_problem, "nominee_employee_id")
    _require_not_on_panel(sprint, nominee)
    if nominee.id in _appointed_coach_ids([nominee.id]):
        raise refuse(f"{nominee.name} is already an appointed coach; selection is for people "
                     f"who are not coaches yet.", "nominee_employee_id")
    problems = entry_domain.nomination_problems(
        nominator_id=nominator.id, nominee_id=nominee.id, nominee_manager_chain=chain, why=why,
        existing_person_ids=entered_person_ids(sprint))
    if problems:
        field = "why" if problems == entry_domain.why_problems(why) else "nominee_employee_id"
        raise DomainError(" ".join(problems), field_errors={field: problems})
    token = secrets.token_urlsafe(32)
    candidate = Candidate(
        sprint_id=sprint.id, person_id=nominee.id, route="nomination",
        stage=CandidateStage.NOMINATED.value, furthest_stage=CandidateStage.NOMINATED.value,
        nominated_by_id=getattr(actor, "id", None), nomination_reason=why.strip(),
        invitation_token_hash=token_hash(token), invited_at=utcnow())
    insert_or_refuse(candidate, "This person already has an entry in this sprint.")
    candidate.sprint, candidate.person = sprint, nominee
    record_event(candidate, actor, None, CandidateStage.NOMINATED.value, why.strip())
    db.session.flush()
    audit.record("candidate.nominated", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"sprint_id": sprint.id, "person_id": nominee.id})
    window = window_of(sprint, SprintStage.NOMINATION_APPLICATION)
    email_candidate(
        "selection.invitation", nominee, f"You are nominated for internal coach selection: "
        f"{sprint.name}",
        f"Dear {nominee.name},\n\n{nominator.name} has nominated you for the internal coach "
        f"selection sprint \"{sprint.name}\". In their words:\n\n{why.strip()}\n\n"
        f"Taking part is your choice. The sprint has a behavioural interview, two coaching "
        f"simulations, 8–12 hours of supervised practice and a calibration panel.\n\n"
        f"Accept or decline by {window.end.isoformat()} here:\n"
        f"{base_url()}/sprints/invitations/{token}\n\nThe L&D team", candidate,
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
        raise refuse(f"Keep the application under {MAX_APPLICATION_CHARACTERS:,} characters "
                     f"(one page).", "text")
    problems = entry_domain.application_entry_problems(
        person_id=person.id, text=text, existing_person_ids=entered_person_ids(sprint))
    if problems:
        raise DomainError(" ".join(problems), field_errors={"text": problems})
    candidate = Candidate(
        sprint_id=sprint.id, person_id=person.id, route="application",
        stage=CandidateStage.APPLIED.value, furthest_stage=CandidateStage.APPLIED.value,
        application_text=text.strip())
    insert_or_refuse(candidate, "This person already has an entry in this sprint.")
    candidate.sprint, candidate.person = sprint, person
    record_event(candidate, actor, None, CandidateStage.APPLIED.value)
    db.session.flush()
    audit.record("candidate.applied", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"sprint_id": sprint.id, "person_id": person.id,
                                                 "words": entry_domain.word_count(text)})
    return candidate


def invitation_by_token(token: str) -> Candidate:
    """The nomination a link points at; unknown, used or expired links are all "not found"
    (the token is the only credential, so nothing is revealed about why)."""
    if not token or len(token) > 100:
        raise NotFound("invitation")
    candidate = db.session.scalar(sa.select(Candidate).where(
        Candidate.invitation_token_hash == token_hash(token)))
    if candidate is None:
        raise NotFound("invitation")
    return candidate


def respond_to_invitation(token: str, *, accept: bool, reason: str = "") -> Candidate:
    """The nominee accepts (and becomes a candidate) or declines (withdrawn). The link works
    once: the token is cleared either way."""
    candidate = invitation_by_token(token)
    if candidate.stage != CandidateStage.NOMINATED.value:
        raise refuse("This invitation has already been answered.")
    if accept:
        window = window_of(candidate.sprint, SprintStage.NOMINATION_APPLICATION)
        if today() > window.end or candidate.sprint.status != "open":
            raise refuse(f"This invitation expired on {window.end.isoformat()}, when the sprint "
                         f"stopped taking entries. You are welcome in a future sprint.")
    if accept:
        move = candidate_domain.advance(candidate.stage, CandidateStage.APPLIED,
                              candidate_domain.StageEvidence(invitation_accepted=True))
        candidate.accepted_at = utcnow()
    else:
        move = candidate_domain.withdraw(candidate.stage,
                                         reason.strip() or "Declined the invitation.")
    if isinstance(move, candidate_domain.Refusal):
        raise refuse(move.message)
    candidate.invitation_token_hash = None
    apply_move(None, candidate, move)
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
    entered = set(entered_person_ids(sprint))
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
