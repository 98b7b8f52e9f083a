"""Demo coaching data for `flask seed`, run after the other domains' demo data:

- coach@ is an appointed coach in practicum (a trainee): appointed in a small demo cohort,
  paperwork complete and signed by coach@ and their manager (manager@), matched with one
  coachee who consented to recording, transcription, supervisor review and audit, and one session
  with a short real recording already transcribed; a first capstone brief submitted on that
  engagement and scored not passed by its supervisor lead@ (the KPI's baseline and target
  carry no dates), so coach@'s next step is to revise it (the new version goes to lead@).
- every other demo coach who is matched with a coachee, or certified, has complete
  paperwork (signed on paper before the app was used: the seed records both signatures);
- a second report of manager@ is appointed with the agreement drawn up and not signed yet:
  manager@'s signature to give.

The recording is a LibriVox public-domain clip shipped in `coachprog/seed/assets/` with the
transcript the local Whisper (tiny.en) produced from it once: the seed stores the audio through
the recordings storage and writes that transcript, so it needs no model and takes no time.
Idempotent: each part is skipped when its marker exists (the cohort's name, the engagement's
goals, a paperwork row with a protected percentage)."""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from coachprog.assessments import services as assessment_services
from coachprog.audits.fidelity import services as fidelity_services
from coachprog.auth.models import User
from coachprog.certification.models import Certification
from coachprog.coaching.engagements import services as engagement_services
from coachprog.coaching.models import Engagement
from coachprog.coaching.paperwork import consent_templates
from coachprog.coaching.paperwork import services as paperwork_services
from coachprog.coaching.roster import services as roster
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.practicum.capstone import services as capstone_services
from coachprog.recordings import services as recordings
from coachprog.recordings import storage
from coachprog.recordings.consent.domain import token_hash
from coachprog.recordings.models import CoacheeConsent, ConsentText, Recording
from coachprog.recordings.transcription import services as transcription_services
from coachprog.recordings.transcription.engine import Segment, TranscriptResult
from coachprog.rubrics.domain import ScaleKind
from coachprog.selection.appointment.domain import match_problems
from coachprog.selection.models import Candidate, Sprint

ASSETS = Path(__file__).resolve().parent / "assets"
CLIP = ASSETS / "demo-session.wav"
CLIP_TRANSCRIPT = ASSETS / "demo-session.transcript.json"

TRAINEE_EMAIL = "coach@demo.example"
MANAGER_EMAIL = "manager@demo.example"
COHORT_NAME = "Demo cohort (trainees)"
COHORT_WEEKS_AGO = 8  # appointed before the practicum started (four weeks ago)
DEMO_GOALS = ("Demo engagement (coach@): prepare for a first team-lead role and hold one "
              "difficult conversation a month.")
CONSENT_VERSION = "demo-1"
PROFILE = {
    "role_scope": "Internal coach for leaders outside the coach's own reporting line; up to "
                  "two coachees at a time during the practicum.",
    "escalation_paths": "Safeguarding or wellbeing concerns go to the supervising lead coach "
                        "the same day, and to HR when someone may be at risk.",
    "supervision_arrangement": "Fortnightly supervision with the lead coach; every session "
                               "recorded with consent and one reviewed each month.",
}
CAPSTONE_BODY = (
    "## Context\n\nMy coachee is about to lead a team of six for the first time. They "
    "described themselves as the person who fixes things, and worried that their new team "
    "would keep bringing every problem to them.\n\n## Plan\n\nOver six sessions we will work "
    "on three things: contracting clearly with the team about who decides what, preparing "
    "and holding one difficult conversation each month, and noticing the moments when they "
    "take a decision their team could take. Each session starts from the coachee's own agenda "
    "and ends with one action they choose. I will record sessions with consent and bring one "
    "a month to supervision.\n\n## Measuring it\n\nThe KPI is the number of decisions the team "
    "takes without escalating, counted by the coachee each week in their planning notes. We "
    "start from the baseline of the first fortnight.\n\n## Risks\n\nThe coachee may want "
    "advice rather than questions; I will name that when it happens and agree with them how "
    "to handle it. If wellbeing concerns come up I follow the escalation path in my role "
    "profile.\n"
)


