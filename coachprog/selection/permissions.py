"""Who may run selection sprints, enter them, move candidates and decide on them.

Policy:
- L&D admins run sprints: create them, seat the panel, move candidates on the board, link
  the assessments that count, reject with a reason, export the board.
- Master and lead coaches (program staff) see sprints, boards and candidates' evidence; they
  supervise practice: verify coached hours and review practice sessions (never their own).
- The calibration panel's three members see the candidates of their sprint that reached the
  panel — the full evidence pack — and each records their own decision. A member conflicted
  with a candidate (management chain either way, coaching, their own candidacy: see
  `panel_domain`) neither reads that candidate's pack nor decides on them, whatever other
  role they hold; L&D replaces the seat. A sponsor on a panel
  sees those candidates only; outside panels sponsors see aggregates, as everywhere.
- A candidate sees their own candidacy (stage, what is next, the hours they logged), may log
  practice hours and may withdraw. They do not see raters' marks or panel reasons.
- A manager nominates people in their reporting line and sees whether the nominee accepted;
  nothing about how the candidacy goes (selection evidence is not theirs to see).
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.roles import PROGRAM_STAFF, Role
from coachprog.selection.domain import CandidateStage, is_final
from coachprog.selection.panel.conflicts import member_conflict

SUPERVISOR_ROLES = (Role.MASTER_COACH, Role.LEAD_COACH)
# Which role a user must hold to take each panel seat.
PANEL_SEAT_ROLES: dict[str, Role] = {
    "hr_ld": Role.ADMIN,
    "external_master_coach": Role.MASTER_COACH,
    "business_sponsor": Role.SPONSOR,
}
PANEL_VISIBLE_STAGES = frozenset({CandidateStage.PANEL.value, CandidateStage.APPOINTED.value,
                                  CandidateStage.REJECTED.value})


def _person_id(user: Any) -> int | None:
    return getattr(user, "person_id", None) if is_signed_in(user) else None


def _is_own(user: Any, candidate: Any) -> bool:
    person_id = _person_id(user)
    return candidate is not None and person_id is not None and candidate.person_id == person_id


def panel_seat_of(user: Any, sprint: Any) -> str | None:
    """The panel role the user holds on the sprint, if any."""
    if not is_signed_in(user) or sprint is None:
        return None
    for member in sprint.panel:
        if member.user_id == user.id:
            return str(member.panel_role)
    return None


def _panel_sees(user: Any, candidate: Any) -> bool:
    """A panel member sees candidates of their sprint who reached the panel (someone rejected
    after reaching it included, so the decision stays readable)."""
    return (candidate is not None and panel_seat_of(user, candidate.sprint) is not None
            and candidate.furthest_stage in PANEL_VISIBLE_STAGES and not _is_own(user, candidate))


@permission
def can_manage_sprints(user: Any, obj: Any = None) -> bool:
    """Create sprints, seat panels, move candidates, link assessments, export boards."""
    return has_any_role(user, Role.ADMIN)


@permission
def can_view_sprints(user: Any, obj: Any = None) -> bool:
    """The sprint list and boards (program staff)."""
    return has_any_role(user, *PROGRAM_STAFF)


@permission
def can_view_sprint(user: Any, sprint: Any = None) -> bool:
    """A sprint's page: program staff see the board; panel members see their panel's list."""
    return can_view_sprints(user) or panel_seat_of(user, sprint) is not None


@permission
def can_enter_sprints(user: Any, obj: Any = None) -> bool:
    """Apply to or nominate for a sprint: any employee with a directory record."""
    return _person_id(user) is not None


@permission
def can_view_candidate(user: Any, candidate: Any = None) -> bool:
    """The candidate page with the evidence pack; never for a panel member conflicted with the
    candidate (a seated admin or master coach included)."""
    if not is_signed_in(user) or candidate is None:
        return False
    return ((has_any_role(user, *PROGRAM_STAFF) or _panel_sees(user, candidate))
            and not member_conflict(user, candidate))


@permission
def can_read_practice_notes(user: Any, candidate: Any = None) -> bool:
    """Notes on practice hours and supervisors' review notes describe practice coachees'
    sessions: program staff read them; a sponsor on the panel sees hours and who reviewed,
    never what was said."""
    return (has_any_role(user, *PROGRAM_STAFF) and not _is_own(user, candidate)
            and not member_conflict(user, candidate))


@permission
def can_view_own_candidacy(user: Any, candidate: Any = None) -> bool:
    return _is_own(user, candidate)


@permission
def can_withdraw_candidacy(user: Any, candidate: Any = None) -> bool:
    """The candidate withdraws themselves; L&D withdraws on someone's behalf."""
    if candidate is None or is_final(candidate.stage):
        return False
    return _is_own(user, candidate) or can_manage_sprints(user)


@permission
def can_log_practice_hours(user: Any, candidate: Any = None) -> bool:
    """Coached hours are logged by the candidate or by L&D/supervisors for them, while the
    candidate is in supervised practice."""
    if candidate is None or candidate.stage != CandidateStage.SUPERVISED_PRACTICE.value:
        return False
    return _is_own(user, candidate) or has_any_role(user, *PROGRAM_STAFF)


@permission
def can_supervise_practice(user: Any, candidate: Any = None) -> bool:
    """Verify coached hours and review practice sessions: a master or lead coach who is not
    the candidate."""
    if not has_any_role(user, *SUPERVISOR_ROLES):
        return False
    return candidate is None or not _is_own(user, candidate)


@permission
def can_record_panel_decision(user: Any, candidate: Any = None) -> bool:
    """Only the sprint's panel members free of conflicts with the candidate, while the
    candidate is at the panel stage."""
    return (candidate is not None and candidate.stage == CandidateStage.PANEL.value
            and panel_seat_of(user, candidate.sprint) is not None and not _is_own(user, candidate)
            and not member_conflict(user, candidate))


@permission
def can_sit_on_panel_for(user: Any, candidate: Any = None) -> bool:
    """Holds a seat on the candidate's sprint panel (conflicted or not): such a member is told
    of a conflict in words rather than refused without a reason."""
    return candidate is not None and panel_seat_of(user, candidate.sprint) is not None


@permission
def can_view_nominations(user: Any, obj: Any = None) -> bool:
    """A manager's own nominations (whether each nominee accepted)."""
    return _person_id(user) is not None
