"""Program objects for tests: a charter (pilot started), one gate, and a KPI series."""

from __future__ import annotations

from datetime import date
from typing import Any

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.program.charter import services as charters
from coachprog.program.metrics import services as metrics
from coachprog.seed.program import CHARTER

START = date(2026, 3, 1)


def kpi_csv(coached: int = 12, comparison: int = 12, departments: tuple[str, ...] = (
        "Sales", "Legal", "Finance")) -> bytes:
    lines = ["employee_id,group,tier,metric,date,value,department,level,cohort"]
    for i in range(coached + comparison):
        group = "coached" if i < coached else "comparison"
        department = departments[i % len(departments)]
        effect = 2.0 if group == "coached" else 0.5
        for month, value in (("2026-01-15", 12.0), ("2026-02-15", 12.0),
                             ("2026-04-15", 12.0 - effect), ("2026-05-15", 12.0 - effect)):
            lines.append(f"E{i},{group},3,approval_cycle_days,{month},{value + i % 3 * 0.1},"
                         f"{department},Manager,Wave 1")
        if group == "coached":
            lines.append(f"E{i},{group},2,usefulness,2026-05-15,4,{department},Manager,Wave 1")
    return ("\n".join(lines) + "\n").encode()


def program(*, gate: bool = True, data: bool = True, start: date | None = START) -> dict[str, Any]:
    actor = SystemActor("test")
    charters.save_charter(actor, {**CHARTER, "pilot_start": None})
    gate_id = None
    if gate:
        gate_id = charters.create_gate(actor, name="3-month review", due_on=date(2026, 6, 1),
                                       criteria="sessions_per_leader >= 3, stop < 1\n"
                                                "kpi_improvement_pct >= 5, stop < 0").id
    charter = charters.require_charter()
    charter.pilot_start = start
    if data:
        metrics.import_observations(actor, kpi_csv(), source="test")
    db.session.commit()
    return {"gate_id": gate_id}
