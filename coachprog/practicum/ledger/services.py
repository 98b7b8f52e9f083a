"""Practicum ledger services: enrolment, entries, verification, verified hours (progress and
the trainee list are in `trainees`, the ICF export in `export`). Services flush; the caller
commits.

Contract used by other domains (keep these names and shapes):
- `hours_summary(person_id, since=None)` — verified hours only; certification and
  recertification read it.
- `entries_to_verify(actor)` — the supervisor queue (practicum supervision) lists these. Each
  item is a `VerifyItem` with `id`, `person` (the trainee's Person), `kind` and `kind_label`,
  `date` (UTC date), `starts_at` (UTC), `minutes`, `duration` (text), `status` (pending), `url`
  (the entry page, where the supervisor verifies or queries it) and `entry` (the LedgerEntry);
  `str(item)` reads "Coached session · Ana Ruiz · 2026-03-02 · 1 h".

Rules: coachprog.practicum.ledger.domain. Who may do what: coachprog.practicum.ledger.permissions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload

from coachprog.auth.models import RoleGrant, User
from coachprog.authority import can, require
from coachprog.coaching.roster.services import active_coach_ids
from coachprog.coaching.supervisors import supervised_person_ids
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.practicum.ledger import domain
from coachprog.practicum.ledger.models import LedgerEntry, PracticumEnrolment, PracticumProgram
from coachprog.roles import Role

DEFAULT_PROGRAM = "Standard practicum"
MAX_COMMENT = 2000
MAX_PSEUDONYM = 64


@dataclass(frozen=True)
class HoursSummary:
    """Verified hours of one coach. Lab hours are reflective labs plus peer triads/debriefs;
    development hours are supervision plus mentor coaching (continuing development)."""

    coached_hours: float
    lab_hours: float
    development_hours: float
    unique_coachees: int
    coached_target_met: bool
    lab_target_met: bool


class LedgerRejected(DomainError):  # noqa: N818 - reads like ImportRejected
    """Some rows of a log were refused; nothing was saved. `row_errors`: row -> field -> text."""

    def __init__(self, row_errors: dict[int, dict[str, str]]) -> None:
        super().__init__(
            "Nothing was saved: fix the rows marked below.",
            field_errors={f"{row}.{name}": [text] for row, errs in row_errors.items()
                          for name, text in errs.items()})
        self.row_errors = row_errors


# --- programs and enrolment --------------------------------------------------------------------


def default_program() -> PracticumProgram:
    """The standard program with the default targets, created on first use."""
    program = db.session.scalar(sa.select(PracticumProgram).where(
        PracticumProgram.name == DEFAULT_PROGRAM))
    if program is None:
        t = domain.DEFAULT_TARGETS
        program = PracticumProgram(name=DEFAULT_PROGRAM, coached_min=t.coached_min,
                                   coached_max=t.coached_max, lab_min=t.lab_min,
                                   lab_max=t.lab_max, weeks_min=t.weeks_min,
                                   weeks_max=t.weeks_max)
        db.session.add(program)
        db.session.flush()
    return program


def list_programs() -> list[PracticumProgram]:
    default_program()
    return list(db.session.scalars(sa.select(PracticumProgram).order_by(PracticumProgram.name)))


def eligible_people() -> list[Person]:
    """Appointed coaches (and accounts holding the coach role, which appointment grants)
    not enrolled yet."""
    ids = set(active_coach_ids()) | set(db.session.scalars(
        sa.select(User.person_id).join(RoleGrant, RoleGrant.user_id == User.id).where(
            RoleGrant.role == Role.COACH.value, User.person_id.is_not(None))))
    enrolled = set(db.session.scalars(sa.select(PracticumEnrolment.person_id)))
    ids -= enrolled
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Person).where(
        Person.id.in_(ids), Person.active.is_(True)).order_by(Person.name)))


def get_enrolment(person_id: int) -> PracticumEnrolment | None:
    return db.session.scalar(sa.select(PracticumEnrolment).where(
        PracticumEnrolment.person_id == person_id))


def enrol(actor: Any, person_id: int | None, *, start_date: date | None,
          program_id: int | None = None) -> PracticumEnrolment:
    require(actor, "can_enrol_practicum_trainee")
    errors: dict[str, list[str]] = {}
    eligible = {p.id for p in eligible_people()}
    if person_id is None:
        errors["person_id"] = ["Choose the appointed coach."]
    elif get_enrolment(person_id) is not None:
        errors["person_id"] = ["This coach is enrolled already."]
    elif person_id not in eligible:
        errors["person_id"] = ["Only appointed coaches start a practicum."]
    if start_date is None:
        errors["start_date"] = ["Give the start date."]
    program = (db.session.get(PracticumProgram, program_id) if program_id
               else default_program())
    if program is None:
        errors["program_id"] = ["Choose a program."]
    if errors or person_id is None or start_date is None or program is None:
        raise DomainError("The enrolment was not saved.", field_errors=errors)
    row = PracticumEnrolment(person_id=person_id, program_id=program.id, start_date=start_date,
                             created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record("practicum.enrolled", actor=actor, object_type="person", object_id=person_id,
                 detail={"program": program.name, "start_date": start_date.isoformat()})
    return row


# --- entries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryDraft:
    """One activity as typed: local date and start time in `zone`, duration in minutes."""

    kind: str
    day: date | None
    at: time | None
    minutes: int | None
    coachee: str = ""
    pro_bono: bool = False
    is_group: bool = False
    group_size: int | None = None
    triad_role: str = ""
    zone: str = "UTC"


def _facts(draft: EntryDraft, entry_id: int | None = None) -> tuple[domain.EntryFacts,
                                                                     dict[str, str]]:
    """The domain facts of a draft, and the errors that stop it becoming facts at all."""
    errors: dict[str, str] = {}
    if draft.day is None:
        errors["day"] = "Give the date."
    if draft.minutes is None:
        errors["minutes"] = "Give the duration in minutes."
    if len(draft.coachee or "") > MAX_PSEUDONYM:
        errors["coachee"] = f"A pseudonym has at most {MAX_PSEUDONYM} characters."
    starts = domain.to_utc(draft.day or date(2000, 1, 1), draft.at or time(9, 0), draft.zone)
    facts = domain.EntryFacts(
        kind=draft.kind, starts_at=starts, minutes=draft.minutes or 0, entry_id=entry_id,
        coachee=(draft.coachee or "").strip() or None if draft.kind == domain.COACHED else None,
        is_group=draft.is_group and draft.kind in (domain.COACHED, domain.SUPERVISION),
        group_size=draft.group_size if draft.is_group else None,
        triad_role=(draft.triad_role or None) if draft.kind == domain.TRIAD else None,
        pro_bono=draft.pro_bono and draft.kind == domain.COACHED)
    return facts, errors


def _rule_errors(facts: domain.EntryFacts, pre: dict[str, str], *, now: datetime,
                 others: list[domain.EntryFacts], enrolment: PracticumEnrolment | None,
                 zone: str) -> dict[str, str]:
    errors = dict(pre)
    enrolled_on = enrolment.start_date if enrolment is not None else None
    for name, text in domain.validate_entry(facts, now=now, others=others,
                                            enrolled_on=enrolled_on, zone=zone).items():
        key = "day" if name == "starts_at" else name
        if "minutes" in pre and name == "minutes":
            continue
        errors.setdefault(key, text)
    return errors


def _stored_facts(person_id: int) -> list[domain.EntryFacts]:
    return [e.facts() for e in db.session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.person_id == person_id))]


def _apply(row: LedgerEntry, facts: domain.EntryFacts) -> None:
    row.kind, row.starts_at, row.minutes = facts.kind, facts.starts_at, facts.minutes
    row.coachee_pseudonym = " ".join(facts.coachee.split()) if facts.coachee else None
    row.pro_bono, row.is_group, row.group_size = facts.pro_bono, facts.is_group, facts.group_size
    row.triad_role = facts.triad_role


def log_entries(actor: Any, person_id: int, drafts: Sequence[EntryDraft]) -> list[LedgerEntry]:
    """Log several activities at once (a week); all or nothing."""
    require(actor, "can_log_practicum_entry", person_id)
    enrolment = get_enrolment(person_id)
    if enrolment is None:
        raise DomainError("You are not enrolled in a practicum yet; L&D enrols appointed "
                          "coaches.")
    if not drafts:
        raise DomainError("Fill in at least one row.", field_errors={"0.kind": [
            "Fill in at least one row."]})
    now = utcnow()
    others = _stored_facts(person_id)
    problems: dict[int, dict[str, str]] = {}
    accepted: list[domain.EntryFacts] = []
    for index, draft in enumerate(drafts):
        facts, pre = _facts(draft)
        errors = _rule_errors(facts, pre, now=now, others=[*others, *accepted],
                              enrolment=enrolment, zone=draft.zone)
        if errors:
            problems[index] = errors
        else:
            accepted.append(facts)
    if problems:
        raise LedgerRejected(problems)
    rows = []
    for facts in accepted:
        row = LedgerEntry(person_id=person_id, status=domain.PENDING)
        _apply(row, facts)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    audit.record("practicum.entries_logged", actor=actor, object_type="person",
                 object_id=person_id, detail={"entries": [r.id for r in rows],
                                              "minutes": sum(r.minutes for r in rows)})
    return rows


def get_entry(actor: Any, entry_id: int) -> LedgerEntry:
    entry = get_or_404(LedgerEntry, entry_id, what="entry")
    require(actor, "can_view_practicum_ledger", entry.person_id)
    return entry


def get_trainee(actor: Any, person_id: int) -> Person:
    person = get_or_404(Person, person_id, what="coach")
    require(actor, "can_view_practicum_ledger", person_id)
    return person


def list_entries(actor: Any, person_id: int) -> list[LedgerEntry]:
    """The trainee's ledger, newest first."""
    require(actor, "can_view_practicum_ledger", person_id)
    return list(db.session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.person_id == person_id).order_by(LedgerEntry.starts_at.desc(),
                                                     LedgerEntry.id.desc())))


