"""The program report: one plain dict behind the dashboard, the CLI's JSON, the API, the PDF
and the CSV exports, so they always show the same figures.

Only aggregates leave here: every figure by group goes through the one suppression rule
(`governance.domain.withheld_labels`), and a whole-program figure over fewer than 5 leaders
is withheld the same way (a one-group table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from coachprog.authority import require
from coachprog.governance import services as audit
from coachprog.governance.domain import withheld_labels
from coachprog.program import charts, levels
from coachprog.program.charter import domain as charter_domain
from coachprog.program.charter import services as charters
from coachprog.program.charter.models import ProgramCharter
from coachprog.program.metrics import domain as metrics_domain
from coachprog.program.metrics import services as metrics
from coachprog.program.roi import domain as roi
from coachprog.program.scorecard.services import SOURCE_LABELS, build_scorecard

GROUP_BY = metrics_domain.GROUP_BY


def _withheld(n: int) -> bool:
    """A whole-program figure over `n` people: the one rule, as a table of one group."""
    return bool(withheld_labels({"all": n}))


def _before_after(leader: roi.Leader, start: date) -> tuple[float, float] | None:
    before = [p.value for p in leader.points if p.on < start]
    after = [p.value for p in leader.points if p.on >= start]
    if not before or not after:
        return None
    return roi.mean(before), roi.mean(after)


def _roi(charter: ProgramCharter, series: metrics.Series, cost: float) -> dict[str, Any]:
    start = charter.pilot_start
    out: dict[str, Any] = {"cost": cost, "currency": charter.currency, "benefit": None,
                           "percent": None, "payback_months": None,
                           "method": charter.isolation_method, "methods": {},
                           "intangibles": _lines(charter.intangibles)}
    if start is None:
        out["reason"] = "The pilot has no start date yet."
        return out
    if _withheld(len(series.coached)):
        out["reason"] = "Fewer than 5 coached leaders: not shown."
        return out
    results = []
    for method in roi.Isolation:
        try:
            effects = roi.effects_for(method, series.coached, series.comparison, start,
                                      higher_is_better=charter.higher_is_better)
        except roi.NotComputable:
            continue
        result = roi.compute_roi(effects, charters.monetisation(charter), cost)
        results.append(result)
        out["methods"][method.value] = result.benefit.as_dict()
    if not results:
        out["reason"] = "No isolation method has data yet: import the KPI series."
        return out
    # The charter's method, unless a competing estimate is lower (conservative standard).
    chosen = roi.lower_of(results)
    out.update(method=chosen.method.value, benefit=chosen.benefit.as_dict(),
               percent=None if chosen.percent is None else chosen.percent.as_dict(1),
               payback_months=chosen.payback_months,
               improvement=chosen.improvement.as_dict(),
               leaders=chosen.leaders, leaders_with_data=chosen.leaders_with_data)
    return out


def _lines(text: str) -> list[str]:
    return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]


def _tier3(charter: ProgramCharter, series: metrics.Series) -> dict[str, Any]:
    start = charter.pilot_start
    out: dict[str, Any] = {"kpi": charter.kpi_name, "unit": charter.kpi_unit,
                           "higher_is_better": charter.higher_is_better}
    for name, leaders in (("coached", series.coached), ("comparison", series.comparison)):
        if _withheld(len(leaders)):
            out[name] = {"suppressed": True}
            continue
        pairs = [_before_after(leader, start) if start else None for leader in leaders]
        out[name] = metrics_domain.figures_dict(metrics_domain.group_figures(pairs))
    return out


def _monthly_kpi(leaders: list[roi.Leader]) -> list[tuple[str, float]]:
    by_month: dict[str, list[float]] = {}
    for leader in leaders:
        for p in leader.points:
            by_month.setdefault(p.on.strftime("%Y-%m"), []).append(p.value)
    # A month's mean over fewer than 5 leaders is withheld (the one rule, one group).
    return sorted((month, roi.mean(values)) for month, values in by_month.items()
                  if not _withheld(len(values)))


def gate_figures(report: Mapping[str, Any], charter: ProgramCharter) -> dict[str, float | None]:
    tier1, scorecard, roi_out = report["tiers"]["1"], report["scorecard"], report["roi"]
    improvement = roi_out.get("improvement")
    leaders = roi_out.get("leaders") or 0
    kpi_pct = (round(100 * improvement["base"] / leaders / abs(charter.baseline), 1)
               if improvement and leaders and charter.baseline else None)
    return {
        "leaders_coached": tier1["leaders_coached"],
        "sessions_per_leader": tier1["sessions_per_leader"],
        "completion_pct": scorecard["completion_pct"],
        "protected_time_pct": tier1["protected_time_pct"],
        "audit_coverage_pct": tier1["audit_coverage_pct"],
        "fidelity_pct": tier1["fidelity_pct"],
        "usefulness": scorecard["usefulness"],
        "follow_through": scorecard["follow_through"],
        "kpi_improvement_pct": kpi_pct,
        "roi_low_pct": roi_out["percent"]["low"] if roi_out.get("percent") else None,
    }


def _charter_dict(charter: ProgramCharter) -> dict[str, Any]:
    model = charters.cost_model(charter)
    return {
        "title": charter.title, "kpi": charter.kpi_name, "unit": charter.kpi_unit,
        "behaviour": charter.behaviour, "higher_is_better": charter.higher_is_better,
        "baseline": charter.baseline, "baseline_source": charter.baseline_source,
        "data_owner": charter.data_owner, "target_6m": charter.target_6m,
        "target_12m": charter.target_12m, "sponsor": charter.sponsor,
        "resource_model": charter.resource_model, "phase": charter.phase,
        "pilot_start": charter.pilot_start.isoformat() if charter.pilot_start else None,
        "cohort_size": charter.cohort_size, "session_cap": charter.session_cap,
        "protected_hours_per_week": charter.protected_hours_per_week,
        "comparison_group": charter.comparison_group,
        "isolation_method": charter.isolation_method,
        "cost_model": model.breakdown(), "currency": charter.currency,
        "monetisation_rule": charter.monetisation_rule,
        "value_per_unit": {"low": charter.value_low, "base": charter.value_per_unit,
                           "high": charter.value_high},
        "checklist": {key: bool((charter.checklist or {}).get(key))
                      for key in charter_domain.CHECKLIST},
        "missing_before_scaling": charter_domain.missing_before_scaling(
            charter.checklist or {}),
        "locked": charters.is_locked(charter),
    }


def _gates(charter: ProgramCharter, figures: Mapping[str, float | None]) -> list[dict[str, Any]]:
    gates = []
    for gate in charter.gates:
        evaluation = charters.evaluate_gate(gate, figures)
        gates.append({
            "id": gate.id, "name": gate.name, "due": gate.due_on.isoformat(),
            "criteria": [{"rule": r.criterion.text(), "measure": r.label, "value": r.value,
                          "outcome": r.outcome.value} for r in evaluation.results],
            "status": evaluation.status.value,
            "decision": None if gate.decision is None else {
                "outcome": gate.decision, "reason": gate.decision_reason,
                "by": gate.decided_by.display_name if gate.decided_by else None,
                "at": gate.decided_at.isoformat() if gate.decided_at else None},
        })
    return gates


@dataclass(frozen=True)
class KpiData:
    """The charter and its KPI's series (every leader's observations), read once for a page
    that shows several views of them (report, breakdowns, charts)."""

    charter: ProgramCharter
    series: metrics.Series


def load_kpi() -> KpiData | None:
    """The charter with its KPI's series; None before a charter is written."""
    charter = charters.get_charter()
    return None if charter is None else KpiData(charter, metrics.load_series(charter.kpi_name))


