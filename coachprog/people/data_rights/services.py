"""A person's data: export everything held about them, and erase them (two admins decide).

Every domain contributes through the registry in `coachprog/personal_data.py`. An erasure:
1. runs every registered section's erase (authored text cleared, recordings and transcripts
   about them purged through the recordings purge paths, files deleted, their own rows
   pseudonymised; the audit log re-labelled through its one sanctioned path);
2. replaces any copy of their name, e-mail or employee id left in any other text or JSON column
   by the pseudonym (denormalised labels, e-mails, job payloads);
3. leaves a salted-hash tombstone of the employee id, so an HRIS import stops in words;
4. records one audit entry with counts and the pseudonym, never the identifiers.
After the caller commits, `compact_database()` makes SQLite forget the old bytes (its WAL is
checkpointed and truncated; `secure_delete` is on for every connection, see create_app).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from coachprog.auth.models import User
from coachprog.authority import SystemActor, require
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.data_rights.domain import (
    RequestStatus,
    approval_problem,
    cancel_problem,
    matches_tombstone,
    pseudonym_for,
    reason_problem,
    tombstone_digest,
)
from coachprog.people.data_rights.models import ErasureRequest, ErasureTombstone
from coachprog.people.models import Person
from coachprog.personal_data import (
    ErasureContext,
    Pseudonym,
    Subject,
    registered_sections,
    replace_identifiers,
)

EXPORT_FORMAT = "coachprog personal data export, version 1"
# Pseudonymised by their own sections (other rows must keep their names even if they match)
# or re-labelled through their own sanctioned path (the audit log).
SWEEP_SKIP = frozenset({"people", "users", "audit_entries", "erasure_tombstones"})


# --- who -----------------------------------------------------------------------------------------


def subject_for_person(person: Person) -> Subject:
    users = db.session.scalars(sa.select(User).where(User.person_id == person.id)
                               .order_by(User.id)).all()
    return Subject(
        person_id=person.id, user_ids=tuple(u.id for u in users),
        employee_id=person.employee_id, name=person.name,
        emails=tuple(dict.fromkeys([person.email, *(u.email for u in users)])),
        display_names=tuple(dict.fromkeys(u.display_name for u in users)))


def subject_for_user(user: Any) -> Subject:
    """The signed-in user's own subject: their directory person when they have one."""
    if user.person_id is not None:
        person = db.session.get(Person, user.person_id)
        if person is not None:
            return subject_for_person(person)
    return Subject(person_id=None, user_ids=(user.id,), name=None, emails=(user.email,),
                   display_names=(user.display_name,))


def get_person_by_employee_id(employee_id: str) -> Person:
    person = db.session.scalar(sa.select(Person).where(Person.employee_id == employee_id.strip()))
    if person is None:
        raise NotFound("person")
    return person


# --- export --------------------------------------------------------------------------------------


def build_export(subject: Subject) -> dict[str, Any]:
    """Everything the registered sections hold about the subject, as plain JSON-ready data."""
    return {
        "format": EXPORT_FORMAT,
        "generated_at": utcnow().isoformat(),
        "subject": {"person_id": subject.person_id, "user_ids": list(subject.user_ids),
                    "employee_id": subject.employee_id, "name": subject.name,
                    "emails": list(subject.emails)},
        "sections": {section.name: {"title": section.title, "data": section.export(subject)}
                     for section in registered_sections()},
    }


def _record_export(actor: Any, subject: Subject, *, via: str) -> None:
    # Counts only: the export itself is the person's data, the log says that it happened.
    audit.record("personal_data.exported", actor=actor, object_type="person",
                 object_id=subject.person_id,
                 detail={"format": via, "user_ids": list(subject.user_ids)})


def export_own_data(actor: Any, *, fmt: str = "json") -> dict[str, Any]:
    require(actor, "can_download_own_data")
    subject = subject_for_user(actor)
    _record_export(actor, subject, via=fmt)
    return build_export(subject)


def export_person_data(actor: Any, employee_id: str, *, fmt: str = "json") -> dict[str, Any]:
    require(actor, "can_export_person_data")
    subject = subject_for_person(get_person_by_employee_id(employee_id))
    _record_export(actor, subject, via=fmt)
    return build_export(subject)


# --- erasure requests ----------------------------------------------------------------------------


def is_erased(person: Person) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ErasureRequest).where(
        ErasureRequest.person_id == person.id,
        ErasureRequest.status == RequestStatus.ERASED)) != 0


def request_erasure(actor: Any, employee_id: str, reason: str) -> ErasureRequest:
    require(actor, "can_request_erasure")
    problem = reason_problem(reason)
    if problem:
        raise DomainError(problem, field_errors={"reason": [problem]})
    try:
        person = get_person_by_employee_id(employee_id)
    except NotFound:
        message = "No person has that employee id."
        raise DomainError(message, field_errors={"employee_id": [message]}) from None
    if is_erased(person):
        raise DomainError("This person has already been erased.")
    pending = db.session.scalar(sa.select(ErasureRequest.id).where(
        ErasureRequest.person_id == person.id, ErasureRequest.status == RequestStatus.PENDING))
    if pending is not None:
        raise DomainError("An erasure of this person is already waiting for approval.")
    request = ErasureRequest(person_id=person.id, reason=reason.strip(),
                             status=RequestStatus.PENDING,
                             requested_by_id=getattr(actor, "id", None))
    db.session.add(request)
    db.session.flush()
    audit.record("erasure.requested", actor=actor, object_type="erasure_request",
                 object_id=request.id, detail={"person_id": person.id})
    return request