def review_entry(actor: Any, entry_id: int, *, decision: str, comment: str) -> LedgerEntry:
    """The supervisor verifies (the hours count) or queries (a comment is required) an entry."""
    entry = get_entry(actor, entry_id)
    require(actor, "can_verify_practicum_entry", entry)
    comment = (comment or "").strip()
    if decision not in ("verify", "query"):
        raise DomainError("Choose verify or query.", field_errors={"decision": [
            "Choose verify or query."]})
    if entry.status == domain.VERIFIED:
        raise DomainError("This entry is verified already.")
    if decision == "query" and not comment:
        raise DomainError("The entry was not queried.", field_errors={"comment": [
            "Say what needs checking, so the trainee can answer."]})
    if len(comment) > MAX_COMMENT:
        raise DomainError("The comment is too long.", field_errors={"comment": [
            f"At most {MAX_COMMENT} characters."]})
    entry.status = domain.VERIFIED if decision == "verify" else domain.QUERIED
    entry.review_comment = comment
    entry.reviewed_by_id = actor.id
    entry.reviewed_at = utcnow()
    db.session.flush()
    audit.record(f"practicum.entry_{'verified' if decision == 'verify' else 'queried'}",
                 actor=actor, object_type="practicum_entry", object_id=entry.id,
                 detail={"person_id": entry.person_id})
    return entry


