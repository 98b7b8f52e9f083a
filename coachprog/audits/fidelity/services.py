"""Fidelity signal services: per-session signals from transcripts, drift per coach.

Contract used by other domains (keep these names and shapes):
- `drifting_coach_ids()` — person ids of coaches with an open drift flag; quarterly audit
  sampling gives them priority weight.

Signals are computed lazily and cached (`FidelitySignal`, keyed by transcript, with a
fingerprint of the segments): `refresh_coach` recomputes what changed — a newly completed
transcript, a corrected segment text or speaker label, a new term list — and opens drift flags
for new runs below the configured line. It runs when a coach's page is viewed, from
`flask --app wsgi fidelity refresh`, and before `drifting_coach_ids()` answers. A refresh is
set-based and incremental: a marker per signal (SQL aggregates of the segments and their
edits, the terms version) picks the transcripts to read again, so an unchanged organisation
costs one aggregate query and a second `fidelity refresh` recomputes nothing. Only
transcripts whose coachee consented to supervisor review count (the signals exist for
supervision); those of withdrawn consents are left out (the purge is removing them).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from coachprog.audits.fidelity import domain as fidelity
from coachprog.audits.fidelity.models import FidelityDriftFlag, FidelitySignal
from coachprog.audits.fidelity.permissions import fidelity_relation
from coachprog.authority import SystemActor, can, require
from coachprog.coaching.models import Engagement
from coachprog.coaching.supervisors import prefetch_supervisors, supervised_person_ids
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.jobs.batch import ItemFailure, one_item
from coachprog.panels import Item, Panel
from coachprog.people.models import Person
from coachprog.policy.domain import OptOutKind
from coachprog.policy.services import opted_out_ids
from coachprog.recordings.models import (
    CoacheeConsent,
    CoachingSession,
    Recording,
    SegmentEdit,
    Transcript,
    TranscriptSegment,
)

log = logging.getLogger(__name__)

TERMS_PATH = (Path(__file__).resolve().parents[3] / "rubrics" / "fidelity"
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


def _sources(coach_ids: Collection[int] | None) -> Any:
    """Every transcript whose signals count (supervisor-review consent, not withdrawn), with
    its coach, session and a few SQL aggregates of its segments and their review edits: the
    cheap change marker that decides which transcripts are read and fingerprinted again."""
    seg, edit = TranscriptSegment, SegmentEdit
    query = (
        sa.select(Transcript.id.label("transcript_id"),
                  Engagement.coach_person_id.label("coach_person_id"),
                  CoachingSession.id.label("session_id"),
                  CoachingSession.session_date.label("session_date"),
                  sa.func.count(sa.distinct(seg.id)).label("segments"),
                  sa.func.max(seg.id).label("top_segment"),
                  sa.func.sum(sa.func.length(seg.text)).label("text_length"),
                  sa.func.sum((seg.position + 1) * sa.func.length(seg.speaker)).label("speakers"),
                  sa.func.sum(seg.start_seconds + seg.end_seconds).label("times"),
                  sa.func.count(sa.distinct(edit.id)).label("edits"),
                  sa.func.max(edit.id).label("top_edit"))
        .join(Recording, Transcript.recording_id == Recording.id)
        .join(CoachingSession, Recording.session_id == CoachingSession.id)
        .join(Engagement, CoachingSession.engagement_id == Engagement.id)
        .join(CoacheeConsent, Recording.consent_id == CoacheeConsent.id)
        .outerjoin(seg, seg.transcript_id == Transcript.id)
        .outerjoin(edit, edit.segment_id == seg.id)
        .where(CoacheeConsent.withdrawn_at.is_(None),
               CoacheeConsent.scope_supervisor_review.is_(True),
               # Nobody who opted out of analytics (coach or coachee) feeds a signal; signals
               # already stored for them go at the next refresh, like a withdrawn consent's.
               Engagement.coach_person_id.not_in(opted_out_ids(OptOutKind.ANALYTICS)),
               Engagement.coachee_person_id.not_in(opted_out_ids(OptOutKind.ANALYTICS)))
        .group_by(Transcript.id, Engagement.coach_person_id, CoachingSession.id,
                  CoachingSession.session_date))
    if coach_ids is not None:
        query = query.where(Engagement.coach_person_id.in_(list(coach_ids)))
    return db.session.execute(query).all()


def _marker(terms_digest: str, source: Any) -> str:
    """What a stored signal was computed from, cheaply: when it is unchanged the transcript is
    not read again. (Sums of lengths and times rather than the text itself: SQL has no portable
    hash; a correction always changes the edits, and the fingerprint still decides.)"""
    times = source.times if source.times is None else round(float(source.times), 3)
    parts = (terms_digest, source.coach_person_id, source.session_id, source.session_date,
             source.segments, source.top_segment, source.text_length, source.speakers, times,
             source.edits, source.top_edit)
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _store(row: FidelitySignal | None, transcript_id: int, source: Any, fingerprint: str,
           marker: str, s: fidelity.SessionSignals) -> FidelitySignal:
    if row is None:
        row = FidelitySignal(transcript_id=transcript_id)
        db.session.add(row)
    row.session_id = source.session_id
    row.coach_person_id = source.coach_person_id
    row.session_date = source.session_date
    row.fingerprint = fingerprint
    row.source_marker = marker
    row.coach_turns, row.questions, row.advice = s.coach_turns, s.questions, s.advice
    row.reflections, row.other = s.reflections, s.other
    row.question_share, row.question_ratio = s.question_share, s.question_ratio
    row.reflection_share, row.listening_ratio = s.reflection_share, s.listening_ratio
    row.talk_share, row.talk_basis = s.talk_share, s.talk_basis
    row.computed_at = utcnow()
    return row


@dataclass(frozen=True)
class RefreshResult:
    coaches: int  # coaches with a transcript or a stored signal (in scope)
    checked: int  # transcripts read and fingerprinted again (their marker changed)
    recomputed: int  # sessions whose signals were computed again (their fingerprint changed)
    removed: int  # signals dropped (consent withdrawn or narrowed, transcript gone)


REFRESH_BATCH = 500


def _refresh(coach_ids: Collection[int] | None) -> RefreshResult:
    """Bring stored signals up to date for these coaches (None: everyone) and open flags for
    new drift runs; flushes. Set-based: one aggregate query finds the transcripts whose marker
    changed; only those are read (in batches) and fingerprinted, and only a changed
    fingerprint recomputes the signals."""
    terms = load_terms()
    digest = fidelity.terms_digest(terms)
    sources = {row.transcript_id: row for row in _sources(coach_ids)}
    stored_query = sa.select(FidelitySignal.transcript_id, FidelitySignal.coach_person_id,
                             FidelitySignal.source_marker)
    if coach_ids is not None:
        stored_query = stored_query.where(FidelitySignal.coach_person_id.in_(list(coach_ids)))
    stored = {tid: (coach, marker) for tid, coach, marker in db.session.execute(stored_query)}
    markers = {tid: _marker(digest, source) for tid, source in sources.items()}
    stale = sorted(tid for tid in sources if stored.get(tid, (None, None))[1] != markers[tid])
    recomputed = 0
    for i in range(0, len(stale), REFRESH_BATCH):
        batch = stale[i:i + REFRESH_BATCH]
        rows = {r.transcript_id: r for r in db.session.scalars(
            sa.select(FidelitySignal).where(FidelitySignal.transcript_id.in_(batch)))}
        transcripts = list(db.session.scalars(sa.select(Transcript).where(
            Transcript.id.in_(batch)).options(selectinload(Transcript.segments))))
        for transcript in transcripts:
            source = sources[transcript.id]
            turns = turns_of(transcript)
            fingerprint = _fingerprint(turns, terms)
            row = rows.get(transcript.id)
            if (row is not None and row.fingerprint == fingerprint
                    and row.session_id == source.session_id
                    and row.coach_person_id == source.coach_person_id
                    and row.session_date == source.session_date):
                row.source_marker = markers[transcript.id]  # same content: nothing to redo
                continue
            _store(row, transcript.id, source, fingerprint, markers[transcript.id],
                   fidelity.session_signals(turns, terms))
            recomputed += 1
        db.session.flush()
        for transcript in transcripts:  # keep memory flat over 25,000 transcripts
            db.session.expunge(transcript)
    gone = [tid for tid in stored if tid not in sources]
    for i in range(0, len(gone), REFRESH_BATCH):  # consent withdrawn or narrowed: signals go
        for row in db.session.scalars(sa.select(FidelitySignal).where(
                FidelitySignal.transcript_id.in_(gone[i:i + REFRESH_BATCH]))):
            db.session.delete(row)
    db.session.flush()
    in_scope = {s.coach_person_id for s in sources.values()} | {c for c, _ in stored.values()}
    _open_flags(in_scope)
    return RefreshResult(len(in_scope), len(stale), recomputed, len(gone))


def refresh_coach(coach_person_id: int) -> list[FidelitySignal]:
    """Bring the coach's cached signals up to date and open flags for new drift runs; flushes.
    Returns the signals in session date order."""
    _refresh([coach_person_id])
    return ordered_signals(coach_person_id)


def ordered_signals(coach_person_id: int) -> list[FidelitySignal]:
    return list(db.session.scalars(
        sa.select(FidelitySignal).where(FidelitySignal.coach_person_id == coach_person_id)
        .order_by(FidelitySignal.session_date, FidelitySignal.session_id,
                  FidelitySignal.transcript_id)))


def _open_flags(coach_ids: Collection[int]) -> None:
    """Open a flag for every new drift run of these coaches: their signal values and known
    flags come from two queries, the runs from the domain."""
    settings = drift_settings()
    if not coach_ids:
        return
    value = getattr(FidelitySignal, settings.signal)
    points: dict[int, list[fidelity.SignalPoint]] = {}
    values: dict[int, Any] = {}
    ids = sorted(coach_ids)
    known: set[tuple[int, int]] = set()
    for i in range(0, len(ids), REFRESH_BATCH):
        chunk = ids[i:i + REFRESH_BATCH]
        for coach_id, session_id, v in db.session.execute(
                sa.select(FidelitySignal.coach_person_id, FidelitySignal.session_id, value)
                .where(FidelitySignal.coach_person_id.in_(chunk))
                .order_by(FidelitySignal.coach_person_id, FidelitySignal.session_date,
                          FidelitySignal.session_id, FidelitySignal.transcript_id)):
            points.setdefault(coach_id, []).append(fidelity.SignalPoint(session_id, v))
            values[session_id] = v
        known.update((c, t) for c, t in db.session.execute(sa.select(
            FidelityDriftFlag.coach_person_id, FidelityDriftFlag.trigger_session_id).where(
            FidelityDriftFlag.coach_person_id.in_(chunk),
            FidelityDriftFlag.signal == settings.signal)))
    for coach_id, coach_points in points.items():
        for run in fidelity.drift_runs(coach_points, line=settings.line,
                                       run_length=settings.run_length):
            if (coach_id, run.trigger_session_id) in known:
                continue
            db.session.add(FidelityDriftFlag(
                coach_person_id=coach_id, signal=settings.signal, line=settings.line,
                trigger_session_id=run.trigger_session_id, session_ids=list(run.session_ids),
                run_values=[values[s] for s in run.session_ids], status="open"))
            known.add((coach_id, run.trigger_session_id))
    db.session.flush()


def _coaches_with_transcripts() -> list[int]:
    return list(db.session.scalars(
        sa.select(Engagement.coach_person_id).distinct()
        .join(CoachingSession, CoachingSession.engagement_id == Engagement.id)
        .join(Recording, Recording.session_id == CoachingSession.id)
        .join(Transcript, Transcript.recording_id == Recording.id)))


def refresh_all(failures: list[ItemFailure] | None = None) -> RefreshResult:
    """Refresh every coach with a transcript or a stored signal: only transcripts whose marker
    changed are read again, so a second run recomputes nothing. One set-based pass; if that
    pass fails, each coach is refreshed on their own (coachprog.jobs.batch): one whose refresh
    fails is rolled back, logged, audited and added to `failures`, and the others go ahead."""
    failed = failures if failures is not None else []
    try:
        with db.session.begin_nested():
            return _refresh(None)
    except Exception:
        log.exception("fidelity refresh: the pass over everyone failed; going coach by coach")
    ids = set(_coaches_with_transcripts()) | set(db.session.scalars(
        sa.select(FidelitySignal.coach_person_id).distinct()))
    done = RefreshResult(len(ids), 0, 0, 0)
    for coach_id in sorted(ids):
        with one_item(failed, batch="fidelity.refresh", object_type="person",
                      object_id=coach_id, actor=SystemActor("fidelity refresh")):
            one = _refresh([coach_id])
            done = RefreshResult(done.coaches, done.checked + one.checked,
                                 done.recomputed + one.recomputed, done.removed + one.removed)
    return done


def drifting_coach_ids() -> set[int]:
    """Coaches with an open drift flag (after bringing the signals up to date: only what
    changed since the last refresh is read again)."""
    refresh_all()
    return open_drift_coach_ids()


def open_drift_coach_ids() -> set[int]:
    """Coaches with an open drift flag, as stored."""
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
    require(actor, "can_view_fidelity_signals")
    ids = set(db.session.scalars(supervised_person_ids(actor)))
    if getattr(actor, "person_id", None) is not None:
        ids.add(actor.person_id)
    # Counted per coach in one query each and the relation checks answered from one prefetch
    # (issue 20: two counts and a supervisor lookup per supervisee, 71 statements for a lead).
    prefetch_supervisors(ids)
    sessions: dict[int, int] = dict(list(db.session.execute(
        sa.select(FidelitySignal.coach_person_id, sa.func.count(FidelitySignal.id))
        .where(FidelitySignal.coach_person_id.in_(ids))
        .group_by(FidelitySignal.coach_person_id))))
    flags: dict[int, int] = dict(list(db.session.execute(
        sa.select(FidelityDriftFlag.coach_person_id, sa.func.count(FidelityDriftFlag.id))
        .where(FidelityDriftFlag.coach_person_id.in_(ids), FidelityDriftFlag.status == "open")
        .group_by(FidelityDriftFlag.coach_person_id))))
    result = []
    for person in db.session.scalars(sa.select(Person).where(Person.id.in_(ids))
                                      .order_by(Person.name)):
        relation = fidelity_relation(actor, person)
        if relation is None:
            continue
        result.append(CoachSummary(person.id, person.name, relation,
                                   int(sessions.get(person.id, 0)),
                                   int(flags.get(person.id, 0))))
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
    coach = get_or_404(Person, coach_person_id, what="coach", actor=actor,
                       rule="can_view_fidelity_signals")
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
    flag = get_or_404(FidelityDriftFlag, flag_id, what="drift flag", actor=actor,
                      rule="can_resolve_fidelity_flag")
    if flag.status != "open":
        raise DomainError("This flag is already resolved.")
    note = (note or "").strip()
    if not note:
        message = "Write a note: what was discussed and what happens next."
        raise DomainError(message, field_errors={"note": [message]})
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
