"""Who may see and change coaching relationships: appointment paperwork, engagements and the
performance-review relationships that rule a match out.

Policy:
- L&D admins draw up the paperwork, match coaches with coachees, end engagements and record
  who evaluates whom. Program staff (admins, master and lead coaches) see the coaches, their
  paperwork and every engagement — except engagements of people in their own reporting line.
- The time-allocation agreement is signed in the app by the two parties themselves: the coach
  (the signed-in user whose person is the coach) and the manager named on the agreement. No one
  signs for them, admins included.
- The agreement's manager sees the agreement only: never the role profile, the consent
  template, the coach's engagements or anything about coachees (coaching is not surveillance).
- An engagement is seen by program staff, its coach and its coachee; never by a manager of
  either (directly or indirectly), whatever other role they hold. Sponsors see none of it.
- Its goals are coaching content: only the coach, the coach's assigned supervisors and L&D
  admins read them — and the coachee, whose goals they are (the rest of the page — who, since
  when, the cap — stays as above). Lead and master coaches see other coaches' engagements
  without their goals.

Paperwork predicates take a "coach file": any object with `coach` (the coach's Person) and
`paperwork` (their CoachPaperwork row or None).
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.coaching.supervisors import supervisor_user_ids
from coachprog.people.domain import reports_to
from coachprog.roles import PROGRAM_STAFF, Role


def _person_id(user: Any) -> int | None:
    if not is_signed_in(user):
        return None
    return getattr(user, "person_id", None)


def _is_coach_of(user: Any, coach_file: Any) -> bool:
    person_id = _person_id(user)
    return (coach_file is not None and person_id is not None
            and coach_file.coach is not None and coach_file.coach.id == person_id)


def _is_agreement_manager(user: Any, coach_file: Any) -> bool:
    person_id = _person_id(user)
    paperwork = getattr(coach_file, "paperwork", None)
    return (person_id is not None and paperwork is not None
            and paperwork.manager_person_id == person_id)


@permission
def can_list_coaches(user: Any, obj: Any = None) -> bool:
    """The appointed coaches with their paperwork status and capacity (program staff)."""
    return has_any_role(user, *PROGRAM_STAFF)


@permission
def can_view_paperwork(user: Any, coach_file: Any = None) -> bool:
    """The paperwork page: program staff, the coach, and the manager named on the agreement
    (who sees the agreement part only, see `can_view_full_paperwork`)."""
    if coach_file is None or not is_signed_in(user):
        return False
    return (can_view_full_paperwork(user, coach_file)
            or _is_agreement_manager(user, coach_file))


@permission
def can_view_full_paperwork(user: Any, coach_file: Any = None) -> bool:
    """All three documents and the coach's capacity: program staff and the coach."""
    if coach_file is None or not is_signed_in(user):
        return False
    return has_any_role(user, *PROGRAM_STAFF) or _is_coach_of(user, coach_file)


@permission
def can_edit_paperwork(user: Any, coach_file: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_sign_agreement_as_coach(user: Any, coach_file: Any = None) -> bool:
    """Only the coach themselves; whether there is anything to sign is the service's call."""
    return _is_coach_of(user, coach_file)


@permission
def can_sign_agreement_as_manager(user: Any, coach_file: Any = None) -> bool:
    """Only the manager the agreement names (set when an admin draws it up)."""
    return _is_agreement_manager(user, coach_file)


@permission
def can_match_coaches(user: Any, obj: Any = None) -> bool:
    """Create engagements: match an appointed coach with a coachee."""
    return has_any_role(user, Role.ADMIN)


@permission
def can_list_engagements(user: Any, obj: Any = None) -> bool:
    """Program staff see every engagement (bar their own reporting line's); a coach sees the
    ones they are part of."""
    return has_any_role(user, *PROGRAM_STAFF, Role.COACH)


@permission
def can_view_all_engagements(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, *PROGRAM_STAFF)


@permission
def can_view_engagement(user: Any, engagement: Any = None) -> bool:
    if engagement is None or not is_signed_in(user):
        return False
    person_id = _person_id(user)
    if person_id is not None:
        if person_id in (engagement.coach_person_id, engagement.coachee_person_id):
            return True
        # A manager of either party never sees the relationship, even an admin.
        if reports_to(engagement.coach, person_id) or reports_to(engagement.coachee, person_id):
            return False
    return can_view_all_engagements(user)


@permission
def can_view_engagement_goals(user: Any, engagement: Any = None) -> bool:
    """The coach, their assigned supervisors (`coaching.supervisors.supervisor_user_ids`:
    holding a supervising role, not in the coach's chain), L&D admins and the coachee whose
    goals they are — never a manager of either party (`can_view_engagement` refuses first)."""
    if not can_view_engagement(user, engagement) or has_any_role(user, Role.SPONSOR):
        return False
    if _person_id(user) in (engagement.coach_person_id, engagement.coachee_person_id) or \
            has_any_role(user, Role.ADMIN):
        return True
    return bool(user.id in supervisor_user_ids(engagement.coach_person_id))


@permission
def can_end_engagement(user: Any, engagement: Any = None) -> bool:
    return (has_any_role(user, Role.ADMIN)
            and (engagement is None or can_view_engagement(user, engagement)))


@permission
def can_manage_evaluations(user: Any, person: Any = None) -> bool:
    """See, record and remove performance-review relationships on a person (HR data)."""
    return has_any_role(user, Role.ADMIN)
