"""Coachees' consent to recorded sessions: the versioned consent texts admins maintain, and the
consents themselves (which text, who, when, how, which scope).

Policy:
- Consent texts are versioned (`consent.texts`); the scopes and what a signed form may be are
  pure rules (`consent.domain`).
- A consent is given for one engagement, either by the coachee acknowledging the text in the
  app (method "in_app", only the coachee's own account) or by an admin recording the signed
  form on the coachee's behalf (method "signed_form", a PDF or image checked by its first bytes).
- Scopes are independent, except that transcription needs recording.
- The current consent of an engagement is its newest consent that is not withdrawn. Recording
  a new consent withdraws nothing: it becomes current, and recordings keep pointing at the
  consent they were made under.
- Withdrawal is per engagement (see `purge.purge_consent`): withdrawing ends every standing
  consent of the engagement and purges the recordings they covered.
- Every new consent gets a withdrawal link (a random token, only its SHA-256 stored) that is
  e-mailed to the coachee.

Services flush; the caller commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from werkzeug.utils import secure_filename

from coachprog import storage as files
from coachprog.authority import require
from coachprog.coaching.models import Engagement
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.notifications.services import send_email
from coachprog.policy.domain import OptOutKind
from coachprog.policy.guards import guard
from coachprog.policy.services import opt_out_problems
from coachprog.recordings.consent.domain import (
    FORM_MIMETYPES,
    SCOPES,
    describe_scopes,
    form_kind,
    scope_problems,
    scopes_of,
    token_hash,
)
from coachprog.recordings.consent.texts import offered_consent_texts
from coachprog.recordings.models import CoacheeConsent, ConsentText, Recording
from coachprog.recordings.retention.purge import (
    ConsentPurge,
    PurgePreview,
    preview_purge,
    purge_consent,
)

DEFAULT_MAX_CONSENT_FORM_BYTES = 10 * 1024 * 1024
# A form dated long before the engagement began is more likely a typo than a real signature.
_EARLIEST_BEFORE_START = timedelta(days=90)


# --- consents -----------------------------------------------------------------------------------


def _engagement(engagement_id: int) -> Engagement:
    return get_or_404(Engagement, engagement_id, what="engagement")


_OPT_OUT_FOR_NEED = {"record": OptOutKind.RECORDING, "analytics": OptOutKind.ANALYTICS}


def _opt_out_problems(engagement_id: int, need: str) -> list[str]:
    kind = _OPT_OUT_FOR_NEED.get(need)
    engagement = db.session.get(Engagement, engagement_id)
    if kind is None or engagement is None:
        return []
    return opt_out_problems([engagement.coach, engagement.coachee], kind)


def consents_of(engagement_id: int) -> Sequence[CoacheeConsent]:
    """Every consent of the engagement, newest first."""
    return db.session.scalars(sa.select(CoacheeConsent)
                              .where(CoacheeConsent.engagement_id == engagement_id)
                              .order_by(CoacheeConsent.consented_at.desc(),
                                        CoacheeConsent.id.desc())).all()


def current_consent(engagement_id: int) -> CoacheeConsent | None:
    """The consent that counts for new recordings: the newest one not withdrawn."""
    return db.session.scalar(sa.select(CoacheeConsent)
                             .where(CoacheeConsent.engagement_id == engagement_id,
                                    CoacheeConsent.withdrawn_at.is_(None))
                             .order_by(CoacheeConsent.consented_at.desc(),
                                       CoacheeConsent.id.desc()).limit(1))


_NEEDS = {
    "record": "recording the sessions",
    "transcribe": "transcribing the recordings",
    "supervisor_review": "review by the coach's supervisors",
    "audit": "review by auditors",
    "analytics": "anonymised analytics",
}


@guard("policy.recording_opt_out")
def consent_refusal(engagement_id: int, *, need: str) -> str | None:
    """Why the engagement's current consent does not allow `need` (one of SCOPES), in plain
    words; None when it does. Upload and transcription call this and refuse on a reason."""
    if need not in SCOPES:
        raise ValueError(f"unknown consent scope {need!r}; one of {', '.join(SCOPES)}")
    # An opt-out outranks any consent (use-case matrix: recording-after-opt-out): nobody who
    # opted out of recording (or of the program) is recorded, whatever the coachee signed.
    opted_out = _opt_out_problems(engagement_id, need)
    if opted_out:
        return " ".join(opted_out)
    consent = current_consent(engagement_id)
    if consent is None:
        withdrawn = db.session.scalar(sa.select(CoacheeConsent.id).where(
            CoacheeConsent.engagement_id == engagement_id).limit(1))
        if withdrawn is not None:
            return (f"The coachee has withdrawn their consent for this engagement, so "
                    f"{_NEEDS[need]} is not allowed. A new consent from the coachee is needed.")
        return (f"The coachee has not given consent for this engagement, so {_NEEDS[need]} is "
                "not allowed. Ask the coachee to give consent in the app, or an L&D admin to "
                "record their signed consent form.")
    if need not in scopes_of(consent):
        return (f"The coachee's consent (text {consent.consent_text.version}, given "
                f"{consent.consented_at.astimezone(UTC):%Y-%m-%d}) does not cover "
                f"{_NEEDS[need]}. Only a new consent that includes it would allow it.")
    return None


@dataclass(frozen=True)
class SignedForm:
    filename: str
    stream: IO[bytes]


@dataclass(frozen=True)
class RecordedConsent:
    consent: CoacheeConsent
    withdrawal_token: str  # shown nowhere but the coachee's e-mail


def consents_store() -> files.Storage:
    """Signed consent forms live in the `consents` area of the file store (instance/consents/
    or COACHPROG_CONSENT_DIR, or the object store), never under static/."""
    return files.store_for("consents")


def _max_form_bytes() -> int:
    return int(current_app.config.get("COACHPROG_MAX_CONSENT_FORM_BYTES",
                                      DEFAULT_MAX_CONSENT_FORM_BYTES))


def _form_problem(form: SignedForm | None) -> str | None:
    if form is None or not form.filename:
        return "Attach the signed consent form (PDF, PNG or JPEG)."
    stream = form.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        return "The file is empty. Attach the scanned, signed form."
    limit = _max_form_bytes()
    if size > limit:
        return f"The file is larger than {limit / 1024 / 1024:.0f} MB. Scan at a lower resolution."
    head = stream.read(16)
    stream.seek(0)
    if form_kind(head) is None:
        return ("This file is not a PDF, PNG or JPEG (its content says otherwise, whatever its "
                "name). Scan the signed form to one of those.")
    return None


def _base_url() -> str:
    return str(current_app.config.get("COACHPROG_BASE_URL", "http://127.0.0.1:5000")).rstrip("/")


def withdrawal_link(token: str) -> str:
    return f"{_base_url()}/consent/withdraw/{token}"


def record_consent(actor: Any, engagement_id: int, *, consent_text_id: int | None,
                   scopes: Collection[str], method: str, signed_form: SignedForm | None = None,
                   signed_on: date | None = None) -> RecordedConsent:
    """Record a coachee's consent: in the app by the coachee themself ("in_app"), or by an
    admin or the engagement's coach with the signed form ("signed_form", dated `signed_on`,
    default today). The new
    consent becomes current; the coachee is e-mailed their withdrawal link."""
    engagement = _engagement(engagement_id)
    if method == "in_app":
        require(actor, "can_acknowledge_consent", engagement)
    elif method == "signed_form":
        require(actor, "can_record_signed_consent", engagement)
    else:
        raise ValueError(f"unknown consent method {method!r}")
    errors: dict[str, list[str]] = {}
    if engagement.status != "active":
        raise DomainError("This engagement has ended; consent is given for active engagements "
                          "only.")
    text = db.session.get(ConsentText, consent_text_id) if consent_text_id else None
    if text is None:
        errors["consent_text_id"] = ["Choose the consent text the coachee read."]
    elif text.retired_at is not None:
        errors["consent_text_id"] = [f"Version {text.version} is retired; use a version that "
                                     "is still offered."]
    if problems := scope_problems(scopes):
        errors["scopes"] = problems
    elif "record" in scopes and (opted_out := _opt_out_problems(engagement.id, "record")):
        errors["scopes"] = opted_out
    now = utcnow()
    consented_at = now
    if method == "signed_form":
        if problem := _form_problem(signed_form):
            errors["signed_form"] = [problem]
        if signed_on is not None:
            if signed_on > now.date():
                errors["signed_on"] = ["The form cannot be signed in the future."]
            elif signed_on < engagement.start_date - _EARLIEST_BEFORE_START:
                errors["signed_on"] = ["That is long before the engagement started; check "
                                       "the date on the form."]
            else:
                consented_at = datetime.combine(signed_on, time(12, 0), tzinfo=UTC)
    if errors or text is None:
        raise DomainError("The consent was not recorded: " + " ".join(
            m for messages in errors.values() for m in messages), field_errors=errors)
    token = secrets.token_urlsafe(32)
    consent = CoacheeConsent(
        coachee_person_id=engagement.coachee_person_id, engagement_id=engagement.id,
        consent_text_id=text.id, method=method, consented_at=consented_at,
        recorded_by_id=getattr(actor, "id", None), withdrawal_token_hash=token_hash(token),
        **{f"scope_{name}": name in scopes for name in SCOPES})
    if method == "signed_form" and signed_form is not None:
        kind = form_kind(signed_form.stream.read(16)) or "bin"
        signed_form.stream.seek(0)
        forms = consents_store()
        # A random name: nothing about the coachee or the upload's own name on disk.
        stored = secrets.token_hex(16)
        forms.put(stored, signed_form.stream)
        files.delete_on_rollback(forms, stored)
        consent.signed_form_path = f"consents/{stored}"
        name = secure_filename(signed_form.filename)[:190] or "signed-consent"
        consent.signed_form_name = name if "." in name else f"{name}.{kind}"
    db.session.add(consent)
    db.session.flush()
    audit.record("consent.recorded", actor=actor, object_type="coachee_consent",
                 object_id=consent.id,
                 detail={"engagement_id": engagement.id, "version": text.version,
                         "method": method, "scopes": sorted(scopes)})
    _email_coachee(engagement, consent, text, token,
                   by_coach=getattr(actor, "person_id", None) == engagement.coach_person_id)
    return RecordedConsent(consent, token)


def _email_coachee(engagement: Engagement, consent: CoacheeConsent, text: ConsentText,
                   token: str, *, by_coach: bool = False) -> None:
    coachee = engagement.coachee
    lines = "\n".join(f"- {line}" for line in describe_scopes(scopes_of(consent)))
    how = ("you gave it in the app" if consent.method == "in_app"
           else f"{'your coach' if by_coach else 'L&D'} recorded the consent form you signed")
    send_email(
        kind="consent.recorded", to_email=coachee.email, to_name=coachee.name,
        subject="Your consent for recorded coaching sessions",
        body=(f"Hello {coachee.name},\n\n"
              f"Your consent for your coaching with {engagement.coach.name} is on record "
              f"({how}; consent text {text.version}, “{text.title}”). You agreed that we may:\n"
              f"{lines}\n\n"
              "You can withdraw this consent at any time, without giving a reason, through "
              "this personal link (keep it to yourself):\n"
              f"{withdrawal_link(token)}\n\n"
              "Withdrawing deletes the recordings and transcripts made under it. Scores "
              "already given are kept, without any text from your sessions.\n\nThe L&D team"),
        related_type="coachee_consent", related_id=consent.id, secrets=(token,))


def get_consent(consent_id: int) -> CoacheeConsent:
    return get_or_404(CoacheeConsent, consent_id, what="consent")


def consent_by_token(token: str) -> CoacheeConsent:
    """The consent a withdrawal link belongs to; NotFound for an unknown token or one whose
    consent is already withdrawn (the link works once)."""
    if not token or len(token) > 200:
        raise NotFound("consent")
    consent = db.session.scalar(sa.select(CoacheeConsent).where(
        CoacheeConsent.withdrawal_token_hash == token_hash(token)))
    if consent is None or consent.withdrawn_at is not None:
        raise NotFound("consent")
    return consent


@dataclass(frozen=True)
class EngagementConsent:
    """What the engagement's consent page shows."""

    engagement: Engagement
    current: CoacheeConsent | None
    history: Sequence[CoacheeConsent]
    offered: Sequence[ConsentText]
    recording_counts: dict[int, int]


