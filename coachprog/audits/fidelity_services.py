"""Fidelity signal services: per-session signals from transcripts, drift per coach.

Contract used by other domains (keep these names and shapes):
- `drifting_coach_ids()` — person ids of coaches with an open drift flag; quarterly audit
  sampling gives them priority weight.

Signals are computed lazily and cached (`FidelitySignal`, keyed by transcript, with a
fingerprint of the segments): `refresh_coach` recomputes what changed — a newly completed
transcript, a corrected segment text or speaker label, a new term list — and opens drift flags
for new runs below the configured line. It runs when a coach's page is viewed, from
`flask --app wsgi fidelity refresh`, and before `drifting_coach_ids()` answers. Only
transcripts whose coachee consented to supervisor review count (the signals exist for
supervision); those of withdrawn consents are left out (the purge is removing them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from coachprog.audits import fidelity
from coachprog.audits.fidelity_models import FidelityDriftFlag, FidelitySignal
from coachprog.auth.permissions import SystemActor, require
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.jobs.batch import ItemFailure, one_item

TERMS_PATH = (Path(__file__).resolve().parent.parent.parent / "rubrics" / "fidelity"
              / "terms.yaml")

DEFAULT_SIGNAL = "listening_ratio"
DEFAULT_LINE = 0.65
DEFAULT_RUN = 2


@lru_cache(maxsize=4)
def _load_terms_cached(path: str, mtime: float) -> fidelity.Terms:
    import yaml

    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return fidelity.terms_from_mapping(data or {})


def load_terms(path: Path | None = None) -> fidelity.Terms:
    """The maintained term lists (rubrics/fidelity/terms.yaml), re-read when the file changes."""
    target = path or TERMS_PATH
    return _load_terms_cached(str(target), target.stat().st_mtime)


@dataclass(frozen=True)
class DriftSettings:
    signal: str
    line: float
    run_length: int


def drift_settings() -> DriftSettings:
    """FIDELITY_SIGNAL (one of fidelity.SIGNALS), FIDELITY_DRIFT_LINE (a share in [0, 1]; a
    session below it counts towards drift) and FIDELITY_DRIFT_RUN (sessions in a row)."""
    config = current_app.config
    signal = str(config.get("FIDELITY_SIGNAL", DEFAULT_SIGNAL))
    if signal not in fidelity.SIGNALS:
        raise DomainError(f"FIDELITY_SIGNAL must be one of {', '.join(fidelity.SIGNALS)}")
    line = float(config.get("FIDELITY_DRIFT_LINE", DEFAULT_LINE))
    if not 0.0 <= line <= 1.0:
        raise DomainError("FIDELITY_DRIFT_LINE must be between 0 and 1")
    run_length = int(config.get("FIDELITY_DRIFT_RUN", DEFAULT_RUN))
    if run_length < 1:
        raise DomainError("FIDELITY_DRIFT_RUN must be at least 1")
    return DriftSettings(signal, line, run_length)


def turns_of(transcript: Any) -> list[fidelity.Turn]:
    """A stored transcript as turns: segments in order, with their speaker labels and times."""
    return [fidelity.Turn(seg.speaker or "unknown", seg.text or "", seg.start_seconds,
                          seg.end_seconds)
            for seg in sorted(transcript.segments, key=lambda s: s.position)]


def _fingerprint(turns: list[fidelity.Turn], terms: fidelity.Terms) -> str:
    digest = hashlib.sha256(f"terms:{fidelity.terms_digest(terms)}\n".encode())
    for t in turns:
        digest.update(f"{t.speaker}\x1f{t.start}\x1f{t.end}\x1f{t.text}\x1e".encode())
    return digest.hexdigest()


def _transcripts_of_coach(coach_person_id: int) -> list[Any]:
    from coachprog.coaching.models import Engagement
    from coachprog.recordings.models import (
        CoacheeConsent,
        CoachingSession,
        Recording,
        Transcript,
    )

    return list(db.session.scalars(
        sa.select(Transcript)
        .join(Recording, Transcript.recording_id == Recording.id)
        .join(CoachingSession, Recording.session_id == CoachingSession.id)
        .join(Engagement, CoachingSession.engagement_id == Engagement.id)
        .join(CoacheeConsent, Recording.consent_id == CoacheeConsent.id)
        .where(Engagement.coach_person_id == coach_person_id,
               CoacheeConsent.withdrawn_at.is_(None),
               CoacheeConsent.scope_supervisor_review.is_(True))
        .options(selectinload(Transcript.segments),
                 selectinload(Transcript.recording).selectinload(Recording.session))))


def _store(row: FidelitySignal | None, transcript: Any, coach_person_id: int,
           fingerprint: str, s: fidelity.SessionSignals) -> FidelitySignal:
    if row is None:
        row = FidelitySignal(transcript_id=transcript.id)
        db.session.add(row)
    session = transcript.recording.session
    row.session_id = session.id
    row.coach_person_id = coach_person_id
    row.session_date = session.session_date
    row.fingerprint = fingerprint
    row.coach_turns, row.questions, row.advice = s.coach_turns, s.questions, s.advice
    row.reflections, row.other = s.reflections, s.other
    row.question_share, row.question_ratio = s.question_share, s.question_ratio
    row.reflection_share, row.listening_ratio = s.reflection_share, s.listening_ratio
    row.talk_share, row.talk_basis = s.talk_share, s.talk_basis
    row.computed_at = utcnow()
    return row


def refresh_coach(coach_person_id: int) -> list[FidelitySignal]:
    """Bring the coach's cached signals up to date and open flags for new drift runs; flushes.
    Returns the signals in session date order."""
    terms = load_terms()
    transcripts = _transcripts_of_coach(coach_person_id)
    existing = {row.transcript_id: row for row in db.session.scalars(
        sa.select(FidelitySignal).where(FidelitySignal.coach_person_id == coach_person_id))}
    keep: set[int] = set()
    for transcript in transcripts:
        turns = turns_of(transcript)
        fingerprint = _fingerprint(turns, terms)
        row = existing.get(transcript.id)
        keep.add(transcript.id)
        if row is not None and row.fingerprint == fingerprint:
            continue
        _store(row, transcript, coach_person_id, fingerprint,
               fidelity.session_signals(turns, terms))
    for transcript_id, row in existing.items():
        if transcript_id not in keep:  # consent withdrawn or narrowed: its signals go too
            db.session.delete(row)
    db.session.flush()
    rows = ordered_signals(coach_person_id)
    _open_flags(coach_person_id, rows)
    return rows


def ordered_signals(coach_person_id: int) -> list[FidelitySignal]:
    return list(db.session.scalars(
        sa.select(FidelitySignal).where(FidelitySignal.coach_person_id == coach_person_id)
        .order_by(FidelitySignal.session_date, FidelitySignal.session_id,
                  FidelitySignal.transcript_id)))


def _open_flags(coach_person_id: int, rows: list[FidelitySignal]) -> None:
    settings = drift_settings()
    points = [fidelity.SignalPoint(r.session_id, getattr(r, settings.signal)) for r in rows]
    by_session = {r.session_id: getattr(r, settings.signal) for r in rows}
    known = set(db.session.scalars(sa.select(FidelityDriftFlag.trigger_session_id).where(
        FidelityDriftFlag.coach_person_id == coach_person_id,
        FidelityDriftFlag.signal == settings.signal)))
    for run in fidelity.drift_runs(points, line=settings.line, run_length=settings.run_length):
        if run.trigger_session_id in known:
            continue
        db.session.add(FidelityDriftFlag(
            coach_person_id=coach_person_id, signal=settings.signal, line=settings.line,
            trigger_session_id=run.trigger_session_id, session_ids=list(run.session_ids),
            run_values=[by_session[s] for s in run.session_ids], status="open"))
        known.add(run.trigger_session_id)
    db.session.flush()


def _coaches_with_transcripts() -> list[int]:
    from coachprog.coaching.models import Engagement
    from coachprog.recordings.models import CoachingSession, Recording, Transcript

    return list(db.session.scalars(
        sa.select(Engagement.coach_person_id).distinct()
        .join(CoachingSession, CoachingSession.engagement_id == Engagement.id)
        .join(Recording, Recording.session_id == CoachingSession.id)
        .join(Transcript, Transcript.recording_id == Recording.id)))


def refresh_all(failures: list[ItemFailure] | None = None) -> int:
    """Refresh every coach with a transcript or a cached signal; returns how many coaches.
    Each coach on their own (coachprog.jobs.batch): one whose refresh fails is rolled back,
    logged, audited and added to `failures`, and the others go ahead."""
    ids = set(_coaches_with_transcripts()) | set(db.session.scalars(
        sa.select(FidelitySignal.coach_person_id).distinct()))
    failed = failures if failures is not None else []
    for coach_id in sorted(ids):
        with one_item(failed, batch="fidelity.refresh", object_type="person",
                      object_id=coach_id, actor=SystemActor("fidelity refresh")):
            refresh_coach(coach_id)
    return len(ids)


def drifting_coach_ids() -> set[int]:
    """Coaches with an open drift flag (after bringing the signals up to date)."""
    refresh_all()
    return set(db.session.scalars(sa.select(FidelityDriftFlag.coach_person_id).distinct()
                                  .where(FidelityDriftFlag.status == "open")))


# --- pages --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoachSummary:
    person_id: int
    name: str
    relation: str
    sessions: int
    open_flags: int


def visible_coaches(actor: Any) -> list[CoachSummary]:
    """The coaches whose signals the actor may see: themselves (if a coach) and supervisees."""
    from coachprog.audits.fidelity_permissions import fidelity_relation
    from coachprog.people.models import Person
    from coachprog.recordings.permissions import supervised_person_ids

    require(actor, "can_view_fidelity_signals")
    ids = set(db.session.scalars(supervised_person_ids(actor)))
    if getattr(actor, "person_id", None) is not None:
        ids.add(actor.person_id)
    result = []
    for person in db.session.scalars(sa.select(Person).where(Person.id.in_(ids))
                                      .order_by(Person.name)):
        relation = fidelity_relation(actor, person)
        if relation is None:
            continue
        sessions = db.session.scalar(sa.select(sa.func.count(FidelitySignal.id)).where(
            FidelitySignal.coach_person_id == person.id)) or 0
        flags = db.session.scalar(sa.select(sa.func.count(FidelityDriftFlag.id)).where(
            FidelityDriftFlag.coach_person_id == person.id,
            FidelityDriftFlag.status == "open")) or 0
        result.append(CoachSummary(person.id, person.name, relation, sessions, flags))
    return result


@dataclass(frozen=True)
class CoachFidelity:
    coach: Any
    settings: DriftSettings
    signals: list[FidelitySignal]
    flags: list[FidelityDriftFlag]
    chart: fidelity.Sparkline | None
    relation: str
    flagged_session_ids: frozenset[int]


def coach_fidelity(actor: Any, coach_person_id: int) -> CoachFidelity:
    """The coach's signals over time and drift flags (refreshed first); the view is audited,
    as it describes how the coach works from their sessions' transcripts."""
    from coachprog.audits.fidelity_permissions import fidelity_relation
    from coachprog.people.models import Person

    coach = db.session.get(Person, coach_person_id)
    if coach is None:
        raise NotFound("coach")
    require(actor, "can_view_fidelity_signals", coach)
    rows = refresh_coach(coach.id)
    settings = drift_settings()
    flags = list(db.session.scalars(
        sa.select(FidelityDriftFlag).where(FidelityDriftFlag.coach_person_id == coach.id)
        .order_by(FidelityDriftFlag.status, FidelityDriftFlag.opened_at.desc(),
                  FidelityDriftFlag.id.desc())))
    flagged = frozenset(s for f in flags if f.status == "open" for s in f.session_ids)
    values = [(r.session_date, getattr(r, settings.signal), r.session_id in flagged)
              for r in rows]
    chart = fidelity.sparkline(values, line=settings.line) if rows else None
    audit.record("fidelity.signals_viewed", actor=actor, object_type="person",
                 object_id=coach.id, detail={"sessions": len(rows)})
    return CoachFidelity(coach, settings, rows, flags, chart,
                         fidelity_relation(actor, coach) or "", flagged)


