"""Rater drift on live assessments: per rater and quarter, their overall score minus the
moderated (agreed) one, shown with the calibration pages to supervisors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from coachprog.assessments.models import Assessment, RaterAssignment
from coachprog.auth.models import User
from coachprog.authority import require
from coachprog.calibration import domain
from coachprog.extensions import db


@dataclass(frozen=True)
class DriftTable:
    quarters: list[str]
    rows: list[tuple[User, dict[str, domain.QuarterDrift]]]


def _overall(result: dict[str, Any] | None) -> float | None:
    if not result:
        return None
    value = result.get("overall")
    return float(value) if isinstance(value, int | float) else None


def rater_drift(actor: Any) -> DriftTable:
    """Per rater and quarter: their overall score minus the moderated (agreed) overall, over
    the live assessments they rated that went through moderation."""
    require(actor, "can_view_rater_drift")
    rows = db.session.execute(
        sa.select(RaterAssignment.rater_id, RaterAssignment.result, Assessment.result,
                  Assessment.closed_at, Assessment.created_at)
        .join(Assessment, Assessment.id == RaterAssignment.assessment_id)
        .where(Assessment.kind == "live", Assessment.moderated_by_id.is_not(None),
               RaterAssignment.role == "rater", RaterAssignment.status == "submitted")
    )
    outcomes = []
    for rater_id, rater_result, agreed_result, closed_at, created_at in rows:
        mine, agreed = _overall(rater_result), _overall(agreed_result)
        if mine is None or agreed is None:
            continue
        outcomes.append((rater_id, closed_at or created_at, mine, agreed))
    drift = domain.drift_by_quarter(outcomes)
    quarters = sorted({q.quarter for series in drift.values() for q in series})
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(drift)))}
    table = [(users[rater_id], {q.quarter: q for q in series})
             for rater_id, series in drift.items() if rater_id in users]
    table.sort(key=lambda row: (row[0].display_name, row[0].id))
    return DriftTable(quarters, table)
