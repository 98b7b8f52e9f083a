"""Who may raise, see and work escalation cases.

Policy: a case is seen only by its owner and the people and roles its category's path names
(`domain.may_see_case`, the one rule); lists filter with the same rule as a query
(`visible_cases_clause`), so a list never asks per row. Coaches and supervisors may raise a case
by hand; raising it does not make them able to read it. Sponsors and L&D see counts only.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coachprog.authority import has_any_role, is_signed_in, permission, roles_of
from coachprog.roles import Role
from coachprog.safeguarding.escalations import domain
from coachprog.safeguarding.escalations.models import EscalationCase
from coachprog.safeguarding.escalations.paths import current_paths

RAISERS = (Role.COACH, Role.LEAD_COACH, Role.MASTER_COACH, Role.ADMIN)


def _may_see(user: Any, case: Any) -> bool:
    if not is_signed_in(user) or case is None:
        return False
    return domain.may_see_case(
        user_id=getattr(user, "id", None), roles=roles_of(user),
        email=getattr(user, "email", "") or "", owner_id=case.owner_id,
        path=current_paths().get(case.category))


def visible_cases_clause(user: Any) -> Any:
    """The cases this user sees, as a WHERE clause (owner, or a category whose path names them)."""
    if not is_signed_in(user):
        return sa.false()
    categories = current_paths().categories_visible_to(roles_of(user),
                                                       getattr(user, "email", "") or "")
    return sa.or_(EscalationCase.owner_id == user.id,
                  EscalationCase.category.in_(sorted(categories)))


@permission
def can_raise_escalation(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, *RAISERS)


@permission
def can_list_escalations(user: Any, obj: Any = None) -> bool:
    """The case list is for those who own cases or are named on paths (supervisors and L&D);
    it shows only their cases. Coaches raise concerns; they do not work them."""
    return has_any_role(user, Role.ADMIN, Role.MASTER_COACH, Role.LEAD_COACH)


@permission
def can_view_escalation(user: Any, case: Any = None) -> bool:
    return _may_see(user, case)


@permission
def can_work_escalation(user: Any, case: Any = None) -> bool:
    """Take the case on, record steps, close or reopen it: whoever may see it (the owner, and
    those the path names, who stand in when the owner is away)."""
    return _may_see(user, case)


@permission
def can_view_escalation_counts(user: Any, obj: Any = None) -> bool:
    """Counts per category and status, with small groups withheld: L&D and sponsors."""
    return has_any_role(user, Role.ADMIN, Role.SPONSOR)
