"""Privacy-incident and adverse-effect use cases: record, list, close; counts for the
scorecard. Services flush; the caller commits. Audit entries carry kind and severity only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from coachprog.authority import require
from coachprog.db import fetch_page, get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.safeguarding.incidents import domain
from coachprog.safeguarding.incidents.models import Incident

PER_PAGE = 25


def record_incident(actor: Any, entry: domain.IncidentInput) -> Incident:
    require(actor, "can_record_incident")
    problems = domain.record_problems(entry, utcnow().date())
    if problems or entry.occurred_on is None:
        raise DomainError("Nothing was recorded: see the notes next to the fields.",
                          field_errors=problems)
    row = Incident(kind=entry.kind, severity=entry.severity, title=entry.title.strip(),
                   description=entry.description.strip(), occurred_on=entry.occurred_on,
                   follow_up=entry.follow_up.strip(), follow_up_due=entry.follow_up_due,
                   status="open", recorded_by_id=getattr(actor, "id", None),
                   recorded_at=utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record("incident.recorded", actor=actor, object_type="incident", object_id=row.id,
                 detail={"kind": row.kind, "severity": row.severity})
    return row


@dataclass(frozen=True)
class IncidentList:
    rows: list[Incident]
    overdue: frozenset[int]
    total: int
    page: int
    kind: str


def list_incidents(actor: Any, *, page: int = 1, kind: str = "") -> IncidentList:
    require(actor, "can_manage_incidents")
    query = sa.select(Incident)
    if kind in {k.value for k in domain.IncidentKind}:
        query = query.where(Incident.kind == kind)
    else:
        kind = ""
    rows, total = fetch_page(query.order_by(Incident.recorded_at.desc(), Incident.id.desc()),
                             page=page, per_page=PER_PAGE)
    today = utcnow().date()
    return IncidentList(rows, frozenset(r.id for r in rows if domain.is_overdue(
        r.status, r.follow_up_due, today)), total, page, kind)


def get_incident(actor: Any, incident_id: int) -> Incident:
    require(actor, "can_manage_incidents")
    return get_or_404(Incident, incident_id, what="incident")


def close_incident(actor: Any, incident_id: int, *, note: str) -> Incident:
    row = get_incident(actor, incident_id)
    problems = domain.close_problems(row.status, note)
    if problems:
        whole = problems.pop("", [])
        raise DomainError(" ".join(whole) or "The record was not closed: see the note field.",
                          field_errors=problems)
    row.status, row.closure_note = "closed", note.strip()
    row.closed_at, row.closed_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    audit.record("incident.closed", actor=actor, object_type="incident", object_id=row.id,
                 detail={"kind": row.kind, "severity": row.severity})
    return row


def _count(kind: domain.IncidentKind, start: date, end: date) -> dict[str, int]:
    """Records of the kind that happened in [start, end), by severity, with the total and how
    many are still open (one grouped query)."""
    rows = db.session.execute(
        sa.select(Incident.severity, Incident.status, sa.func.count(Incident.id))
        .where(Incident.kind == kind.value, Incident.occurred_on >= start,
               Incident.occurred_on < end)
        .group_by(Incident.severity, Incident.status)).all()
    counts = dict.fromkeys((s.value for s in domain.Severity), 0)
    counts |= {"total": 0, "open": 0}
    for severity, status, n in rows:
        counts[severity] = counts.get(severity, 0) + n
        counts["total"] += n
        if status != "closed":
            counts["open"] += n
    return counts


def count_privacy_incidents(start: date, end: date) -> dict[str, int]:
    """Scorecard source: privacy incidents in [start, end) — total, open, and per severity."""
    return _count(domain.IncidentKind.PRIVACY, start, end)


def count_adverse_effects(start: date, end: date) -> dict[str, int]:
    """Scorecard source: adverse effects in [start, end) — total, open, and per severity."""
    return _count(domain.IncidentKind.ADVERSE_EFFECT, start, end)
