"""Who may run calibration exercises and see how raters agree.

Admins (L&D staff) run exercises; master coaches set the gold marks; raters take part and see
their own results only; master and lead coaches supervise raters, so they see every rater's
agreement, severity and drift. Sponsors, managers and coaches see none of it: a rater's
agreement numbers are performance data about that rater.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.roles import PROGRAM_STAFF as SUPERVISORS
from coachprog.roles import RATER_ROLES, Role


def _participant_ids(exercise: Any) -> set[int]:
    return set(getattr(exercise, "participant_ids", ()) or ())


@permission
def can_manage_calibration(user: Any, obj: Any = None) -> bool:
    """Create and close calibration exercises."""
    return has_any_role(user, Role.ADMIN)


@permission
def can_view_calibration(user: Any, obj: Any = None) -> bool:
    """The calibration page: supervisors see exercises, raters their own calibrations."""
    return has_any_role(user, *SUPERVISORS, *RATER_ROLES)


@permission
def can_view_calibration_exercise(user: Any, exercise: Any = None) -> bool:
    if not is_signed_in(user) or exercise is None:
        return False
    return has_any_role(user, *SUPERVISORS) or user.id in _participant_ids(exercise)


@permission
def can_view_all_calibration_results(user: Any, exercise: Any = None) -> bool:
    """Every rater's agreement, severity and the chart (a participant sees only their own)."""
    return has_any_role(user, *SUPERVISORS)


@permission
def can_score_gold_marks(user: Any, obj: Any = None) -> bool:
    """Gold marks are agreed by master coaches."""
    return has_any_role(user, Role.MASTER_COACH)


@permission
def can_take_calibration(user: Any, obj: Any = None) -> bool:
    """Who may be a participant of an exercise: anyone who may be assigned live assessments
    (rater, master coach, lead coach), since live scoring needs calibration."""
    return has_any_role(user, *RATER_ROLES)


@permission
def can_view_rater_drift(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, *SUPERVISORS)
