"""Who sees the program's outcomes.

Policy (issue 23): the dashboard, its PDF and CSV exports are for L&D (admins) and sponsors;
everything on them is an aggregate, with groups under 5 withheld, and nothing names a person.
Writing the charter, the gates and importing indicators is L&D's work; recording a gate's
decision too (the sponsor's sign-off is on the charter's checklist)."""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, permission
from coachprog.roles import Role


@permission
def can_view_program_outcomes(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN, Role.SPONSOR)


@permission
def can_manage_program_charter(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_decide_program_gate(user: Any, gate: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_import_program_metrics(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)
