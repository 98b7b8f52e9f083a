"""A nominee's invitation link, issued again by L&D (issue 21).

The link a nomination e-mails is the nominee's only way to accept or decline, and only its
SHA-256 is stored, so nobody can read it back: without SMTP it reached nobody (the outbox and
the logs mask it by design). L&D can issue a new link while the invitation is unanswered: the
old link stops working at once, and the new one is e-mailed when the site sends e-mail, or
else shown once to the admin, who hands it to the nominee by a channel they trust. It is never
stored, logged or flashed into the (readable) session cookie. Whoever opens the link answers
for the nominee, so the admin must not open it. Every issue is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from coachprog.authority import require
from coachprog.errors import DomainError
from coachprog.governance import services as audit
from coachprog.notifications.services import send_email, smtp_settings
from coachprog.selection.domain import CandidateStage, SprintStage
from coachprog.selection.entries.services import base_url, token_hash
from coachprog.selection.models import Candidate
from coachprog.selection.sprints.services import today, window_of


@dataclass(frozen=True)
class IssuedLink:
    candidate: Candidate
    link: str | None  # shown once when it could not be e-mailed; None when it was
    expires_on: str


def sends_email() -> bool:
    """Whether e-mail leaves this site (an SMTP server is configured and usable)."""
    try:
        return bool(smtp_settings().configured)
    except ValueError:
        return False


def invitation_link_problem(candidate: Candidate) -> str | None:
    """Why no new link can be issued for this entry, or None."""
    if candidate.route != "nomination" or candidate.stage != CandidateStage.NOMINATED.value \
            or candidate.invitation_token_hash is None:
        return "This invitation has already been answered: there is no link to issue."
    window = window_of(candidate.sprint, SprintStage.NOMINATION_APPLICATION)
    if today() > window.end:
        return (f"This invitation expired on {window.end.isoformat()}, when the sprint's "
                "nominations closed: a new link could not be used.")
    return None


def issue_invitation_link(actor: Any, candidate: Candidate) -> IssuedLink:
    """A new one-use link for an unanswered nomination; the previous link stops working."""
    require(actor, "can_manage_sprints", candidate)
    if problem := invitation_link_problem(candidate):
        raise DomainError(problem)
    token = secrets.token_urlsafe(32)
    candidate.invitation_token_hash = token_hash(token)
    link = f"{base_url()}/sprints/invitations/{token}"
    expires = window_of(candidate.sprint, SprintStage.NOMINATION_APPLICATION).end.isoformat()
    emailed = sends_email()
    audit.record("candidate.invitation_link_issued", actor=actor, object_type="candidate",
                 object_id=candidate.id,
                 detail={"sprint_id": candidate.sprint_id, "emailed": emailed})
    if emailed:
        nominee = candidate.person
        send_email(kind="selection.invitation", to_email=nominee.email, to_name=nominee.name,
                   subject=f"Your invitation to internal coach selection: {candidate.sprint.name}",
                   body=f"Dear {nominee.name},\n\nHere is a new link to accept or decline your "
                        f"nomination for the internal coach selection sprint "
                        f"\"{candidate.sprint.name}\" (the link sent before no longer works). "
                        f"Answer by {expires}:\n{link}\n\nThe L&D team",
                   related_type="candidate", related_id=candidate.id, secrets=(token,))
        return IssuedLink(candidate, None, expires)
    return IssuedLink(candidate, link, expires)