def engagement_consent(actor: Any, engagement_id: int) -> EngagementConsent:
    engagement = _engagement(engagement_id)
    require(actor, "can_view_engagement_consent", engagement)
    history = consents_of(engagement_id)
    counts: dict[int, int] = {consent_id: int(count) for consent_id, count in db.session.execute(
        sa.select(Recording.consent_id, sa.func.count(Recording.id))
        .where(Recording.consent_id.in_([c.id for c in history]))
        .group_by(Recording.consent_id))}
    return EngagementConsent(engagement, current_consent(engagement_id), history,
                             offered_consent_texts(), counts)


@dataclass(frozen=True)
class SignedFormFile:
    store: files.Storage
    name: str
    download_name: str
    mimetype: str


def open_signed_form(actor: Any, consent_id: int) -> SignedFormFile:
    """The signed consent form, for admins only; every download is audited."""
    consent = get_consent(consent_id)
    require(actor, "can_manage_recordings", consent)
    if not consent.signed_form_path:
        raise NotFound("signed form")
    forms = consents_store()
    name = files.safe_name(consent.signed_form_path)
    try:
        with forms.open(name, 0, 16) as handle:
            kind = form_kind(handle.read(16)) or "pdf"
    except FileNotFoundError:
        raise NotFound("signed form") from None
    audit.record("consent.form_read", actor=actor, object_type="coachee_consent",
                 object_id=consent.id, detail={"engagement_id": consent.engagement_id})
    return SignedFormFile(forms, name, consent.signed_form_name or f"consent-{consent.id}.{kind}",
                          FORM_MIMETYPES.get(kind, "application/octet-stream"))


