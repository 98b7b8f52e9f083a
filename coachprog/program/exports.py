"""CSV tables and the sponsor's one-page PDF, both from the report dict (the same figures
as the dashboard).

The PDF follows the certificate's locked-down rendering (house style §8): its own autoescaped
Jinja environment with no Flask globals, a plain dict in, and WeasyPrint's URL fetcher limited
to static/ (`coachprog.pdf`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coachprog import pdf

REPORT_TEMPLATE = "pdf/program_report.html"
Table = tuple[list[str], list[list[Any]]]


def tables(report: Mapping[str, Any], groups: Mapping[str, Mapping[str, Any]]) -> dict[str, Table]:
    """Every table of the dashboard, by name (the CSV download's file name)."""
    out: dict[str, Table] = {}
    charter = report["charter"] or {}
    out["charter"] = (["field", "value"],
                      [[key, value] for key, value in charter.items()
                       if not isinstance(value, dict | list)]
                      + [[f"cost_{key}", value]
                         for key, value in (charter.get("cost_model") or {}).items()]
                      + [[f"checklist_{key}", value]
                         for key, value in (charter.get("checklist") or {}).items()])
    out["gates"] = (["gate", "due", "rule", "value", "outcome", "gate_status", "decision",
                     "decided_by", "decided_at", "decision_reason"],
                    [[g["name"], g["due"], c["rule"], c["value"], c["outcome"], g["status"],
                      *_decision(g)] for g in report["gates"] for c in g["criteria"] or [{}]]
                    if report["gates"] else [])
    roi = report["roi"] or {}
    out["roi"] = (["scenario", "cost", "benefit", "roi_percent", "payback_months", "method"],
                  [[s, roi.get("cost"), (roi.get("benefit") or {}).get(s),
                    (roi.get("percent") or {}).get(s), (roi.get("payback_months") or {}).get(s),
                    roi.get("method")] for s in ("low", "base", "high")])
    tier1 = report["tiers"]["1"]
    out["tier1"] = (["measure", "value"], list(_flatten(tier1)))
    out["tier2"] = (["measure", "mean", "leaders"],
                    [[m, v["mean"], v["leaders"]] for m, v in report["tiers"]["2"].items()])
    tier3 = report["tiers"]["3"] or {}
    out["tier3"] = (["group", "n", "leaders_with_data", "kpi_before", "kpi_after", "kpi_change",
                     "suppressed"],
                    [[name, *_figures(tier3.get(name) or {"suppressed": True})]
                     for name in ("coached", "comparison")] if tier3 else [])
    out["scorecard"] = (["measure", "value"],
                        [[k, "not recorded yet" if v is None else v]
                         for k, v in report["scorecard"].items()])
    for by, table in groups.items():
        rows = [[g["key"], *_figures(g)] for g in table["groups"]]
        rows.append(["(total)", *_figures(table["total"])])
        out[f"groups_by_{by}"] = ([by, "n", "leaders_with_data", "kpi_before", "kpi_after",
                                   "kpi_change", "suppressed"], rows)
    return out


def _figures(figures: Mapping[str, Any]) -> list[Any]:
    if figures.get("suppressed"):
        return ["", "", "", "", "", "yes"]
    return [figures.get("n"), figures.get("leaders_with_data"), figures.get("kpi_before"),
            figures.get("kpi_after"), figures.get("kpi_change"), "no"]


def _decision(gate: Mapping[str, Any]) -> list[Any]:
    decision = gate.get("decision") or {}
    return [decision.get("outcome", ""), decision.get("by", ""), decision.get("at", ""),
            decision.get("reason", "")]


def _flatten(values: Mapping[str, Any], prefix: str = "") -> list[list[Any]]:
    rows: list[list[Any]] = []
    for key, value in values.items():
        if isinstance(value, dict):
            rows.extend(_flatten(value, f"{prefix}{key}_"))
        else:
            rows.append([f"{prefix}{key}", value])
    return rows


def render_report_html(context: Mapping[str, Any]) -> str:
    return pdf.render_html(REPORT_TEMPLATE, dict(context))


def render_report_pdf(context: Mapping[str, Any]) -> bytes:
    """The sponsor's one-page PDF from a plain dict (the report and its charts)."""
    return pdf.html_to_pdf(render_report_html(context))
