"""The Phillips ROI Methodology's five-level chain of evidence (issue 23, tier 4): reaction,
learning, application, impact and ROI, with the intangibles beside it.

Built from the report's own figures only (no query of its own), so the dashboard, the PDF and
the CLI's JSON read the same numbers as the tiers they come from. A level without data says
so in words rather than showing 0: no record is not a result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from coachprog.program.roi.domain import ISOLATION_LABELS, Isolation

LEVELS = ("Reaction", "Learning", "Application", "Impact", "ROI")
# Tier 2 measures that are reactions; the rest (follow-through, supervisor-observed
# behaviours, 360 items) are application on the job.
REACTION_METRICS = ("usefulness",)


def _n(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _ratings(found: Mapping[str, Any], none_yet: str,
             describe: Callable[[str, Mapping[str, Any]], str]) -> tuple[dict[str, Any], str]:
    """Imported leader ratings (mean and how many leaders) with one sentence naming each."""
    if not found:
        return {}, none_yet
    figures = {m: {"mean": v["mean"], "leaders": v["leaders"]} for m, v in found.items()}
    return figures, "; ".join(describe(m.replace("_", " ").capitalize(), v)
                              for m, v in found.items()) + "."


def _reaction(tier2: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    return _ratings({m: tier2[m] for m in REACTION_METRICS if m in tier2},
                    "No usefulness ratings imported yet.",
                    lambda name, v: f"{name} rated {_n(v['mean'])} on average by "
                                    f"{v['leaders']} coached leaders")


def _learning(tier1: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    audits = tier1["audits"]
    figures = {"fidelity_pct": tier1["fidelity_pct"], "audits_decided": audits["decided"],
               "audits_meeting_standard": audits["passed"],
               "question_share_pct": tier1["question_share_pct"],
               "recertification_due_90_days": tier1["recertification_due_90_days"]}
    parts = []
    if tier1["fidelity_pct"] is not None:
        parts.append(f"Rubric fidelity {_n(tier1['fidelity_pct'])} % ({audits['passed']} of "
                     f"{audits['decided']} decided audits meet the standard)")
    if tier1["question_share_pct"] is not None:
        parts.append(f"questions are {_n(tier1['question_share_pct'])} % of coach turns")
    if not parts:
        return {}, "No audit decided and no fidelity signal yet."
    parts.append(f"{tier1['recertification_due_90_days']} recertifications due within 90 days")
    text = "; ".join(parts)
    return figures, text[0].upper() + text[1:] + "."


def _application(tier2: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    return _ratings({m: v for m, v in tier2.items() if m not in REACTION_METRICS},
                    "No follow-through or observed-behaviour ratings imported yet.",
                    lambda name, v: f"{name} {_n(v['mean'])} ({v['leaders']} coached leaders)")


def _no_roi(roi: Mapping[str, Any] | None) -> str:
    if roi is None:
        return "No charter yet, so no KPI to isolate."
    return str(roi.get("reason") or "Not computed yet.")


def _impact(roi: Mapping[str, Any] | None, unit: str) -> tuple[dict[str, Any], str]:
    if not roi or not roi.get("improvement"):
        return {}, _no_roi(roi)
    imp = roi["improvement"]
    method = roi["method"]
    label = ISOLATION_LABELS[Isolation(method)] if method in set(Isolation) else method
    units = f" {unit}" if unit else " KPI units"
    figures = {"improvement": imp, "method": method, "leaders": roi["leaders"],
               "leaders_with_data": roi["leaders_with_data"]}
    return figures, (f"KPI improvement isolated by {label[0].lower() + label[1:]}: low "
                     f"{_n(imp['low'])} · base {_n(imp['base'])} · high {_n(imp['high'])}"
                     f"{units} in total across {roi['leaders']} coached leaders "
                     f"({roi['leaders_with_data']} with data).")


def _roi_level(roi: Mapping[str, Any] | None) -> tuple[dict[str, Any], str]:
    if not roi or not roi.get("benefit"):
        return {}, _no_roi(roi)
    b, p, currency = roi["benefit"], roi["percent"], roi["currency"]
    figures = {"percent": p, "benefit": b, "cost": roi["cost"],
               "payback_months": roi["payback_months"]}
    benefit = (f"first-year benefit {currency} {_n(b['low'])} · {_n(b['base'])} · "
               f"{_n(b['high'])} against a fully loaded cost of {currency} {_n(roi['cost'])}")
    if p is None:
        return figures, f"No cost recorded, so ROI is undefined; {benefit}."
    return figures, (f"ROI low {_n(p['low'])} % · base {_n(p['base'])} % · high "
                     f"{_n(p['high'])} %; {benefit}.")


def chain(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The five levels in order, each with its figures and a sentence; the intangibles go
    with level 5 (what the benefit leaves out)."""
    tier1, tier2, roi = report["tiers"]["1"], report["tiers"]["2"], report["roi"]
    charter = report["charter"]
    built = [_reaction(tier2), _learning(tier1), _application(tier2),
             _impact(roi, charter["unit"] if charter else ""), _roi_level(roi)]
    levels = [{"level": i, "name": name, "figures": figures, "summary": summary,
               "has_data": bool(figures)}
              for i, (name, (figures, summary)) in enumerate(zip(LEVELS, built, strict=True),
                                                           start=1)]
    levels[-1]["intangibles"] = list(roi["intangibles"]) if roi else []
    return levels
