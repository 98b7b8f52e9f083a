"""Who may see and change rubrics.

A rubric is the published standard, not coaching content: everyone who scores, supervises or is
scored against it may read it (raters need the anchors; trainee coaches see the standard they
are held to). Sponsors and managers take no part in assessment and get nothing here. Only L&D
admins record new rubric versions (upload or load from rubrics/).
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, permission
from coachprog.roles import ASSESSMENT_PARTICIPANTS, Role


@permission
def can_view_rubrics(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, *ASSESSMENT_PARTICIPANTS)


@permission
def can_upload_rubric(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_load_rubrics(user: Any, obj: Any = None) -> bool:
    """Record the versions found in rubrics/ (the operator's `rubrics load`)."""
    return has_any_role(user, Role.ADMIN)
