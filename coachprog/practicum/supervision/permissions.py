"""Who may see and act on supervision feedback, 1:1s and gates.

Policy:
- The queue belongs to supervisors (lead and master coaches); each sees only their trainees.
- Written feedback on a scored session: written by a supervisor of the trainee; read by the
  trainee and the trainee's supervisors — not admins, not sponsors, not managers.
- 1:1 notes are private to the pair (the supervisor who held it and the trainee).
- The program overview (every trainee's week, verified hours, gate status and overdue
  counts per supervisor): program staff above the supervisors — admins (L&D) and master
  coaches. Counts and hours only, never feedback text or 1:1 notes.
- Gate pages (checklists, decisions): the trainee, their supervisors, master coaches and
  admins (program staff) see them; only a master coach who is not the trainee records a
  decision.
- The chain bar: nobody in the trainee's management chain passes any of these predicates,
  whatever role or assignment they hold (`people.services.in_management_chain`).
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.people.services import user_in_chain_of
from coachprog.practicum.permissions import is_person, supervises
from coachprog.roles import Role


def _in_chain(user: Any, trainee_person_id: Any) -> bool:
    return isinstance(trainee_person_id, int) and user_in_chain_of(user, trainee_person_id)


def _supervises(user: Any, trainee_person_id: Any) -> bool:
    # A sponsor role switches supervision off, whatever the assignments say.
    if is_signed_in(user) and has_any_role(user, Role.SPONSOR):
        return False
    return supervises(user, trainee_person_id)


@permission
def can_view_supervision_queue(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.LEAD_COACH, Role.MASTER_COACH) and \
        not has_any_role(user, Role.SPONSOR)


@permission
def can_view_own_supervision(user: Any, obj: Any = None) -> bool:
    """A coach's own page: feedback they received, their 1:1s, their gates."""
    return is_signed_in(user) and getattr(user, "person_id", None) is not None and \
        not has_any_role(user, Role.SPONSOR)


@permission
def can_write_session_feedback(user: Any, trainee_person_id: Any = None) -> bool:
    return _supervises(user, trainee_person_id) and not is_person(user, trainee_person_id)


@permission
def can_view_session_feedback(user: Any, trainee_person_id: Any = None) -> bool:
    if has_any_role(user, Role.SPONSOR):
        return False
    return is_person(user, trainee_person_id) or _supervises(user, trainee_person_id)


@permission
def can_record_one_on_one(user: Any, trainee_person_id: Any = None) -> bool:
    return can_write_session_feedback(user, trainee_person_id)


@permission
def can_view_one_on_one(user: Any, one_on_one: Any = None) -> bool:
    """Only the pair: the supervisor who held it and the trainee."""
    if one_on_one is None or not is_signed_in(user) or has_any_role(user, Role.SPONSOR):
        return False
    if is_person(user, one_on_one.trainee_person_id):
        return True
    return bool(user.id == one_on_one.supervisor_user_id
                and not _in_chain(user, one_on_one.trainee_person_id))


@permission
def can_view_practicum_program(user: Any, obj: Any = None) -> bool:
    return is_signed_in(user) and has_any_role(user, Role.ADMIN, Role.MASTER_COACH) and \
        not has_any_role(user, Role.SPONSOR)


@permission
def can_view_practicum_gate(user: Any, trainee_person_id: Any = None) -> bool:
    if has_any_role(user, Role.SPONSOR) or not is_signed_in(user):
        return False
    if is_person(user, trainee_person_id):
        return True
    if _in_chain(user, trainee_person_id):
        return False
    return has_any_role(user, Role.ADMIN, Role.MASTER_COACH) or _supervises(user, trainee_person_id)


@permission
def can_decide_practicum_gate(user: Any, trainee_person_id: Any = None) -> bool:
    return has_any_role(user, Role.MASTER_COACH) and not has_any_role(user, Role.SPONSOR) \
        and isinstance(trainee_person_id, int) and not is_person(user, trainee_person_id) \
        and not _in_chain(user, trainee_person_id)