def correct_entry(actor: Any, entry_id: int, draft: EntryDraft, *, reply: str) -> LedgerEntry:
    """The trainee answers a query (or fixes a pending entry); it goes back to pending."""
    entry = get_entry(actor, entry_id)
    require(actor, "can_correct_practicum_entry", entry)
    reply = (reply or "").strip()
    facts, pre = _facts(draft, entry_id=entry.id)
    errors = _rule_errors(facts, pre, now=utcnow(), others=_stored_facts(entry.person_id),
                          enrolment=get_enrolment(entry.person_id), zone=draft.zone)
    if entry.status == domain.QUERIED and not reply:
        errors["reply"] = "Answer the supervisor's question."
    if len(reply) > MAX_COMMENT:
        errors["reply"] = f"At most {MAX_COMMENT} characters."
    if errors:
        raise DomainError("The entry was not changed.",
                          field_errors={k: [v] for k, v in errors.items()})
    _apply(entry, facts)
    entry.trainee_reply = reply
    entry.status = domain.PENDING
    db.session.flush()
    audit.record("practicum.entry_corrected", actor=actor, object_type="practicum_entry",
                 object_id=entry.id)
    return entry


# --- verified hours ------------------------------------------------------------------------------


def totals_by_person(person_ids: list[int]) -> dict[int, tuple[domain.Totals, int]]:
    """Verified totals and the number of entries waiting for verification, per person, in two
    aggregate queries. `domain.totals` stays the rule: it gets one fact per (kind, status,
    pro bono) sum and a zero-minute fact per distinct verified coachee."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    facts: dict[int, list[domain.EntryFacts]] = {i: [] for i in person_ids}
    waiting: dict[int, int] = dict.fromkeys(person_ids, 0)
    if person_ids:
        for pid, kind, status, pro_bono, minutes, count in db.session.execute(
                sa.select(LedgerEntry.person_id, LedgerEntry.kind, LedgerEntry.status,
                          LedgerEntry.pro_bono, sa.func.sum(LedgerEntry.minutes), sa.func.count())
                .where(LedgerEntry.person_id.in_(person_ids))
                .group_by(LedgerEntry.person_id, LedgerEntry.kind, LedgerEntry.status,
                          LedgerEntry.pro_bono)):
            facts[pid].append(domain.EntryFacts(kind=kind, starts_at=epoch, minutes=int(minutes),
                                                status=status, pro_bono=bool(pro_bono)))
            if status == domain.PENDING:
                waiting[pid] += int(count)
        for pid, coachee in db.session.execute(
                sa.select(LedgerEntry.person_id, LedgerEntry.coachee_pseudonym).distinct()
                .where(LedgerEntry.person_id.in_(person_ids), LedgerEntry.kind == domain.COACHED,
                       LedgerEntry.status == domain.VERIFIED,
                       LedgerEntry.coachee_pseudonym.is_not(None))):
            facts[pid].append(domain.EntryFacts(kind=domain.COACHED, starts_at=epoch, minutes=0,
                                                status=domain.VERIFIED, coachee=coachee))
    return {pid: (domain.totals(facts[pid]), waiting[pid]) for pid in person_ids}


def hours_summary(person_id: int, *, since: date | None = None) -> HoursSummary:
    """Verified hours of this coach, from `since` (a recertification cycle) when given."""
    entries = db.session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.person_id == person_id))
    totals = domain.totals((e.facts() for e in entries), since=since)
    enrolment = get_enrolment(person_id)
    return summary_of(totals, enrolment.program.targets if enrolment else domain.DEFAULT_TARGETS)


def summary_of(totals: domain.Totals, targets: domain.Targets) -> HoursSummary:
    return HoursSummary(
        coached_hours=totals.coached_hours, lab_hours=totals.lab_hours,
        development_hours=totals.development_hours, unique_coachees=totals.unique_coachees,
        coached_target_met=domain.coached_target_met(totals, targets),
        lab_target_met=domain.lab_target_met(totals, targets))


@dataclass(frozen=True)
class VerifyItem:
    entry: LedgerEntry
    url: str
    id: int = field(init=False)
    person: Person = field(init=False)
    kind: str = field(init=False)
    kind_label: str = field(init=False)
    date: date = field(init=False)
    starts_at: datetime = field(init=False)
    minutes: int = field(init=False)
    duration: str = field(init=False)
    status: str = field(init=False)

    def __post_init__(self) -> None:
        e = self.entry
        for name, value in (("id", e.id), ("person", e.person), ("kind", e.kind),
                            ("kind_label", e.kind_label), ("date", e.day),
                            ("starts_at", e.starts_at), ("minutes", e.minutes),
                            ("duration", e.duration), ("status", e.status)):
            object.__setattr__(self, name, value)

    def __str__(self) -> str:
        return f"{self.kind_label} · {self.person.name} · {self.date.isoformat()} · " \
               f"{self.duration}"


def entries_to_verify(actor: Any) -> list[VerifyItem]:
    """Ledger entries awaiting this supervisor's verification, oldest first. Set-based twin
    of `can_verify_practicum_entry`: their trainees bar their own reporting line (in SQL,
    `supervised_person_ids`), never their own entries, no query per row."""
    if not can(actor, "can_list_practicum_trainees") or getattr(actor, "id", None) is None:
        return []

    trainees = supervised_person_ids(actor)
    own = getattr(actor, "person_id", None)
    rows = db.session.scalars(
        sa.select(LedgerEntry).options(joinedload(LedgerEntry.person))
        .where(LedgerEntry.person_id.in_(trainees), LedgerEntry.status == domain.PENDING,
               *([LedgerEntry.person_id != own] if own is not None else []))
        .order_by(LedgerEntry.starts_at, LedgerEntry.id))
    return [VerifyItem(e, url_for("practicum.view_entry", entry_id=e.id)) for e in rows]
