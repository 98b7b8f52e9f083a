"""Peer-triad services: forming a triad, logging its rounds, suggesting the next rotation.
Services flush; the caller commits.

Logging a round also adds a pending "peer triad" ledger entry, with the role played, to each
member's ledger (their supervisor verifies it like any entry, and the member may correct it).
A member who already logged an entry overlapping the round (say, by hand) gets none: the
round page says so. This is the one place an entry reaches a ledger without its trainee
typing it: the round is the shared record of the time the three spent.

Rules: coachprog.practicum.triads.domain (and the rotation in supervision_domain).
Who may do what: coachprog.practicum.triads.permissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from coachprog.authority import can, require
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.practicum.ledger import domain as ledger_rules
from coachprog.practicum.ledger.models import LedgerEntry, PracticumEnrolment
from coachprog.practicum.supervision import domain as rotation
from coachprog.practicum.triads import domain as rules
from coachprog.practicum.triads.models import PeerTriad, PeerTriadMember, PeerTriadRound


def get_triad(actor: Any, triad_id: int) -> PeerTriad:
    triad = get_or_404(PeerTriad, triad_id, what="triad")
    require(actor, "can_view_peer_triad", triad)
    return triad


def triads_of(actor: Any, person_id: int) -> list[PeerTriad]:
    """The triads a trainee belongs to, for the trainee and their supervisors."""
    get_or_404(Person, person_id, what="coach")
    require(actor, "can_list_peer_triads", person_id)
    return list(db.session.scalars(
        sa.select(PeerTriad).options(selectinload(PeerTriad.members))
        .where(PeerTriad.id.in_(sa.select(PeerTriadMember.triad_id).where(
            PeerTriadMember.person_id == person_id)))
        .order_by(PeerTriad.created_at.desc(), PeerTriad.id.desc())))


def possible_partners(actor: Any) -> list[Person]:
    """Trainees enrolled in the actor's program (the actor excluded)."""
    require(actor, "can_form_peer_triad")
    own = db.session.scalar(sa.select(PracticumEnrolment).where(
        PracticumEnrolment.person_id == actor.person_id))
    if own is None:
        return []
    return list(db.session.scalars(
        sa.select(Person).join(PracticumEnrolment, PracticumEnrolment.person_id == Person.id)
        .where(PracticumEnrolment.program_id == own.program_id, Person.id != own.person_id,
               Person.active.is_(True))
        .order_by(Person.name, Person.id)))


def form_triad(actor: Any, *, name: str, partner_ids: tuple[int | None, int | None]
               ) -> PeerTriad:
    """The actor forms a triad with two trainees of their own program."""
    require(actor, "can_form_peer_triad")
    members = (actor.person_id, *partner_ids)
    chosen = [m for m in members if m is not None]
    programs: dict[int, int | None] = dict.fromkeys(chosen)
    for enrolment in db.session.scalars(sa.select(PracticumEnrolment).where(
            PracticumEnrolment.person_id.in_(chosen))):
        programs[enrolment.person_id] = enrolment.program_id
    errors = rules.formation_problems(name, members, programs)
    if not errors:
        same = db.session.scalars(sa.select(PeerTriadMember.triad_id).where(
            PeerTriadMember.person_id.in_(chosen)).group_by(PeerTriadMember.triad_id)
            .having(sa.func.count() == 3)).first()
        if same is not None:
            errors["members"] = "These three already form a triad."
    if errors:
        raise DomainError("The triad was not formed.",
                          field_errors={k: [v] for k, v in errors.items()})
    triad = PeerTriad(name=" ".join(name.split()), program_id=programs[chosen[0]],
                      created_by_id=actor.id)
    triad.members = [PeerTriadMember(person_id=m, position=i) for i, m in enumerate(chosen)]
    db.session.add(triad)
    db.session.flush()
    audit.record("practicum.triad_formed", actor=actor, object_type="peer_triad",
                 object_id=triad.id, detail={"members": chosen})
    return triad


@dataclass(frozen=True)
class RoundDraft:
    day: date | None
    at: time | None
    minutes: int | None
    coach_id: int | None
    client_id: int | None
    observer_id: int | None
    feedback: str = ""
    zone: str = "UTC"