def _hint(message: str) -> None:
    click.echo(f"Demo coaching not seeded: {message}", err=True)


def seed_demo(actor: Any) -> bool:
    """Add this domain's demo data; running it again adds nothing. True when it added some.
    A refusal from a service (a changed demo account, a missing rubric) rolls back this part
    only and says why on stderr."""
    trainee = db.session.scalar(sa.select(User).where(User.email == TRAINEE_EMAIL))
    manager = db.session.scalar(sa.select(User).where(User.email == MANAGER_EMAIL))
    if trainee is None or trainee.person_id is None:
        return False
    try:
        with db.session.begin_nested():
            added = _appoint_cohort(actor, trainee, manager)
            added = _trainee_paperwork(actor, trainee, manager) or added
            added = _trainee_engagement(actor, trainee) or added
            added = _complete_matched_paperwork(actor, skip={trainee.person_id}) or added
    except (DomainError, NotPermitted, NotFound) as error:
        _hint(getattr(error, "message", None) or str(error) or type(error).__name__)
        return False
    return added


def _appoint_cohort(actor: Any, trainee: Any, manager: Any) -> bool:
    """coach@ and a report of manager@ appointed in a closed demo cohort (once, by name)."""
    if db.session.scalar(sa.select(Sprint.id).where(Sprint.name == COHORT_NAME)) is not None:
        return False

    people = [trainee.person_id]
    second = _second_report(manager)
    if second is not None:
        people.append(second)
    sprint = Sprint(name=COHORT_NAME, capacity=len(people), status="closed",
                    start_date=utcnow().date() - timedelta(weeks=COHORT_WEEKS_AGO + 6))
    db.session.add(sprint)
    db.session.flush()
    for person_id in people:
        db.session.add(Candidate(sprint_id=sprint.id, person_id=person_id, route="application",
                                 stage="appointed", furthest_stage="appointed"))
    db.session.flush()
    if second is not None:
        # Drawn up by L&D; manager@ signs it in the app (the coach has no account to sign).
        paperwork_services.save_paperwork(actor, second, _draft())
    return True


def _second_report(manager: Any) -> int | None:
    """A direct report of manager@ with no account, not in any sprint (the demo sprint's
    nominee is the first such report, so this is another one)."""
    if manager is None or manager.person_id is None:
        return None
    with_account = sa.select(User.person_id).where(User.person_id.is_not(None))
    in_sprint = sa.select(Candidate.person_id)
    return db.session.scalar(sa.select(Person.id).where(
        Person.manager_id == manager.person_id, Person.active.is_(True),
        Person.id.not_in(with_account), Person.id.not_in(in_sprint))
        .order_by(Person.employee_id.desc()).limit(1))


def _draft() -> Any:
    versions = [t.version for t in consent_templates.consent_template_versions()]
    return paperwork_services.PaperworkDraft(protected_percent=10.0, weekly_hours=40.0,
                                   consent_template_version=versions[-1] if versions else "",
                                   **PROFILE)


def _trainee_paperwork(actor: Any, trainee: Any, manager: Any) -> bool:
    """coach@'s paperwork drawn up and signed in the app by coach@ and manager@."""
    row = paperwork_services.paperwork_for(trainee.person_id)
    if row is not None and row.protected_percent is not None:
        return False
    paperwork_services.save_paperwork(actor, trainee.person_id, _draft())
    paperwork_services.sign_as_coach(trainee, trainee.person_id, accept_non_evaluator_clause=True)
    if manager is not None and manager.person_id == paperwork_services.paperwork_for(
            trainee.person_id).manager_person_id:  # type: ignore[union-attr]
        paperwork_services.sign_as_manager(manager, trainee.person_id)
    return True


