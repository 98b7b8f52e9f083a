"""Demo fidelity data for `flask seed`: three transcribed sessions of one demo coach, so the
fidelity page shows signals over time and a drift flag (the last two sessions lean on advice).

The transcripts are written as text (no audio, no Whisper): each recording is stored as
already transcribed, with its audio marked as not kept. The coachee's consent covers
supervisor review and audit, so the signals count and an auditor could choose a session.
Idempotent: the demo engagement is found by its goals text and nothing is added twice.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from coachprog.audits.fidelity import services as fidelity_services
from coachprog.auth.models import User
from coachprog.coaching.models import Engagement, SupervisorAssignment
from coachprog.coaching.roster.services import active_coach_ids
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.recordings.models import (
    CoacheeConsent,
    CoachingSession,
    Recording,
    Transcript,
    TranscriptSegment,
)
from coachprog.seed.coaching import demo_consent_text
from coachprog.selection.models import Candidate

DEMO_GOALS = "Demo engagement (fidelity signals): delegating more, deciding less alone."
CONSENT_VERSION = "demo-1"

# (speaker, text) per session, oldest first. The first session is question-led; the next two
# drift toward advising (listening ratio under the default line of 0.65 twice in a row).
SESSIONS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("coach", "What would you like to take away from today?"),
     ("coachee", "I keep taking decisions my team could take. I want to stop that."),
     ("coach", "It sounds like you feel responsible for every outcome."),
     ("coachee", "Yes. If it goes wrong, it is on me."),
     ("coach", "What would letting go of one decision look like this week?"),
     ("coachee", "Maybe the rota. Priya could own it."),
     ("coach", "How would you know it is working?"),
     ("coachee", "Nobody asks me about it for a month."),
     ("coach", "You want a month without being asked about the rota."),
     ("coach", "What might get in the way?")),
    (("coach", "How did the rota go?"),
     ("coachee", "I took it back after a week. Priya made a mistake."),
     ("coach", "You should give her another chance and set clearer rules first."),
     ("coach", "Have you tried a checklist for the handover?"),
     ("coachee", "No, I have not."),
     ("coach", "What I would do is sit with her for the first two rotas."),
     ("coach", "Write the rules down and share them with the whole team on Monday."),
     ("coachee", "Okay, I can do that.")),
    (("coach", "Let us look at the budget review."),
     ("coachee", "I am not sure who should lead it."),
     ("coach", "You should lead it yourself this time, it is too important to hand over."),
     ("coach", "Book the room early and send the numbers a week before."),
     ("coachee", "Fine."),
     ("coach", "Have you thought about asking finance to join?"),
     ("coach", "In my experience the review goes better when finance presents the numbers."),
     ("coachee", "Right.")),
)
SESSION_AGES_DAYS = (35, 21, 7)


def seed_fidelity(actor: Any, lead: Any) -> bool:
    """Add the demo transcripts once; True when added. Needs an active coach and a person in
    the directory without an account to be the coachee; does nothing otherwise."""
    if db.session.scalar(sa.select(Engagement.id).where(
            Engagement.goals == DEMO_GOALS).limit(1)) is not None:
        return False
    coaches = sorted(set(active_coach_ids()) - {lead.person_id})
    if not coaches:
        return False
    demo_coach = db.session.scalar(sa.select(User.person_id).where(
        User.email == "coach@demo.example"))
    coach_id = demo_coach if demo_coach in coaches else coaches[0]
    with_account = sa.select(User.person_id).where(User.person_id.is_not(None))
    candidates = sa.select(Candidate.person_id)
    coachee = db.session.scalar(sa.select(Person).where(
        Person.active.is_(True), Person.id != coach_id, Person.manager_id.is_not(None),
        Person.id.not_in(with_account), Person.id.not_in(candidates),
        Person.id.not_in(coaches)).order_by(Person.employee_id.desc()).limit(1))
    if coachee is None:
        return False
    if db.session.scalar(sa.select(SupervisorAssignment.id).where(
            SupervisorAssignment.coach_person_id == coach_id).limit(1)) is None:
        db.session.add(SupervisorAssignment(coach_person_id=coach_id,
                                            supervisor_user_id=lead.id,
                                            assigned_by_id=getattr(actor, "id", None)))
    today = utcnow().date()
    engagement = Engagement(coach_person_id=coach_id, coachee_person_id=coachee.id,
                            start_date=today - timedelta(days=49), goals=DEMO_GOALS,
                            kpi_name="Decisions delegated per month", session_cap=8,
                            hours_per_week=1.0, status="active",
                            created_by_id=getattr(actor, "id", None))
    db.session.add(engagement)
    text = demo_consent_text()
    db.session.flush()
    consent = CoacheeConsent(
        coachee_person_id=coachee.id, engagement_id=engagement.id, consent_text_id=text.id,
        method="in_app", scope_record=True, scope_transcribe=True,
        scope_supervisor_review=True, scope_audit=True, scope_analytics=False,
        recorded_by_id=getattr(actor, "id", None),
        withdrawal_token_hash=secrets.token_hex(32))
    db.session.add(consent)
    db.session.flush()
    for turns, age in zip(SESSIONS, SESSION_AGES_DAYS, strict=True):
        sess = CoachingSession(engagement_id=engagement.id,
                               session_date=today - timedelta(days=age), duration_minutes=50,
                               created_by_id=getattr(actor, "id", None))
        db.session.add(sess)
        db.session.flush()
        length = 6.0 * len(turns)
        recording = Recording(
            session_id=sess.id, consent_id=consent.id, storage_name=None,
            original_name="demo-transcript.txt", size_bytes=0, duration_seconds=length,
            container="none", codec="none", channels=1, sample_rate=16000, status="done",
            progress=100, error="", uploaded_by_id=getattr(actor, "id", None),
            audio_deleted_at=utcnow())
        db.session.add(recording)
        db.session.flush()
        transcript = Transcript(recording_id=recording.id, model_name="demo (typed, no audio)",
                                model_version="1", parameters={}, language="en")
        db.session.add(transcript)
        db.session.flush()
        for position, (speaker, words) in enumerate(turns):
            db.session.add(TranscriptSegment(
                transcript_id=transcript.id, position=position, start_seconds=6.0 * position,
                end_seconds=6.0 * position + 5.5, text=words, speaker=speaker,
                confidence=None))
    db.session.flush()
    fidelity_services.refresh_coach(coach_id)
    return True
