"""Coaching work of the large organisation: engagements (three coachees per coach on
average) with the coachee's consent, sessions spread over the last year, a recording for one
session in four with a typed transcript (no audio: the recording row says its audio was not
kept, as after retention), the fidelity signals of each transcript as `fidelity refresh` would
store them (same fingerprint, so a refresh finds nothing changed), a few sensitive-topic
flags and drift flags."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from coachprog.audits.fidelity import domain as fidelity
from coachprog.audits.fidelity.models import FidelityDriftFlag, FidelitySignal
from coachprog.audits.fidelity.services import _fingerprint, _marker, drift_settings, load_terms
from coachprog.coaching.models import Engagement
from coachprog.extensions import db
from coachprog.recordings.models import (
    CoacheeConsent,
    CoachingSession,
    ConsentText,
    Recording,
    SensitiveFlag,
    Transcript,
    TranscriptSegment,
)
from coachprog.seed.fidelity import SESSIONS
from coachprog.seed.large.context import Org

RECORDED_EVERY = 4  # one session in four has a recording and a transcript
ENGAGEMENTS_PER_COACH = 3
CONSENT_VERSION = "large-1"
# A typed session: its (speaker, text) turns, fingerprint and signals.
Template = tuple[tuple[tuple[str, str], ...], str, fidelity.SessionSignals]
GOALS = ("Delegating more and deciding less alone.", "Preparing for a first leadership role.",
         "Handling conflict in a cross-functional team.", "Building a steady feedback habit.")


def _consent_text(org: Org) -> int:
    existing = db.session.scalar(sa.select(ConsentText.id).where(
        ConsentText.version == CONSENT_VERSION))
    if existing is not None:
        return int(existing)
    return org.bulk.add(ConsentText, version=CONSENT_VERSION, title="Recording consent",
                        body="I agree that my coaching sessions are recorded, transcribed, "
                        "reviewed by the coach's supervisor and audited.",
                        created_by_id=org.admin_id, created_at=org.now - timedelta(days=400))


def _templates(org: Org) -> list[Template]:
    """The demo's typed sessions with their fingerprint and signals, computed once."""
    terms = load_terms()
    out = []
    for turns in SESSIONS:
        as_turns = [fidelity.Turn(speaker, text, 6.0 * i, 6.0 * i + 5.5)
                    for i, (speaker, text) in enumerate(turns)]
        out.append((turns, _fingerprint(as_turns, terms), fidelity.session_signals(as_turns,
                                                                                   terms)))
    return out


def generate_engagements(org: Org) -> list[tuple[int, int, int, datetime]]:
    """Engagements and consents; returns (engagement, coach, consent, start) per engagement."""
    text_id = _consent_text(org)
    out: list[tuple[int, int, int, datetime]] = []
    coach_set = set(org.coaches)
    coachees = [p for p in org.staff if p not in coach_set]
    for coach in org.coaches:
        for _ in range(ENGAGEMENTS_PER_COACH):
            coachee = org.pick(coachees)
            while org.manager_of.get(coachee) == coach or org.manager_of.get(coach) == coachee:
                coachee = org.pick(coachees)
            start = org.today - timedelta(days=org.rng.randrange(30, 360))
            ended = org.rng.random() < 0.2
            created = datetime.combine(start, time(9), org.now.tzinfo)
            engagement = org.bulk.add(
                Engagement, coach_person_id=coach, coachee_person_id=coachee, start_date=start,
                goals=org.pick(list(GOALS)), kpi_name="Decisions delegated per month",
                session_cap=24, hours_per_week=1.0, status="ended" if ended else "active",
                ended_at=org.now - timedelta(days=5) if ended else None,
                created_by_id=org.admin_id, created_at=created)
            consent = org.bulk.add(
                CoacheeConsent, coachee_person_id=coachee, engagement_id=engagement,
                consent_text_id=text_id, method="in_app", scope_record=True,
                scope_transcribe=True, scope_supervisor_review=True, scope_audit=True,
                scope_analytics=org.rng.random() < 0.5, consented_at=created,
                recorded_by_id=org.user_of.get(coach),
                withdrawal_token_hash=secrets.token_hex(32))
            out.append((engagement, coach, consent, created))
    org.bulk.flush()
    return out