def _complete_matched_paperwork(actor: Any, *, skip: set[int]) -> bool:
    """Every coach matched with a coachee, or certified, has complete paperwork: drawn up
    through the service, and the two signatures given on paper before the demo began (their
    coaches and managers hold no accounts to sign in the app)."""
    matched = set(db.session.scalars(sa.select(Engagement.coach_person_id).where(
        Engagement.status == "active")))
    certified = set(db.session.scalars(sa.select(Certification.person_id)))
    added = False
    for person_id in sorted((matched | certified) - skip):
        if not roster.is_appointed_coach(person_id) or \
                not paperwork_services.missing_paperwork_for(person_id):
            continue
        row = paperwork_services.save_paperwork(actor, person_id, _draft()).paperwork
        if row.manager_person_id is None:
            continue  # no manager in the directory: nothing anyone could sign
        now = utcnow()
        row.manager_signed_at = row.coach_signed_at = now
        row.non_evaluator_clause_accepted = True
        db.session.flush()
        for party in ("coach", "manager"):
            audit.record("coaching.agreement_signed", actor=actor,
                         object_type="coach_paperwork", object_id=row.id,
                         detail={"party": party, "coach_person_id": person_id,
                                 "on_paper": True})
        added = True
    return added


def _coachee_for(coach_person_id: int) -> Any:
    """Active staff without an account, in no sprint, coached by no one, whom the match rules
    allow for this coach; the first by employee id."""
    with_account = sa.select(User.person_id).where(User.person_id.is_not(None))
    coached = sa.select(Engagement.coachee_person_id)
    for person in db.session.scalars(sa.select(Person).where(
            Person.active.is_(True), Person.employee_id.like("E2%"),
            Person.id.not_in(with_account), Person.id.not_in(sa.select(Candidate.person_id)),
            Person.id.not_in(coached)).order_by(Person.employee_id).limit(60)):
        if not match_problems(engagement_services.match_facts(coach_person_id, person.id)):
            return person
    return None


def _trainee_engagement(actor: Any, trainee: Any) -> bool:
    """coach@'s engagement, its consent, one session with the transcribed demo clip and a
    first capstone brief on it. Once (by the engagement's goals)."""
    if db.session.scalar(sa.select(Engagement.id).where(
            Engagement.goals == DEMO_GOALS).limit(1)) is not None:
        return False
    coachee = _coachee_for(trainee.person_id)
    if coachee is None:
        _hint("no one in the directory can be coach@'s coachee.")
        return False
    today = utcnow().date()
    engagement = engagement_services.create_engagement(actor, engagement_services.EngagementDraft(
        coach_person_id=trainee.person_id, coachee_employee_id=coachee.employee_id,
        start_date=today - timedelta(days=21), goals=DEMO_GOALS,
        kpi_name="Decisions the team takes without escalating, per week", session_cap=6,
        hours_per_week=1.0))
    consent = _consent(actor, engagement)
    _transcribed_session(trainee, engagement, consent, today - timedelta(days=3))
    _capstone(trainee, engagement)
    return True


def demo_consent_text() -> ConsentText:
    """The demo's consent text, written once (the coaching and fidelity stories share it)."""
    text = db.session.scalar(sa.select(ConsentText).where(
        ConsentText.version == CONSENT_VERSION))
    if text is None:
        text = ConsentText(version=CONSENT_VERSION, title="Demo recording consent",
                           body="Demo only: I agree that my coaching sessions are recorded, "
                           "transcribed, reviewed by the coach's supervisor and audited.")
        db.session.add(text)
        db.session.flush()
    return text


def _consent(actor: Any, engagement: Any) -> Any:
    """The coachee's consent to recording, transcription, supervisor review and audit (which
    covers blind quality review: rater@ scores the session blind), given on the demo consent
    text (the coachee holds no account to acknowledge it in the app)."""
    text = demo_consent_text()
    consent = CoacheeConsent(
        coachee_person_id=engagement.coachee_person_id, engagement_id=engagement.id,
        consent_text_id=text.id, method="in_app", scope_record=True, scope_transcribe=True,
        scope_supervisor_review=True, scope_audit=True, scope_analytics=False,
        recorded_by_id=getattr(actor, "id", None),
        withdrawal_token_hash=token_hash(secrets.token_urlsafe(32)))
    db.session.add(consent)
    db.session.flush()
    audit.record("consent.recorded", actor=actor, object_type="coachee_consent",
                 object_id=consent.id,
                 detail={"engagement_id": engagement.id, "version": text.version,
                         "method": "in_app", "scopes": ["audit", "record",
                                                        "supervisor_review", "transcribe"]})
    return consent


