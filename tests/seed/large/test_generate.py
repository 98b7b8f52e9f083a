"""`flask seed` with sizes: the large organisation beside the demo (issue 20)."""

from __future__ import annotations

import sqlalchemy as sa

from coachprog.assessments.models import Assessment, Mark
from coachprog.audits.fidelity.models import FidelitySignal
from coachprog.audits.models import Audit, AuditSample
from coachprog.auth.models import User
from coachprog.calibration.models import RaterCalibration
from coachprog.certification.models import Certification, CertificationDecision
from coachprog.coaching.models import CoachPaperwork, Engagement, SupervisorAssignment
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.models import Person
from coachprog.practicum.ledger.models import LedgerEntry, PracticumEnrolment
from coachprog.practicum.supervision.models import GateDecision, OneOnOne, SessionFeedback
from coachprog.recordings.models import (
    CoacheeConsent,
    CoachingSession,
    Recording,
    Transcript,
    TranscriptSegment,
)
from coachprog.seed.people import DEMO_ACCOUNTS, demo_people
from coachprog.selection.models import Candidate, CandidateEvent, Sprint

TINY = ["seed", "--people", "560", "--coaches", "10", "--sessions", "200",
        "--hour-entries", "400", "--seed", "3"]


def _count(model: object) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0  # type: ignore[arg-type]


def test_seed_with_sizes_builds_the_demo_and_a_large_organisation(runner, monkeypatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", "demo password for tests")
    result = runner.invoke(args=TINY)
    assert result.exit_code == 0, result.output
    for email, _, _ in DEMO_ACCOUNTS:
        assert email in result.output
        assert db.session.scalar(sa.select(User.id).where(User.email == email)) is not None
    assert _count(Person) == 560
    assert _count(CoachingSession) >= 200 and _count(LedgerEntry) >= 400
    for model in (Sprint, Candidate, CandidateEvent, Assessment, Mark, RaterCalibration,
                  CoachPaperwork, SupervisorAssignment, Engagement, CoacheeConsent, Recording,
                  Transcript, TranscriptSegment, FidelitySignal, PracticumEnrolment,
                  SessionFeedback, OneOnOne, GateDecision, AuditSample, Audit, Certification,
                  CertificationDecision, AuditEntry):
        assert _count(model) > 0, model
    # Four quarters of samples over the whole roster, the older ones decided.
    quarters = db.session.scalars(sa.select(AuditSample.quarter).where(
        AuditSample.superseded_at.is_(None))).all()
    assert len(set(quarters)) == 4
    assert _count(sa.select(Audit.id).where(Audit.outcome.is_not(None)).subquery()) > 0
    # Coaches sign in with the demo password, like the demo logins.
    coach = db.session.scalar(sa.select(User).where(User.email.like("%@corp.example"))
                              .order_by(User.id).limit(1))
    assert coach is not None and coach.person_id is not None
    # Consistency: every recording's engagement is its consent's, every audit's coach appointed.
    mismatched = db.session.scalar(
        sa.select(sa.func.count()).select_from(Recording)
        .join(CoachingSession, Recording.session_id == CoachingSession.id)
        .join(CoacheeConsent, Recording.consent_id == CoacheeConsent.id)
        .where(CoacheeConsent.engagement_id != CoachingSession.engagement_id))
    assert mismatched == 0
    appointed = sa.select(Candidate.person_id).where(Candidate.stage == "appointed")
    assert _count(sa.select(Audit.id).where(Audit.coach_person_id.not_in(appointed))
                  .subquery()) == 0
    if db.engine.dialect.name == "postgresql":
        # Planner statistics were gathered after the bulk load (exact for a table this small).
        estimated = db.session.scalar(sa.text(
            "SELECT reltuples FROM pg_class WHERE relname = 'people'"))
        assert estimated == 560
    # Stored fidelity signals carry the marker a refresh computes: it reads nothing again.
    from coachprog.audits.fidelity import services as fidelity_services

    refreshed = fidelity_services.refresh_all()
    assert refreshed.checked == 0 and refreshed.recomputed == 0 and refreshed.removed == 0


def test_seed_with_sizes_runs_once_and_explains_refusals(runner, monkeypatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", "demo password for tests")
    too_small = runner.invoke(args=["seed", "--people", "330", "--coaches", "50"])
    assert too_small.exit_code == 1 and "coaches need at least" in too_small.output
    assert _count(sa.select(Sprint.id).where(Sprint.name == "Coach cohort 1").subquery()) == 0
    assert runner.invoke(args=TINY).exit_code == 0
    again = runner.invoke(args=TINY)
    assert again.exit_code == 1 and "already holds a generated organisation" in again.output


def test_seed_people_beyond_the_name_pool() -> None:
    """48 first names × 39 last names = 1,872 pairs: any larger size used to loop forever."""
    rows = demo_people(2500)
    assert len({r["name"] for r in rows}) == len({r["email"] for r in rows}) == 2500
    assert demo_people(2500) == rows  # deterministic
    assert rows[:320] == demo_people(320)  # the usual demo is unchanged


def test_seed_command_with_more_people_than_names(runner, monkeypatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", "demo password for tests")
    result = runner.invoke(args=["seed", "--people", "1900"])
    assert result.exit_code == 0, result.output
    assert _count(Person) == 1900