def resolve_flag(actor: Any, flag_id: int, *, note: str) -> FidelityDriftFlag:
    flag = db.session.get(FidelityDriftFlag, flag_id)
    if flag is None:
        raise NotFound("drift flag")
    require(actor, "can_resolve_fidelity_flag", flag)
    if flag.status != "open":
        raise DomainError("This flag is already resolved.")
    note = (note or "").strip()
    if not note:
        raise DomainError("Write a note: what was discussed and what happens next.")
    flag.status = "resolved"
    flag.resolved_at = utcnow()
    flag.resolved_by_id = actor.id
    flag.resolution_note = note
    audit.record("fidelity.flag_resolved", actor=actor, object_type="fidelity_drift_flag",
                 object_id=flag.id, detail={"coach_person_id": flag.coach_person_id})
    db.session.flush()
    return flag



def attention_panel(user: Any) -> Any:
    """Home page: open drift flags the user can see (their own, or their supervisees'), as
    prompts for a conversation. Reads the stored flags only (no recomputation)."""
    from coachprog.auth.permissions import can
    from coachprog.home.services import Item, Panel
    from coachprog.people.models import Person
    from coachprog.recordings.permissions import supervised_person_ids

    if not can(user, "can_view_fidelity_signals"):
        return None
    ids = set(db.session.scalars(supervised_person_ids(user)))
    if getattr(user, "person_id", None) is not None:
        ids.add(user.person_id)
    rows = db.session.execute(
        sa.select(Person, sa.func.count(FidelityDriftFlag.id))
        .join(FidelityDriftFlag, FidelityDriftFlag.coach_person_id == Person.id)
        .where(Person.id.in_(ids), FidelityDriftFlag.status == "open")
        .group_by(Person.id).order_by(Person.name)).all()
    items = []
    for person, count in rows:
        if not can(user, "can_view_fidelity_signals", person):
            continue
        whose = "your sessions" if person.id == getattr(user, "person_id", None) else person.name
        items.append(Item(f"Fidelity drift flag for {whose}: a prompt to review together",
                          f"/fidelity/coaches/{person.id}", count=count, level="warn"))
    if not items:
        return None
    return Panel(title="Fidelity signals (prompts for review)", items=items)
