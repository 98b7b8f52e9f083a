"""Which rubric versions a mark has used, for the rubrics' immutability rule (a used version
never changes): registered with `rubrics.services` when create_app imports this module, since
rubrics sit below assessments and never import them."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from coachprog.assessments.models import Assessment, Mark, RaterAssignment
from coachprog.extensions import db
from coachprog.rubrics.services import register_version_usage


@register_version_usage
def marked_version_ids(version_ids: Sequence[int] | None) -> set[int]:
    """Of these versions (None: all), those some rater assignment has a mark on."""
    query = (
        sa.select(Assessment.rubric_version_id).distinct()
        .join(RaterAssignment, RaterAssignment.assessment_id == Assessment.id)
        .join(Mark, Mark.assignment_id == RaterAssignment.id)
    )
    if version_ids is not None:
        query = query.where(Assessment.rubric_version_id.in_(version_ids))
    return set(db.session.scalars(query))
