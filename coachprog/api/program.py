"""Program outcomes API: /api/v1/program/metrics — coached leaders' KPI by group.

The same service and rule as the dashboard: L&D admins and sponsors; groups under 5 leaders
come back as `{"key", "suppressed": true}` (complementary suppression included), and the total
as `{"suppressed": true}` where it would give a withheld group away."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Float, Integer, List, Nested, String
from apiflask.validators import OneOf

from coachprog.api import current_api_user, operation
from coachprog.authority import require
from coachprog.errors import DomainError
from coachprog.problems import problem
from coachprog.program import services


class GroupQueryIn(Schema):
    group_by = String(load_default="department", validate=OneOf(services.GROUP_BY),
                      metadata={"description": "department, level or cohort."})


class FiguresOut(Schema):
    key = String(metadata={"description": "The group (absent on the total)."})
    suppressed = Boolean(metadata={"description": "Present and true: withheld (under 5 "
                                   "leaders, or withheld so another cannot be derived)."})
    n = Integer(metadata={"description": "Coached leaders in the group."})
    leaders_with_data = Integer()
    kpi_before = Float(allow_none=True, metadata={"description": "Mean before the start."})
    kpi_after = Float(allow_none=True, metadata={"description": "Mean since the start."})
    kpi_change = Float(allow_none=True, metadata={
        "description": "Mean change per leader; no data counts as no change."})


class MetricsOut(Schema):
    groups = List(Nested(FiguresOut))
    total = Nested(FiguresOut)


@operation("GET", "/program/metrics", query=GroupQueryIn, out=MetricsOut,
           summary="Coached leaders' KPI by department, level or cohort (aggregates only)",
           tags=["program"], description="L&D admins and sponsors. Groups of under 5 leaders "
           "are withheld, with complementary suppression; the total too where it would tell.",
           responses=[403, 409, 422])
def get_program_metrics(query: dict[str, Any]) -> Any:
    actor = current_api_user()
    require(actor, "can_view_program_outcomes")
    try:
        return services.group_metrics(actor, query["group_by"])
    except DomainError as error:
        return problem(409, error.message)
