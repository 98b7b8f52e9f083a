"""Who may touch recorded sessions: the most sensitive data in the system.

Policy:
- Audio and transcripts (the *content*) are opened only by the session's coach, the coach's
  supervisors (a lead or master coach assigned over them), and auditors assigned to an audit of
  that coach (the audits issue plugs them in through `register_auditor_source`). Every opening
  is audited by the service that serves it.
- Admins (L&D) manage metadata — sessions, upload status, consents, retention — but do not
  open content unless they also hold one of the relations above.
- Sponsors and managers never open content, whatever else they hold: a manager of the coach or
  of the coachee is refused even with another relation (coaching is not surveillance).
- Uploading: the coach of the engagement, their supervisors, or an admin recording on their
  behalf. The service also requires a current consent covering recording.
- Correcting a transcript and citing it in scores: those who may open it and are not the
  coachee.

Who supervises a coach is coaching's (`coaching.supervisors`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import Session

from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.coaching.models import EvaluationRelationship, SupervisorAssignment
from coachprog.coaching.supervisors import prefetch_supervisors, supervisor_user_ids
from coachprog.extensions import db
from coachprog.people.services import prefetch_manager_links, user_in_chain_of
from coachprog.policy.guards import guard
from coachprog.roles import Role

AuditorSource = Callable[[int], Iterable[int]]
"""Given a coach's person id, the user ids of auditors assigned to an audit of that coach."""

AUDITOR_SOURCES: list[AuditorSource] = []


def register_auditor_source(source: AuditorSource) -> AuditorSource:
    """The audits issue registers where "auditor of this coach" comes from; until then nobody
    is an auditor."""
    AUDITOR_SOURCES.append(source)
    return source


def prefetch_content_checks(rows: Iterable[Any]) -> None:
    """Everything the per-row content checks of sessions, recordings or engagements ask the
    database (supervisors of each coach, reporting lines of each party), in two queries."""
    engagements = [e for e in (_engagement_of(row) for row in rows) if e is not None]
    prefetch_supervisors({e.coach_person_id for e in engagements})
    prefetch_manager_links({p for e in engagements
                            for p in (e.coach_person_id, e.coachee_person_id)})


@sa.event.listens_for(Session, "after_flush")
def _forget_evaluated(*_: Any) -> None:
    if has_app_context():
        g.pop(_EVALUATES, None)


def auditor_user_ids(coach_person_id: int) -> set[int]:
    found: set[int] = set()
    for source in AUDITOR_SOURCES:
        found.update(source(coach_person_id))
    return found


def _engagement_of(obj: Any) -> Any:
    """The engagement behind a recording, a transcript or a coaching session (or the
    engagement itself: the engagement page asks whether its coach may record a session)."""
    if obj is None:
        return None
    if hasattr(obj, "coach_person_id") and hasattr(obj, "coachee_person_id"):
        return obj
    if hasattr(obj, "recording"):  # a transcript
        obj = obj.recording
    if hasattr(obj, "session"):  # a recording
        obj = obj.session
    return getattr(obj, "engagement", None)


def _consent_of(obj: Any) -> Any:
    """The consent a recording (or a transcript's recording) was made under; None for a
    session or engagement (no recording yet)."""
    if obj is not None and hasattr(obj, "recording"):
        obj = obj.recording
    return getattr(obj, "consent", None)


_EVALUATES = "coachprog_evaluates"


def _evaluated_by(user: Any) -> frozenset[int]:
    """The people whose performance this user reviews (evaluation relationships), asked once
    per request and user (kept in `g` until the session next flushes)."""
    own = getattr(user, "person_id", None)
    if own is None:
        return frozenset()
    cache = g.setdefault(_EVALUATES, {}) if has_app_context() else {}
    if own not in cache:
        cache[own] = frozenset(db.session.scalars(
            sa.select(EvaluationRelationship.evaluated_person_id).where(
                EvaluationRelationship.evaluator_person_id == own)))
    found: frozenset[int] = cache[own]
    return found


