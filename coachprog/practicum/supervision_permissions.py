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
from coachprog.roles import Role


def _in_chain(user: Any, trainee_person_id: Any) -> bool:
    from coachprog.people.services import user_in_chain_of

    return isinstance(trainee_person_id, int) and user_in_chain_of(user, trainee_person_id)


def _supervises(user: Any, trainee_person_id: Any) -> bool:
    from coachprog.recordings.permissions import supervisor_user_ids

    if not is_signed_in(user) or not isinstance(trainee_person_id, int):
        return False
    if has_any_role(user, Role.SPONSOR):
        return False
    # supervisor_user_ids leaves out anyone in the trainee's management chain.
    return bool(user.id in supervisor_user_ids(trainee_person_id))


def _is_person(user: Any, person_id: Any) -> bool:
    own = getattr(user, "person_id", None)
    return is_signed_in(user) and own is not None and own == person_id


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
    return _supervises(user, trainee_person_id) and not _is_person(user, trainee_person_id)


@permission
def can_view_session_feedback(user: Any, trainee_person_id: Any = None) -> bool:
    if has_any_role(user, Role.SPONSOR):
        return False
    return _is_person(user, trainee_person_id) or _supervises(user, trainee_person_id)


@permission
def can_record_one_on_one(user: Any, trainee_person_id: Any = None) -> bool:
    return can_write_session_feedback(user, trainee_person_id)


@permission
def can_view_one_on_one(user: Any, one_on_one: Any = None) -> bool:
    """Only the pair: the supervisor who held it and the trainee."""
    if one_on_one is None or not is_signed_in(user) or has_any_role(user, Role.SPONSOR):
        return False
    if _is_person(user, one_on_one.trainee_person_id):
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
    if _is_person(user, trainee_person_id):
        return True
    if _in_chain(user, trainee_person_id):
        return False
    return has_any_role(user, Role.ADMIN, Role.MASTER_COACH) or _supervises(user, trainee_person_id)


@permission
def can_decide_practicum_gate(user: Any, trainee_person_id: Any = None) -> bool:
    return has_any_role(user, Role.MASTER_COACH) and not has_any_role(user, Role.SPONSOR) \
        and isinstance(trainee_person_id, int) and not _is_person(user, trainee_person_id) \
        and not _in_chain(user, trainee_person_id)


# --- home panels -------------------------------------------------------------------------------


def _supervision_panel(user: Any) -> Any:
    """Program staff: overdue feedback and 1:1 counts; supervisors: their own due items."""
    from flask import url_for

    from coachprog.panels import Item, Panel
    from coachprog.practicum import supervision_services as services

    if has_any_role(user, Role.ADMIN) and can_view_practicum_program(user):
        feedback, meetings = services.overdue_counts()
        link = url_for("supervision.program")
        return Panel("Practicum supervision", items=[
            Item("Written feedback overdue (48 h)", link=link, count=feedback,
                 level="warn" if feedback else "info"),
            Item("1:1 supervisions overdue (7 days)", link=link, count=meetings,
                 level="warn" if meetings else "info"),
            Item("Program overview: trainees, hours, gates", link=link)])
    if can_view_supervision_queue(user):
        items = services.deadlines_for(services.trainee_ids_of(user))
        open_feedback = [d for d in items if d.feedback.is_open]
        open_meetings = [d for d in items if d.one_on_one.is_open]
        if not open_feedback and not open_meetings:
            return None
        link = url_for("supervision.queue")
        late = sum(1 for d in open_feedback if d.feedback.state.value == "overdue") + \
            sum(1 for d in open_meetings if d.one_on_one.state.value == "overdue")
        return Panel("Supervision due", items=[
            Item("Feedback to write", link=link, count=len(open_feedback)),
            Item("1:1s to hold", link=link, count=len(open_meetings)),
            Item("Of these overdue", link=link, count=late, level="warn" if late else "info")])
    return None


def _register() -> None:
    from coachprog.panels import register_panel_source

    register_panel_source(_supervision_panel)


_register()