def build_report(actor: Any, *, kpi: KpiData | None = None,
                 days: metrics.SessionDays | None = None) -> dict[str, Any]:
    """Everything the dashboard shows, as plain data (the CLI prints it as JSON). `kpi`: the
    charter and its series, `days`: the sessions per day, when the caller has read them."""
    require(actor, "can_view_program_outcomes")
    today = charters.today()
    tier1 = metrics.tier1(today, days=days)
    tier2 = metrics.tier2_means()
    kpi = kpi or load_kpi()
    if kpi is None:
        empty: dict[str, Any] = {
            "charter": None, "gates": [], "roi": None,
            "tiers": {"1": tier1, "2": tier2, "3": None},
            "scorecard": build_scorecard(tier1=tier1, tier2=tier2, cohort_size=0,
                                         admin_hours=0.0, cost=0.0,
                                         since=today - timedelta(365), until=today)}
        return {**empty, "levels": levels.chain(empty)}
    charter, series = kpi.charter, kpi.series
    cost = charters.cost_model(charter).fully_loaded()
    report: dict[str, Any] = {
        "charter": _charter_dict(charter),
        "roi": _roi(charter, series, cost),
        "tiers": {"1": tier1, "2": tier2, "3": _tier3(charter, series)},
        "scorecard": build_scorecard(
            tier1=tier1, tier2=tier2, cohort_size=charter.cohort_size,
            admin_hours=charter.admin_hours, cost=cost,
            since=charter.pilot_start or today - timedelta(365), until=today),
    }
    report["gates"] = _gates(charter, gate_figures(report, charter))
    # Tier 4 on the Phillips methodology: the five-level chain from the figures above.
    report["levels"] = levels.chain(report)
    return {key: report[key]
            for key in ("charter", "gates", "roi", "tiers", "scorecard", "levels")}