def get_request(actor: Any, request_id: int) -> ErasureRequest:
    require(actor, "can_view_erasure_requests")
    return get_or_404(ErasureRequest, request_id, what="erasure request")


def list_requests(actor: Any, *, page: int, per_page: int) -> tuple[Sequence[ErasureRequest], int]:
    require(actor, "can_view_erasure_requests")
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ErasureRequest)) or 0
    rows = db.session.scalars(
        sa.select(ErasureRequest).options(sa.orm.joinedload(ErasureRequest.person))
        .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total


def approval_refusal(actor: Any, request: ErasureRequest) -> str | None:
    return approval_problem(status=request.status, requested_by_id=request.requested_by_id,
                            approver_id=getattr(actor, "id", None))


def approve_erasure(actor: Any, request_id: int) -> ErasureRequest:
    """The second admin's approval carries the erasure out (the caller commits, then calls
    `compact_database`)."""
    request = get_request(actor, request_id)
    require(actor, "can_approve_erasure", request)
    problem = approval_refusal(actor, request)
    if problem:
        raise DomainError(problem)
    _erase(actor, request)
    return request


def cancel_erasure(actor: Any, request_id: int) -> ErasureRequest:
    request = get_request(actor, request_id)
    require(actor, "can_request_erasure")
    problem = cancel_problem(status=request.status)
    if problem:
        raise DomainError(problem)
    request.status = RequestStatus.CANCELLED
    request.decided_by_id = getattr(actor, "id", None)
    request.decided_at = utcnow()
    audit.record("erasure.cancelled", actor=actor, object_type="erasure_request",
                 object_id=request.id)
    return request


def erase_now(actor: SystemActor, employee_id: str, reason: str) -> ErasureRequest:
    """The operator's `people erase`: the shell is its own authority (no second person), but
    the request row and the audit entries are written the same way."""
    require(actor, "can_request_erasure")
    request = request_erasure(actor, employee_id, reason)
    _erase(actor, request)
    return request


def _erase(actor: Any, request: ErasureRequest) -> None:
    person = request.person
    subject = subject_for_person(person)
    alias = pseudonym_for(secrets.token_hex(4))
    ctx = ErasureContext(subject, Pseudonym(alias.name, alias.email, alias.employee_id), actor,
                         reason=request.reason)
    _leave_tombstone(person.employee_id)
    for section in registered_sections():
        section.erase(ctx)
    db.session.flush()
    for table in db.metadata.sorted_tables:
        if table.name not in SWEEP_SKIP:
            replace_identifiers(ctx, table.name)
    request.status = RequestStatus.ERASED
    request.decided_by_id = getattr(actor, "id", None)
    request.decided_at = utcnow()
    request.summary = dict(sorted(ctx.counts.items()))
    db.session.flush()
    db.session.expire_all()
    audit.record("person.erased", actor=actor, object_type="person", object_id=person.id,
                 detail={"request_id": request.id, "pseudonym": alias.name,
                         "removed": request.summary})


def _leave_tombstone(employee_id: str) -> None:
    salt = secrets.token_bytes(16)
    db.session.add(ErasureTombstone(salt=salt.hex(), digest=tombstone_digest(salt, employee_id)))


def erased_employee_ids(employee_ids: Iterable[str]) -> dict[str, datetime]:
    """{employee id: erased at} for the ids that match a tombstone (one query; a hash per id
    and tombstone, which is cheap while erasures are few)."""
    stones = db.session.execute(sa.select(ErasureTombstone.salt, ErasureTombstone.digest,
                                          ErasureTombstone.erased_at)).all()
    if not stones:
        return {}
    found: dict[str, datetime] = {}
    for employee_id in employee_ids:
        for salt, digest, erased_at in stones:
            if matches_tombstone(bytes.fromhex(salt), digest, employee_id):
                found[employee_id] = erased_at
                break
    return found


def compact_database() -> dict[str, Any]:
    """After an erasure commits: on SQLite, copy the WAL into the database file and truncate it
    (with `secure_delete` on, freed space is already zeroed), so no old page with the erased
    identifiers stays in the WAL. PostgreSQL keeps dead row versions until VACUUM: the
    operator's step is in docs/deployment.md."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return {"database": engine.dialect.name, "checkpoint": "not applicable"}
    with engine.connect() as connection:
        busy, log_frames, moved = connection.exec_driver_sql(
            "PRAGMA wal_checkpoint(TRUNCATE)").one()
    return {"database": "sqlite", "busy": bool(busy), "wal_frames": log_frames,
            "checkpointed": moved, "at": datetime.now(UTC).isoformat()}