# --- withdrawal ---------------------------------------------------------------------------------

MAX_REASON_LENGTH = 1000


def preview_withdrawal(token: str) -> PurgePreview:
    """What withdrawing through this link would delete (NotFound for a dead link)."""
    return preview_purge(consent_by_token(token))


def withdraw_by_token(actor: Any, token: str) -> ConsentPurge:
    """The coachee withdraws through their link; no sign-in needed, the token is the proof.
    The link works once. Returns the purge summary (counts)."""
    consent = consent_by_token(token)
    # Whoever follows the link acts as the coachee; a signed-in account is recorded as such.
    who = actor if getattr(actor, "is_authenticated", False) else None
    return purge_consent(who, consent, via="link")


def withdraw_as_coachee(actor: Any, consent_id: int) -> ConsentPurge:
    """The coachee, signed in, withdraws their own consent (no reason asked: it is theirs to
    withdraw); the same purge as the e-mailed link."""
    consent = get_consent(consent_id)
    require(actor, "can_acknowledge_consent", consent.engagement)
    if consent.withdrawn_at is not None:
        raise DomainError("This consent is already withdrawn.")
    return purge_consent(actor, consent, via="app")


def withdraw_on_behalf(actor: Any, consent_id: int, *, reason: str) -> ConsentPurge:
    """An admin withdraws the consent on the coachee's behalf (e.g. the coachee asked by
    phone); the reason is required and audited."""
    consent = get_consent(consent_id)
    require(actor, "can_manage_recordings", consent)
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the consent is withdrawn (e.g. “coachee asked by phone on "
                          "3 March”).", field_errors={"reason": [
                              "Say why the consent is withdrawn."]})
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError("The reason is too long.", field_errors={"reason": [
            f"Keep the reason under {MAX_REASON_LENGTH} characters."]})
    if consent.withdrawn_at is not None:
        raise DomainError("This consent is already withdrawn.")
    return purge_consent(actor, consent, via="admin", reason=reason)