@guard("recordings.manager_bar", "recordings.sponsor_bar", "recordings.evaluator_bar")
def _barred(user: Any, engagement: Any, consent: Any) -> bool:
    """Nobody opens anything of a session when signed out, as a sponsor, as its coachee, as a
    manager of either party, as someone who reviews the coachee's performance (use-case
    matrix: content-to-performance-reviewers), or once its consent is withdrawn (the purge is
    removing it)."""
    if not is_signed_in(user) or engagement is None or has_any_role(user, Role.SPONSOR):
        return True
    if consent is not None and consent.withdrawn_at is not None:
        return True
    coach_id, coachee_id = engagement.coach_person_id, engagement.coachee_person_id
    if getattr(user, "person_id", None) == coachee_id:
        return True
    # The one chain bar (answered from the prefetched reporting lines on list pages).
    if user_in_chain_of(user, coach_id) or user_in_chain_of(user, coachee_id):
        return True
    return coachee_id in _evaluated_by(user)


def flag_reviewer_user_ids(coach_person_id: int) -> set[int]:
    """The coach's master coaches, who receive sensitive-topic flags: master coaches assigned
    over the coach directly, and master coaches assigned over a lead coach who is assigned over
    the coach (the lead's user → their person → the lead's own supervisor assignment). A
    revoked master-coach role ends it."""
    masters = sa.select(RoleGrant.user_id).where(RoleGrant.role == Role.MASTER_COACH.value)
    leads = sa.select(RoleGrant.user_id).where(RoleGrant.role == Role.LEAD_COACH.value)
    lead_persons = (sa.select(User.person_id)
                    .join(SupervisorAssignment,
                          SupervisorAssignment.supervisor_user_id == User.id)
                    .where(SupervisorAssignment.coach_person_id == coach_person_id,
                           User.id.in_(leads), User.person_id.is_not(None)))
    return set(db.session.scalars(sa.select(SupervisorAssignment.supervisor_user_id).where(
        sa.or_(SupervisorAssignment.coach_person_id == coach_person_id,
               SupervisorAssignment.coach_person_id.in_(lead_persons)),
        SupervisorAssignment.supervisor_user_id.in_(masters))))


def flag_reviewed_coach_ids(user_id: int) -> sa.Select[int]:
    """The reverse of `flag_reviewer_user_ids`, as a subquery: the coaches whose flags this
    master coach receives (assigned over them, or over a lead coach assigned over them), so
    a list asks the predicate about those flags only."""
    leads = sa.select(RoleGrant.user_id).where(RoleGrant.role == Role.LEAD_COACH.value)
    own = sa.select(SupervisorAssignment.coach_person_id).where(
        SupervisorAssignment.supervisor_user_id == user_id)
    lead_users = sa.select(User.id).where(User.person_id.in_(own), User.id.in_(leads))
    return sa.select(SupervisorAssignment.coach_person_id).where(sa.or_(
        SupervisorAssignment.supervisor_user_id == user_id,
        SupervisorAssignment.supervisor_user_id.in_(lead_users)))


def _unbarred_engagement(user: Any, recording: Any, scope: str) -> Any:
    """The recording's engagement, when nothing bars the user from it and its consent (if
    any) covers the use `scope` names (`scope_audit`, `scope_supervisor_review`); else None."""
    engagement = _engagement_of(recording)
    consent = _consent_of(recording)
    if _barred(user, engagement, consent):
        return None
    if consent is not None and not getattr(consent, scope):
        return None
    return engagement


def content_relation(user: Any, obj: Any) -> str | None:
    """Why the user may open this session's content — "coach", "supervisor" or "auditor" — or
    None. Managers of either party never may."""
    engagement = _engagement_of(obj)
    consent = _consent_of(obj)
    if _barred(user, engagement, consent):
        return None
    coach_id = engagement.coach_person_id
    if getattr(user, "person_id", None) == coach_id:
        return "coach"
    # A recording's consent scope decides whether supervisors and auditors may hear it.
    if user.id in supervisor_user_ids(coach_id) and (
            consent is None or consent.scope_supervisor_review):
        return "supervisor"
    if user.id in auditor_user_ids(coach_id) and (consent is None or consent.scope_audit):
        return "auditor"
    return None