def _past(triad: PeerTriad) -> list[dict[str, int]]:
    return [r.roles for r in triad.rounds]


def suggested_roles(triad: PeerTriad) -> dict[str, int]:
    members = triad.member_ids
    return rotation.suggest_next_round((members[0], members[1], members[2]), _past(triad))


def roles_missing(triad: PeerTriad) -> dict[int, list[str]]:
    return rotation.roles_missing(triad.member_ids, _past(triad))


@dataclass(frozen=True)
class LoggedRound:
    round: PeerTriadRound
    skipped: list[tuple[Person, str]]  # members who got no ledger entry, and why


def log_round(actor: Any, triad_id: int, draft: RoundDraft) -> LoggedRound:
    triad = get_or_404(PeerTriad, triad_id, what="triad")
    require(actor, "can_log_triad_round", triad)
    errors: dict[str, str] = {}
    if draft.day is None:
        errors["day"] = "Give the date."
    if draft.minutes is None:
        errors["minutes"] = "Give the duration in minutes."
    roles = {role: value for role, value in (("coach", draft.coach_id),
                                             ("client", draft.client_id),
                                             ("observer", draft.observer_id))
             if value is not None}
    held_at = ledger_rules.to_utc(draft.day or date(2000, 1, 1), draft.at or time(9, 0),
                                  draft.zone)
    facts = rules.RoundFacts(held_at=held_at, minutes=draft.minutes or 0, roles=roles,
                             feedback=draft.feedback or "")
    past = list(db.session.scalars(sa.select(PeerTriadRound).where(
        PeerTriadRound.triad_id == triad.id).order_by(PeerTriadRound.number)))
    others = [rules.RoundFacts(r.held_at, r.minutes, r.roles, r.feedback, r.number)
              for r in past]
    now = utcnow()
    for key, text in rules.round_problems(triad.member_ids, facts,
                                          logger_person_id=actor.person_id, now=now,
                                          others=others).items():
        if key == "minutes" and "minutes" in errors:
            continue
        errors.setdefault(key, text)
    if errors:
        raise DomainError("The round was not logged.",
                          field_errors={k: [v] for k, v in errors.items()})
    number = max((r.number for r in past), default=0) + 1
    row = PeerTriadRound(number=number, held_at=held_at,
                         minutes=facts.minutes, coach_person_id=roles["coach"],
                         client_person_id=roles["client"], observer_person_id=roles["observer"],
                         feedback=facts.feedback.strip(), logged_by_id=actor.id)
    skipped: list[tuple[Person, str]] = []
    entry_ids: list[int] = []
    for member in triad.members:
        role = rules.role_of(roles, member.person_id)
        entry_facts = ledger_rules.EntryFacts(kind=ledger_rules.TRIAD, starts_at=held_at,
                                              minutes=facts.minutes, triad_role=role)
        stored = [e.facts() for e in db.session.scalars(sa.select(LedgerEntry).where(
            LedgerEntry.person_id == member.person_id))]
        enrolment = db.session.scalar(sa.select(PracticumEnrolment).where(
            PracticumEnrolment.person_id == member.person_id))
        problems = ledger_rules.validate_entry(
            entry_facts, now=now, others=stored,
            enrolled_on=enrolment.start_date if enrolment else None)
        if problems:
            skipped.append((member.person, " ".join(problems.values())))
            continue
        entry = LedgerEntry(person_id=member.person_id, kind=ledger_rules.TRIAD,
                            starts_at=held_at, minutes=facts.minutes, triad_role=role,
                            status=ledger_rules.PENDING)
        db.session.add(entry)
        db.session.flush()
        entry_ids.append(entry.id)
    row.ledger_entry_ids = entry_ids
    triad.rounds.append(row)
    db.session.flush()
    audit.record("practicum.triad_round_logged", actor=actor, object_type="peer_triad",
                 object_id=triad.id, detail={"round": number, "entries": entry_ids,
                                             "roles": roles})
    return LoggedRound(row, skipped)


def visible_triads(actor: Any, person_id: int) -> list[PeerTriad]:
    """The triads list for the ledger page: empty when the actor may not see them."""
    if not can(actor, "can_list_peer_triads", person_id):
        return []
    return triads_of(actor, person_id)
