"""Consent texts: the versioned texts coachees consent to, which L&D admins maintain.

Policy: a text is never edited; a change is a new version (the version label is unique).
Retiring a text stops offering it; consents already given under it stand. Services flush; the
caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from coachprog.authority import require
from coachprog.coaching.paperwork.consent_templates import register_consent_text_source
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.recordings.models import CoacheeConsent, ConsentText

MAX_VERSION_LENGTH = 32
MAX_TITLE_LENGTH = 200
MAX_BODY_LENGTH = 50_000


def list_consent_texts(actor: Any) -> Sequence[ConsentText]:
    """Every version, newest first."""
    require(actor, "can_manage_consent_texts")
    return db.session.scalars(sa.select(ConsentText).order_by(
        ConsentText.created_at.desc(), ConsentText.id.desc())).all()


def offered_consent_texts() -> Sequence[ConsentText]:
    """The versions offered for new consents: not retired, newest first (no permission: the
    texts are what every coachee is asked to read)."""
    return db.session.scalars(sa.select(ConsentText).where(ConsentText.retired_at.is_(None))
                              .order_by(ConsentText.created_at.desc(),
                                        ConsentText.id.desc())).all()


@register_consent_text_source
def _consent_templates() -> list[tuple[str, str, bool]]:
    """Every text as (version, title, retired), newest first: the consent templates a coach's
    paperwork offers (coaching knows nothing of recordings)."""
    rows = db.session.scalars(sa.select(ConsentText).order_by(
        ConsentText.created_at.desc(), ConsentText.id.desc()))
    return [(row.version, row.title, row.retired_at is not None) for row in rows]


def texts_in_use() -> set[int]:
    """Ids of texts some consent refers to (those are frozen forever)."""
    return set(db.session.scalars(sa.select(CoacheeConsent.consent_text_id).distinct()))


def create_consent_text(actor: Any, *, version: str, title: str, body: str) -> ConsentText:
    """A new version. Texts are never edited: a change is a new version."""
    require(actor, "can_manage_consent_texts")
    version, title, body = version.strip(), title.strip(), body.strip()
    errors: dict[str, list[str]] = {}
    if not version:
        errors["version"] = ["Give the version a label, e.g. v2 or 2025-03."]
    elif len(version) > MAX_VERSION_LENGTH:
        errors["version"] = [f"Keep the version label under {MAX_VERSION_LENGTH} characters."]
    elif any(c.isspace() for c in version):
        errors["version"] = ["Use a version label without spaces, e.g. v2 or 2025-03."]
    elif db.session.scalar(sa.select(ConsentText.id).where(ConsentText.version == version)):
        errors["version"] = [f"Version {version} exists already. Texts are never changed: "
                             "give the new text a new version label."]
    if not title:
        errors["title"] = ["Give the text a title."]
    elif len(title) > MAX_TITLE_LENGTH:
        errors["title"] = [f"Keep the title under {MAX_TITLE_LENGTH} characters."]
    if not body:
        errors["body"] = ["Write the text the coachee consents to."]
    elif len(body) > MAX_BODY_LENGTH:
        errors["body"] = [f"Keep the text under {MAX_BODY_LENGTH} characters."]
    if errors:
        raise DomainError("The consent text has problems.", field_errors=errors)
    text = ConsentText(version=version, title=title, body=body,
                       created_by_id=getattr(actor, "id", None))
    db.session.add(text)
    db.session.flush()
    audit.record("consent_text.created", actor=actor, object_type="consent_text",
                 object_id=text.id, detail={"version": version})
    return text


def get_consent_text(text_id: int) -> ConsentText:
    return get_or_404(ConsentText, text_id, what="consent text")


def retire_consent_text(actor: Any, text_id: int) -> ConsentText:
    """Stop offering a version; consents given under it stand. Retiring twice changes
    nothing."""
    require(actor, "can_manage_consent_texts")
    text = get_consent_text(text_id)
    if text.retired_at is None:
        text.retired_at = utcnow()
        db.session.flush()
        audit.record("consent_text.retired", actor=actor, object_type="consent_text",
                     object_id=text.id, detail={"version": text.version})
    return text