def blind_scoring_assessment_ids(user: Any, recording: Any) -> list[int]:
    """The blind assessments of this recording the user is assigned to rate, while they are
    scored (open or in moderation)."""
    recording_id = getattr(recording, "id", None)
    if recording_id is None or getattr(user, "id", None) is None:
        return []
    return list(db.session.scalars(
        sa.select(Assessment.id).join(EvidenceItem, Assessment.evidence_item_id == EvidenceItem.id)
        .join(RaterAssignment, RaterAssignment.assessment_id == Assessment.id)
        .where(EvidenceItem.recording_id == recording_id, Assessment.blind.is_(True),
               Assessment.status.in_(("open", "moderation")),
               RaterAssignment.rater_id == user.id)))


def blind_rater_refusal(rater: Any, recording: Any) -> str | None:
    """Why this user may not rate a blind assessment of the recording: the transcript and the
    voices would tell them whose session it is because they know the coach through the
    content relation (the coach themself, a supervisor, an auditor of the coach, or the master
    coach over the coach's lead coach). None: no such relation."""
    relation = content_relation(rater, recording)
    if relation is None and is_flag_reviewer(rater, recording):
        relation = "supervisor"
    if relation is None:
        return None
    name = getattr(rater, "display_name", None) or "This rater"
    return (f"{name} {BLIND_RELATION_WORDS[relation]}, so a blind assessment of it would not "
            "be blind: the recording tells them whose session it is. Choose a rater without a "
            "relation to the coach, or score it as a non-blind assessment.")


BLIND_RELATION_WORDS = {"coach": "is the coach of this recorded session",
                        "supervisor": "supervises the coach of this recorded session",
                        "auditor": "audits the coach of this recorded session"}


def blind_relations(raters: Sequence[Any], recording: Any) -> dict[int, str]:
    """`blind_rater_refusal`'s relation ("coach", "supervisor", "auditor") for many raters of
    one recording at once — the choice list of a blind assessment — from a few queries
    whatever their number: {user id: relation}, only for raters who have one. The barred
    (managers of either party, the coachee, sponsors) have no content relation here either;
    the chain bar refuses them on its own."""
    engagement = _engagement_of(recording)
    consent = _consent_of(recording)
    if engagement is None:
        return {}
    coach_id = engagement.coach_person_id
    # Both parties' reporting lines once, so `_barred` asks no query per rater.
    prefetch_manager_links((coach_id, engagement.coachee_person_id))
    supervising = consent is None or consent.scope_supervisor_review
    supervisors = (supervisor_user_ids(coach_id) | flag_reviewer_user_ids(coach_id)
                   if supervising else set())
    auditors = auditor_user_ids(coach_id) if consent is None or consent.scope_audit else set()
    found: dict[int, str] = {}
    for rater in raters:
        if _barred(rater, engagement, consent):
            continue
        if getattr(rater, "person_id", None) == coach_id:
            found[rater.id] = "coach"
        elif rater.id in supervisors:
            found[rater.id] = "supervisor"
        elif rater.id in auditors:
            found[rater.id] = "auditor"
    return found


@permission
def can_score_blind_recording(user: Any, recording: Any = None) -> bool:
    """Hear and read a recording in order to score it blind: a rater assigned to a blind
    assessment whose evidence is this recording, while it is being scored, when the consent
    covers audit (blind review is quality review, not supervision). They see it only on the
    scoring page, with the names redacted; never the recording or transcript pages."""
    if recording is None or not hasattr(recording, "session"):
        return False
    if _unbarred_engagement(user, recording, "scope_audit") is None:
        return False
    return bool(blind_scoring_assessment_ids(user, recording))


@permission
def can_open_recording_content(user: Any, obj: Any = None) -> bool:
    """Play the audio or read the transcript of a recording (or a session's recordings)."""
    return content_relation(user, obj) is not None


@permission
def can_edit_transcript(user: Any, transcript: Any = None) -> bool:
    """Correct segment text and speaker labels: the coach and their supervisors (auditors
    read, they do not rewrite the evidence they audit)."""
    return content_relation(user, transcript) in {"coach", "supervisor"}


