"""Who sees adverse-impact monitoring: L&D reads the counts per group; only the candidate
gives, changes or withdraws their own answers."""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.roles import Role


@permission
def can_view_adverse_impact(user: Any, obj: Any = None) -> bool:
    """Adverse-impact reports (counts per demographic group) are for L&D only: master coaches,
    raters, panel members, sponsors and managers take part in or watch the decisions the report
    checks, so they never see demographics, not even as counts."""
    return has_any_role(user, Role.ADMIN)


@permission
def can_self_report_demographics(user: Any, candidate: Any = None) -> bool:
    """Only the candidate gives, changes or withdraws their own answers; nobody else (admins
    included) sees or edits one person's answers. A nominee who has not accepted is not a
    candidate yet."""
    if candidate is None or not is_signed_in(user):
        return False
    person_id = getattr(user, "person_id", None)
    return (person_id is not None and candidate.person_id == person_id
            and "nominated" not in (candidate.stage, candidate.furthest_stage))