def record_download(actor: Any, *, table: str | None = None) -> None:
    """The sponsor's report leaving the app is recorded: the PDF (`table` None) or one CSV
    table (the view calls this after the file is built and commits before sending it)."""
    require(actor, "can_view_program_outcomes")
    if table is None:
        audit.record("program.report_downloaded", actor=actor, object_type="program_report",
                     detail={"format": "pdf"})
    else:
        audit.record("program.table_exported", actor=actor, object_type="program_report",
                     detail={"format": "csv", "table": table})


def dashboard(actor: Any) -> dict[str, Any]:
    """The report, its breakdowns by group and the charts' geometry. The KPI series (every
    leader's observations) is read once for all of them."""
    require(actor, "can_view_program_outcomes")
    kpi = load_kpi()
    days = metrics.session_days()
    report = build_report(actor, kpi=kpi, days=days)
    today = charters.today()
    since = today - timedelta(days=540)
    kpi_chart = None
    charter = report["charter"]
    if kpi is not None:
        kpi_chart = charts.trend_chart(
            {"Coached leaders": _monthly_kpi(kpi.series.coached),
             "Comparison group": _monthly_kpi(kpi.series.comparison)},
            {"Coached leaders": "series-a", "Comparison group": "series-b"})
    engagements = report["tiers"]["1"]["engagements"]
    funnel = [("Cohort offered", float(charter["cohort_size"]) if charter else 0.0),
              ("Leaders in the pilot", float(report["tiers"]["1"]["leaders_in_pilot"])),
              ("Leaders with an engagement", float(report["tiers"]["1"]["leaders_coached"])),
              ("Engagements with a session", float(engagements["with_a_session"])),
              ("Engagements completed", float(engagements["completed"]))]
    return {
        "report": report,
        "groups": all_group_metrics(actor, kpi=kpi),
        "kpi_chart": kpi_chart,
        "sessions_chart": charts.trend_chart(
            {"Sessions": metrics.monthly_series("sessions", since, days=days)}, zero=True),
        "fidelity_chart": charts.trend_chart(
            {"Question share": [(m, 100 * v) for m, v
                                in metrics.monthly_series("fidelity", since)]}, zero=True),
        "funnel": charts.bar_chart(funnel),
        "source_labels": SOURCE_LABELS,
        "gate_labels": charter_domain.GATE_METRICS,
    }


def group_metrics(actor: Any, group_by: str, *, kpi: KpiData | None = None) -> dict[str, Any]:
    """Coached leaders' KPI by department, level or cohort, the API's shape; groups under 5
    withheld with complementary suppression, the total withheld where it would tell.
    `kpi`: the charter and its series when the caller has already loaded them."""
    require(actor, "can_view_program_outcomes")
    if group_by not in GROUP_BY:
        raise ValueError(group_by)
    if kpi is None:
        charter = charters.require_charter()
        kpi = KpiData(charter, metrics.load_series(charter.kpi_name))
    series, start = kpi.series, kpi.charter.pilot_start
    pairs_by_group: dict[str, list[tuple[float, float] | None]] = {}
    for leader in series.coached:
        key = series.attributes[leader.key][group_by]
        pairs_by_group.setdefault(key, []).append(
            _before_after(leader, start) if start else None)
    figures = {key: metrics_domain.group_figures(pairs)
               for key, pairs in pairs_by_group.items()}
    total = metrics_domain.group_figures(
        [pair for pairs in pairs_by_group.values() for pair in pairs])
    return metrics_domain.suppressed_groups(figures, total)


def all_group_metrics(actor: Any, *, kpi: KpiData | None = None) -> dict[str, dict[str, Any]]:
    """The breakdown by every grouping the dashboard shows; none before a charter exists."""
    require(actor, "can_view_program_outcomes")
    kpi = kpi or load_kpi()
    if kpi is None:
        return {}
    return {by: group_metrics(actor, by, kpi=kpi) for by in GROUP_BY}
