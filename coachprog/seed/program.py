"""The demo's program outcomes: a charter on approval cycle time, two decision gates written
before the pilot started, and a monthly KPI series for 40 coached leaders and a 40-leader
comparison group (plus usefulness ratings and participants' estimates), so the dashboard, the
gates and the ROI range are populated from the first `make run`.

Idempotent: nothing is added once the charter exists. The series is drawn from a fixed seed
relative to today, so the story reads the same whenever the demo is seeded: the pilot started
four months ago, every leader's cycle time drifts down slowly (the organisation's own trend,
which the comparison group shows), and coached leaders improve by up to two days more."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from typing import Any

import sqlalchemy as sa

from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.program.charter import services as charters
from coachprog.program.metrics import services as metrics

KPI = "approval_cycle_days"
LEADERS_PER_GROUP = 40
MONTHS_BEFORE = 6
PILOT_MONTHS_AGO = 4

CHARTER = {
    "title": "Leaders as coaches: pilot",
    "kpi_name": KPI, "kpi_unit": "days",
    "behaviour": "Leaders delegate decisions and coach their teams through approvals instead "
                 "of holding them.",
    "higher_is_better": False, "baseline": 12.1,
    "baseline_source": "Workflow system export, mean of the six months before the pilot",
    "data_owner": "Head of Operations Excellence", "target_6m": 11.0, "target_12m": 10.0,
    "sponsor": "Chief Operating Officer", "resource_model": "blended", "phase": "pilot",
    "cohort_size": 45, "session_cap": 8, "protected_hours_per_week": 4.0,
    "comparison_group": "40 leaders of the same levels and departments who start next wave, "
                        "matched on baseline cycle time and team size.",
    "isolation_method": "comparison_group", "currency": "EUR",
    "training_cost": 30_000.0, "supervision_hours": 120.0, "supervision_rate": 150.0,
    "platform_fees": 12_000.0, "coaches": 6, "coach_time_share": 0.15,
    "coach_loaded_cost": 90_000.0, "admin_hours": 200.0, "admin_rate": 60.0, "cost_months": 12,
    "value_per_unit": 4_000.0, "value_low": 2_500.0, "value_high": 5_500.0,
    "benefit_months": 12,
    "monetisation_rule": "One day less approval cycle time for one leader's team is worth "
                         "EUR 4,000 a year (finance's standard value of delay: 2,500–5,500).",
    "intangibles": "Engagement survey: 'my manager helps me grow'\nRetention intent\n"
                   "Psychological safety",
    "checklist": {"baseline_verified": True, "sponsor_signoff": True, "protected_time": True,
                  "supervision_ratio": True, "consent_governance": True,
                  "comparison_group": True},
}

GATES = (
    ("3-month review", 3, "sessions_per_leader >= 3, stop < 1\n"
                          "kpi_improvement_pct >= 5, stop < 0\n"
                          "completion_pct >= 0"),
    ("6-month review: pilot → expansion", 6, "kpi_improvement_pct >= 10, stop < 0\n"
                                             "roi_low_pct >= 0, stop < -50\n"
                                             "usefulness >= 3.5, stop < 2.5"),
)


def _month(day: date, offset: int) -> date:
    index = day.year * 12 + day.month - 1 + offset
    return date(index // 12, index % 12 + 1, 15)


def demo_series(employee_ids: list[str], start: date, today: date) -> bytes:
    """The CSV an HR analyst would export: KPI by month, ratings and estimates."""
    rng = random.Random(23)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["employee_id", "group", "tier", "metric", "date", "value", "level",
                     "cohort"])
    months = [_month(start, offset) for offset in range(-MONTHS_BEFORE, 24)]
    months = [m for m in months if m <= today]
    for index, employee_id in enumerate(employee_ids):
        coached = index % 2 == 0
        group = "coached" if coached else "comparison"
        level = ("Team lead", "Manager", "Senior manager")[index % 3]
        cohort = ("Wave 1a", "Wave 1b")[index % 4 // 2] if coached else ""
        base = rng.gauss(12.2, 1.6)
        for step, month in enumerate(months):
            since = (month.year - start.year) * 12 + month.month - start.month
            drift = -0.05 * step  # the organisation's own improvement
            effect = -min(2.0, 0.45 * (since + 1)) if coached and month >= start else 0.0
            value = max(3.0, base + drift + effect + rng.gauss(0, 0.6))
            writer.writerow([employee_id, group, 3, KPI, month.isoformat(), f"{value:.1f}",
                             level, cohort])
        if coached and months and months[-1] >= start:
            last = months[-1].isoformat()
            writer.writerow([employee_id, group, 2, "usefulness", last,
                             f"{min(5.0, rng.gauss(4.2, 0.5)):.1f}", level, cohort])
            writer.writerow([employee_id, group, 2, "follow_through", last,
                             f"{min(5.0, rng.gauss(3.8, 0.6)):.1f}", level, cohort])
            writer.writerow([employee_id, group, 2, "estimate_improvement", last,
                             f"{max(0.0, rng.gauss(2.2, 0.8)):.1f}", level, cohort])
            writer.writerow([employee_id, group, 2, "estimate_contribution", last,
                             f"{rng.uniform(0.4, 0.8):.2f}", level, cohort])
            writer.writerow([employee_id, group, 2, "estimate_confidence", last,
                             f"{rng.uniform(0.6, 0.9):.2f}", level, cohort])
    return out.getvalue().encode()


def seed_demo(actor: Any) -> bool:
    if charters.get_charter() is not None:
        return False
    today = charters.today()
    start = date(*_month(today, -PILOT_MONTHS_AGO).timetuple()[:2], 1)
    charter = charters.save_charter(actor, {**CHARTER, "pilot_start": None})
    for name, months, criteria in GATES:
        due = _month(start, months).replace(day=1)
        charters.create_gate(actor, name=name, due_on=due, criteria=criteria)
    charter.pilot_start = start  # the gates were written first; from now on they are locked
    employee_ids = list(db.session.scalars(
        sa.select(Person.employee_id).where(Person.active.is_(True), Person.department != "")
        .order_by(Person.employee_id).limit(2 * LEADERS_PER_GROUP)))
    metrics.import_observations(actor, demo_series(employee_ids, start, today),
                                source="seed")
    db.session.flush()
    return True