def demo_transcript() -> Any:
    """The shipped transcript of the demo clip as the transcription engine returns it."""
    data = json.loads(CLIP_TRANSCRIPT.read_text())
    return TranscriptResult(
        segments=[Segment(**segment) for segment in data["segments"]],
        model_name=data["model_name"], model_version=data["model_version"],
        parameters=data["parameters"], duration_seconds=data["duration_seconds"])


def _transcribed_session(trainee: Any, engagement: Any, consent: Any, day: date) -> Any:
    """A session coach@ recorded, the clip stored as an upload is, and its transcript."""
    session = recordings.create_session(trainee, engagement.id, session_date=day,
                                        duration_minutes=45)
    with CLIP.open("rb") as stream:
        stored = storage.store_upload(stream)
    recording = Recording(
        session_id=session.id, consent_id=consent.id, storage_name=stored.storage_name,
        original_name=CLIP.name, size_bytes=stored.size_bytes,
        duration_seconds=stored.duration_seconds, container=stored.container[:64],
        codec=stored.codec[:64], channels=stored.channels, sample_rate=stored.sample_rate,
        status="done", progress=100, error="", uploaded_by_id=trainee.id)
    db.session.add(recording)
    db.session.flush()
    result = demo_transcript()
    segments = transcription_services._write_transcript(recording, result)  # the job's own writer
    audit.record("recording.uploaded", actor=trainee, object_type="recording",
                 object_id=recording.id,
                 detail={"session_id": session.id, "consent_id": consent.id,
                         "size_bytes": stored.size_bytes,
                         "duration_seconds": round(stored.duration_seconds, 1),
                         "transcription_queued": False, "demo": True})
    audit.record("recording.transcribed", actor=trainee, object_type="recording",
                 object_id=recording.id,
                 detail={"segments": segments, "model_name": result.model_name,
                         "model_version": result.model_version, "demo": True})
    # The coach's fidelity signals as the nightly refresh stores them, so the fidelity page
    # has the session from the start and a later refresh finds nothing changed.
    fidelity_services.refresh_coach(trainee.person_id)
    return recording


# lead@'s marks on coach@'s first brief: the KPI's baseline and target carry no dates, so two
# non-negotiables are unmet and the version does not pass; coach@ revises it (a new version),
# which goes back to lead@. Every other behaviour is met (binary) or at level 3.
CAPSTONE_MARKS = {
    "kpi-baseline": ("0", "The baseline gives a value (3 a week) but not when it was measured."),
    "kpi-target": ("0", "The target (8 a week) has no date by which it should be reached."),
    "obj-linked": ("2", "Say how handing back decisions is expected to move the KPI."),
}


def _capstone(trainee: Any, engagement: Any) -> None:
    """coach@'s first capstone brief, submitted on the engagement and scored by their
    supervisor (lead@) as not passed, with notes: coach@'s next step is to revise it."""
    brief = capstone_services.submit_brief(
        trainee, trainee.person_id, capstone_services.BriefDraft(
            mode="markdown", engagement_id=engagement.id,
            kpi_name="Decisions the team takes without escalating", kpi_baseline="3 a week",
            kpi_target="8 a week", kpi_source="The coachee's weekly planning notes",
            objectives="Contract with the team about who decides what\n"
                       "Prepare and hold one difficult conversation a month\n"
                       "Notice and hand back decisions the team could take",
            body_markdown=CAPSTONE_BODY))
    assignment = next((a for a in brief.assessment.assignments if a.role == "rater"), None)
    if assignment is None:
        return  # no calibrated supervisor: the brief waits for program staff to assign one
    values: dict[str, str] = {}
    notes: dict[str, str] = {}
    for behaviour in brief.assessment.rubric_version.to_domain().behaviours:
        default = "3" if behaviour.scale is ScaleKind.LEVELS else "1"
        values[behaviour.id], notes[behaviour.id] = CAPSTONE_MARKS.get(behaviour.id,
                                                                       (default, ""))
    assessment_services.save_marks(assignment.rater, assignment, values, notes, submit=True)
