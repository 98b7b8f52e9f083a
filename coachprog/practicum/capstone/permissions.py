"""Who may see and submit capstone briefs.

Policy:
- The brief is coaching content (a plan for a named leader): it is read by the trainee, the
  trainee's supervisors (`coaching.SupervisorAssignment`, holding lead or master coach), the
  raters assigned to score it and, while its scoring is in moderation, master coaches (one of
  them settles it). Nobody else: admins see the versions' status and results, not the text.
- Sponsors, the coached leader and line managers of the trainee or of the leader never read
  it, whatever other role they hold (coaching is not surveillance).
- Only the trainee submits their brief (a new version), and downloads follow the same rule
  as reading.
Predicates that take a trainee take their person id; brief predicates take a `CapstoneBrief`.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.people.services import user_in_chain_of
from coachprog.practicum.permissions import is_person, supervises
from coachprog.roles import Role


def manages(user: Any, person_id: int | None) -> bool:
    """Whether the user is in the person's management chain (the one chain bar)."""
    return user_in_chain_of(user, person_id)


def _barred(user: Any, person_id: Any) -> bool:
    return (not is_signed_in(user) or has_any_role(user, Role.SPONSOR)
            or not isinstance(person_id, int) or manages(user, person_id))


@permission
def can_view_capstone(user: Any, person_id: Any = None) -> bool:
    """The capstone page (versions, their status and results): the trainee, their
    supervisors and admins."""
    if _barred(user, person_id):
        return False
    return (is_person(user, person_id) or supervises(user, person_id)
            or has_any_role(user, Role.ADMIN))


@permission
def can_submit_capstone_brief(user: Any, person_id: Any = None) -> bool:
    return not _barred(user, person_id) and is_person(user, person_id)


@permission
def can_view_capstone_brief(user: Any, brief: Any = None) -> bool:
    """The brief's content (text, file, KPI, objectives)."""
    if brief is None or _barred(user, brief.person_id):
        return False
    engagement = brief.engagement
    if engagement is not None and (getattr(user, "person_id", None) ==
                                   engagement.coachee_person_id
                                   or manages(user, engagement.coachee_person_id)):
        return False
    if is_person(user, brief.person_id) or supervises(user, brief.person_id):
        return True
    assessment = brief.assessment
    if any(a.rater_id == user.id for a in assessment.assignments):
        return True
    return assessment.status == "moderation" and has_any_role(user, Role.MASTER_COACH)
