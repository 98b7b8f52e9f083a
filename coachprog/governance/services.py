"""Audit log: the record of who did what, written by services in the same transaction as the
change it records, and never edited or deleted afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from coachprog.authority import SystemActor, require
from coachprog.db import fetch_page
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry


@dataclass(frozen=True)
class Origin:
    """Where the current unit of work comes from; set by the interface, read by `record`."""

    ip: str | None = None
    via: str = "system"


_origin: ContextVar[Origin] = ContextVar("audit_origin", default=Origin())  # noqa: B039 - frozen


def set_origin(origin: Origin) -> None:
    _origin.set(origin)


def current_origin() -> Origin:
    return _origin.get()


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if actor is None:
        return None, "anonymous"
    if isinstance(actor, SystemActor):
        return None, f"system:{actor.label}"
    return actor.id, actor.email


def record(
    action: str,
    *,
    actor: Any,
    object_type: str,
    object_id: int | str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (flushed with the change it records)."""
    actor_id, actor_label = _actor_fields(actor)
    origin = current_origin()
    entry = AuditEntry(
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip=origin.ip,
        detail={"via": origin.via, **(detail or {})},
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def _audit_query(filters: AuditFilter) -> sa.Select[Any]:
    query = sa.select(AuditEntry)
    if filters.action:
        query = query.where(AuditEntry.action.istartswith(filters.action, autoescape=True))
    if filters.actor:
        query = query.where(AuditEntry.actor_label.icontains(filters.actor, autoescape=True))
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.since:
        query = query.where(AuditEntry.occurred_at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.occurred_at < filters.until)
    return query


def list_audit_entries(
    actor: Any, filters: AuditFilter, *, page: int, per_page: int
) -> tuple[Sequence[AuditEntry], int]:
    """One page of entries, newest first, and the total count that matched."""
    require(actor, "can_view_audit_log")
    query = _audit_query(filters)
    return fetch_page(query.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc()),
                      page=page, per_page=per_page)


def record_audit_export(actor: Any, filters: AuditFilter) -> None:
    """Reading the log out of the app is itself recorded (the caller commits first)."""
    require(actor, "can_view_audit_log")
    record("audit_log.exported", actor=actor, object_type="audit_log",
           detail={key: value.isoformat() if isinstance(value, datetime) else value
                   for key, value in asdict(filters).items() if value})


def iter_audit_entries(filters: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching entry, oldest first, read in batches (for the CSV download)."""
    yield from db.session.scalars(
        _audit_query(filters).order_by(AuditEntry.occurred_at, AuditEntry.id)
        .execution_options(yield_per=1000))


def list_audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).distinct().order_by("action")))


class AuditLogIsAppendOnly(RuntimeError):  # noqa: N818
    pass


# The one sanctioned change to the log: a person's erasure replaces their name, e-mail and
# employee id in the entries' labels and details by their pseudonym (issue 24). Entries are
# never deleted and nothing else of them changes; see `erasure_rewrite`.
_erasure_rewrite: ContextVar[bool] = ContextVar("audit_erasure_rewrite", default=False)


@contextmanager
def erasure_rewrite() -> Iterator[None]:
    """Inside this block UPDATE statements on the audit log's `actor_label`, `detail` and `ip`
    are allowed (DELETE never is). Only `coachprog/governance/personal_data.py` opens it, to
    re-label the entries of an erased person under their pseudonym."""
    token = _erasure_rewrite.set(True)
    try:
        yield
    finally:
        _erasure_rewrite.reset(token)


ERASURE_COLUMNS = frozenset({"actor_label", "detail", "ip"})


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


def _targets_audit_log(state: ORMExecuteState) -> bool:
    if any(mapper.class_ is AuditEntry for mapper in state.all_mappers):
        return True
    # A Core statement on the table itself (no mapper) is the same change.
    target = getattr(state.statement, "table", None)
    return getattr(target, "name", None) == AuditEntry.__tablename__


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete) or not _targets_audit_log(state):
        return
    if state.is_update and _erasure_rewrite.get():
        changed = {getattr(key, "key", key) for key in
                   getattr(state.statement, "_values", None) or {}}
        if changed and changed <= ERASURE_COLUMNS:
            return
    raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")
