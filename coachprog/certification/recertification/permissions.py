"""Who may see and work on a recertification.

Policy (issue 8): the recertification page shows a coach's cycle evidence, so it follows the
certification page — the coach themselves and program staff; managers and sponsors never.
The coach (or an L&D admin for them) writes the outcomes brief and asks for the peer review.
A peer sees only the review they were asked for, never the rest of the page. Master coaches
and admins start the rubric-scored review; the rater scores it (the assessments rule); the two
approvals are the certification decision rule (`can_decide_certification`). The coach, a
master coach or an admin may withdraw a recertification in progress, with a reason.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.people.services import user_in_chain_of
from coachprog.roles import PROGRAM_STAFF, Role


def _is_the_coach(user: Any, cert: Any) -> bool:
    person_id = getattr(user, "person_id", None)
    return cert is not None and person_id is not None and person_id == cert.person_id


@permission
def can_view_recertification(user: Any, cert: Any = None) -> bool:
    """The recertification page of one certification (never for the coach's managers)."""
    if not is_signed_in(user):
        return False
    if _is_the_coach(user, cert):
        return True
    if cert is not None and user_in_chain_of(user, cert.person_id):
        return False
    return has_any_role(user, *PROGRAM_STAFF)


@permission
def can_submit_recert_evidence(user: Any, cert: Any = None) -> bool:
    """Write the outcomes brief and request the peer review: the coach, or an admin."""
    if not is_signed_in(user):
        return False
    return has_any_role(user, Role.ADMIN) or _is_the_coach(user, cert)


@permission
def can_write_peer_review(user: Any, request: Any = None) -> bool:
    """Only the coach named in the request writes the peer review."""
    if not is_signed_in(user) or request is None:
        return False
    person_id = getattr(user, "person_id", None)
    return person_id is not None and person_id == request.reviewer_person_id


@permission
def can_start_recert_review(user: Any, cert: Any = None) -> bool:
    return has_any_role(user, Role.MASTER_COACH, Role.ADMIN) and not _is_the_coach(user, cert)


@permission
def can_withdraw_recertification(user: Any, cert: Any = None) -> bool:
    if not is_signed_in(user):
        return False
    return has_any_role(user, Role.MASTER_COACH, Role.ADMIN) or _is_the_coach(user, cert)