def generate_sessions(org: Org, engagements: list[tuple[int, int, int, datetime]]) -> None:
    """`sizes.sessions` sessions over the engagements, every RECORDED_EVERY-th transcribed."""
    templates = _templates(org)
    digest = fidelity.terms_digest(load_terms())
    total = org.sizes.sessions
    per = max(1, total // max(len(engagements), 1))
    extra = total - per * len(engagements)
    for index, (engagement, coach, consent, start) in enumerate(engagements):
        count = per + (1 if index < extra else 0)
        span = max((org.now - start).days, 1)
        for number in range(count):
            day = (start + timedelta(days=span * number // max(count, 1))).date()
            session_id = org.bulk.add(
                CoachingSession, engagement_id=engagement, session_date=day,
                duration_minutes=org.pick([45, 50, 60, 60, 90]),
                created_by_id=org.user_of.get(coach), created_at=start)
            org.sessions_of.setdefault(coach, []).append((session_id, day))
            if session_id % RECORDED_EVERY == 0:
                _recording(org, templates, digest, session_id, coach, consent, day)
        if index % 200 == 0:
            org.bulk.flush()
    org.bulk.flush()


def _recording(org: Org, templates: list[Template], digest: str, session_id: int, coach: int,
               consent: int, day: date) -> None:
    turns, fingerprint, signals = org.pick(templates)
    at = datetime.combine(day, time(12), org.now.tzinfo)
    recording_id = org.bulk.add(
        Recording, session_id=session_id, consent_id=consent, storage_name=None,
        original_name="typed-transcript.txt", size_bytes=0, duration_seconds=6.0 * len(turns),
        container="none", codec="none", channels=1, sample_rate=16000, status="done",
        progress=100, error="", uploaded_by_id=org.user_of.get(coach), uploaded_at=at,
        audio_deleted_at=at)
    transcript_id = org.bulk.add(
        Transcript, recording_id=recording_id, model_name="typed (large organisation)",
        model_version="1", parameters={}, language="en", created_at=at)
    top_segment = None
    for position, (speaker, text) in enumerate(turns):
        top_segment = org.bulk.add(
            TranscriptSegment, transcript_id=transcript_id, position=position,
            start_seconds=6.0 * position, end_seconds=6.0 * position + 5.5, text=text,
            speaker=speaker, confidence=None)
    # The marker `fidelity refresh` computes from the stored rows: it finds nothing to read.
    marker = _marker(digest, SimpleNamespace(
        coach_person_id=coach, session_id=session_id, session_date=day, segments=len(turns),
        top_segment=top_segment, text_length=sum(len(text) for _, text in turns) or None,
        speakers=sum((i + 1) * len(speaker) for i, (speaker, _) in enumerate(turns)) or None,
        times=sum(12.0 * i + 5.5 for i in range(len(turns))) if turns else None,
        edits=0, top_edit=None))
    s = signals
    org.bulk.add(
        FidelitySignal, transcript_id=transcript_id, session_id=session_id,
        coach_person_id=coach, session_date=day, fingerprint=fingerprint, source_marker=marker,
        coach_turns=s.coach_turns, questions=s.questions, advice=s.advice,
        reflections=s.reflections, other=s.other, question_share=s.question_share,
        question_ratio=s.question_ratio, reflection_share=s.reflection_share,
        listening_ratio=s.listening_ratio, talk_share=s.talk_share, talk_basis=s.talk_basis,
        computed_at=at)
    if org.rng.random() < 0.005:
        org.bulk.add(SensitiveFlag, recording_id=recording_id, category="legal_risk",
                     terms=["lawyer"], segment_positions=[1],
                     status="open" if org.rng.random() < 0.5 else "reviewed", raised_at=at)


def generate_drift_flags(org: Org) -> None:
    """An open drift flag for about one coach in fifty, on their latest session."""
    settings = drift_settings()
    for coach in org.coaches:
        sessions = org.sessions_of.get(coach)
        if not sessions or org.rng.random() >= 0.02:
            continue
        recent = [sid for sid, _ in sessions[-settings.run_length:]]
        org.bulk.add(FidelityDriftFlag, coach_person_id=coach, signal=settings.signal,
                     line=settings.line, trigger_session_id=recent[-1], session_ids=recent,
                     run_values=[0.5] * len(recent), status="open", opened_at=org.now)
    org.bulk.flush()