@permission
def can_upload_recording(user: Any, engagement_or_session: Any = None) -> bool:
    """Upload audio for a session: its coach, their supervisors, or L&D on their behalf.
    Without a session: whether the user could upload at all (coaches, supervisors, L&D)."""
    if has_any_role(user, Role.ADMIN):
        return True
    if engagement_or_session is None:
        return has_any_role(user, Role.COACH, Role.LEAD_COACH, Role.MASTER_COACH)
    return content_relation(user, engagement_or_session) in {"coach", "supervisor"}


@permission
def can_manage_recordings(user: Any, obj: Any = None) -> bool:
    """Metadata only: sessions, statuses, consents, retention (L&D admins)."""
    return has_any_role(user, Role.ADMIN)


@permission
def can_manage_consent_texts(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


# --- recordings workflow (sessions, upload, transcription status) -------------------------------


@permission
def can_view_recording(user: Any, obj: Any = None) -> bool:
    """See a session's or recording's metadata (date, status, progress): admins, and those
    who may open its content. Without an object: whether the recordings list is for them."""
    if has_any_role(user, Role.ADMIN):
        return True
    if obj is None:
        return has_any_role(user, Role.COACH, Role.LEAD_COACH, Role.MASTER_COACH, Role.RATER)
    return content_relation(user, obj) is not None


# --- consent (consent services and pages) -------------------------------------------------------


def _is_coachee_of(user: Any, engagement: Any) -> bool:
    own = getattr(user, "person_id", None)
    return (is_signed_in(user) and own is not None and engagement is not None
            and own == getattr(engagement, "coachee_person_id", None))


def _is_coach_of(user: Any, engagement: Any) -> bool:
    """The engagement's coach, unless something bars them from its sessions (a manager of the
    coachee, a sponsor: `_barred`)."""
    own = getattr(user, "person_id", None)
    return (own is not None and engagement is not None
            and own == getattr(engagement, "coach_person_id", None)
            and not _barred(user, engagement, None))


@permission
def can_view_engagement_consent(user: Any, engagement: Any = None) -> bool:
    """The consent page of an engagement: L&D admins, the coachee themself (their own consent
    is theirs to read and give), and the coach, who must know what they may record: the
    consent's status, scope and history (never the signed form, never the withdrawal link)."""
    return (has_any_role(user, Role.ADMIN) or _is_coachee_of(user, engagement)
            or _is_coach_of(user, engagement))


@permission
def can_record_signed_consent(user: Any, engagement: Any = None) -> bool:
    """Record the coachee's signed consent form: L&D admins, and the engagement's coach, who
    collects the signed form when contracting with the coachee. The form is the coachee's own
    consent (the recorder ticks exactly what the coachee ticked on it), so nobody consents for
    another; downloading the form later stays with L&D (`can_manage_recordings`)."""
    return has_any_role(user, Role.ADMIN) or _is_coach_of(user, engagement)


@permission
def can_acknowledge_consent(user: Any, engagement: Any = None) -> bool:
    """Give consent in the app: only the coachee's own account; nobody consents for another
    in the app (admins record the signed form instead)."""
    return _is_coachee_of(user, engagement)


# --- transcript review (transcript page, corrections, export, sensitive-topic flags) ----------


def is_flag_reviewer(user: Any, recording: Any) -> bool:
    """Whether the user is the session coach's master coach (directly, or over the coach's
    lead coach; see `flag_reviewer_user_ids`), the consent covers supervisor review, and
    nothing bars them (managers of either party, sponsors, the coachee, a withdrawal)."""
    engagement = _unbarred_engagement(user, recording, "scope_supervisor_review")
    if engagement is None:
        return False
    return bool(user.id in flag_reviewer_user_ids(engagement.coach_person_id))


@permission
@guard("transcripts.flag_reviewers")
def can_review_sensitive_flags(user: Any, recording: Any = None) -> bool:
    """Read and close sensitive-topic flags: the coach's master coach — assigned over the
    coach, or over the coach's lead coach — never a sponsor or a manager of either party.
    Without a recording: whether the flags page is for them at all."""
    if not has_any_role(user, Role.MASTER_COACH):
        return False
    if recording is None:
        return True
    return is_flag_reviewer(user, recording)
