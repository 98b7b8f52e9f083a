"""Charter and gate use cases: write the charter, write gates before the data, change a locked
gate only with a reason (kept in its history), record the humans' decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from coachprog.authority import require
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.program.charter import domain
from coachprog.program.charter.models import ProgramCharter, ProgramGate, ProgramGateChange
from coachprog.program.roi.domain import CostModel, Isolation, Monetisation

CHARTER_FIELDS = (
    "title", "kpi_name", "kpi_unit", "behaviour", "higher_is_better", "baseline",
    "baseline_source", "data_owner", "target_6m", "target_12m", "sponsor", "resource_model",
    "phase", "pilot_start", "cohort_size", "session_cap", "protected_hours_per_week",
    "comparison_group", "isolation_method", "currency", "training_cost", "supervision_hours",
    "supervision_rate", "platform_fees", "coaches", "coach_time_share", "coach_loaded_cost",
    "admin_hours", "admin_rate", "cost_months", "value_per_unit", "value_low", "value_high",
    "benefit_months", "monetisation_rule", "intangibles",
)


def today() -> date:
    return utcnow().date()


def get_charter() -> ProgramCharter | None:
    """The program's charter (one per installation: the first written)."""
    return db.session.scalar(sa.select(ProgramCharter).order_by(ProgramCharter.id).limit(1)
                             .options(selectinload(ProgramCharter.gates)
                                      .selectinload(ProgramGate.decided_by)))


def charter_problems(values: Mapping[str, Any]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    share = values.get("coach_time_share")
    if share is not None:
        problems.setdefault("coach_time_share", []).extend(domain.coach_share_problems(share))
    phase, size = values.get("phase"), values.get("cohort_size")
    if phase is not None and size is not None:
        problems.setdefault("cohort_size", []).extend(
            domain.cohort_problems(domain.Phase(phase), size))
    low, mid, high = (values.get("value_low"), values.get("value_per_unit"),
                      values.get("value_high"))
    if (low is not None and mid is not None and high is not None
            and not low <= mid <= high):
        problems.setdefault("value_per_unit", []).append(
            "The value per unit must lie between its lower and upper bounds.")
    if values.get("isolation_method") not in {m.value for m in Isolation}:
        problems.setdefault("isolation_method", []).append("Choose an isolation method.")
    return {key: value for key, value in problems.items() if value}


def save_charter(actor: Any, values: Mapping[str, Any]) -> ProgramCharter:
    require(actor, "can_manage_program_charter")
    problems = charter_problems(values)
    if problems:
        raise DomainError("The charter has problems; see the fields marked.",
                          field_errors=problems)
    charter = get_charter()
    created = charter is None
    if charter is None:
        charter = ProgramCharter(checklist={})
        db.session.add(charter)
    changed = sorted(key for key in CHARTER_FIELDS
                     if key in values and getattr(charter, key, None) != values[key])
    for key in CHARTER_FIELDS:
        if key in values:
            setattr(charter, key, values[key])
    if "checklist" in values:
        charter.checklist = {key: bool(values["checklist"].get(key))
                             for key in domain.CHECKLIST}
    charter.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("program.charter_created" if created else "program.charter_changed",
                 actor=actor, object_type="program_charter", object_id=charter.id,
                 detail={"fields": changed})
    return charter


def require_charter() -> ProgramCharter:
    charter = get_charter()
    if charter is None:
        raise DomainError("Write the program charter first.")
    return charter


def cost_model(charter: ProgramCharter) -> CostModel:
    return CostModel(training=charter.training_cost, supervision_hours=charter.supervision_hours,
                     supervision_rate=charter.supervision_rate,
                     platform_fees=charter.platform_fees, coaches=charter.coaches,
                     coach_time_share=charter.coach_time_share,
                     coach_loaded_cost=charter.coach_loaded_cost,
                     admin_hours=charter.admin_hours, admin_rate=charter.admin_rate,
                     months=charter.cost_months)


def monetisation(charter: ProgramCharter) -> Monetisation:
    return Monetisation(charter.value_per_unit, charter.value_low, charter.value_high,
                        charter.benefit_months, charter.higher_is_better)


# --- gates -----------------------------------------------------------------------------------


def get_gate(gate_id: int) -> ProgramGate:
    return get_or_404(ProgramGate, gate_id, what="gate")


def is_locked(charter: ProgramCharter) -> bool:
    return domain.is_locked(charter.pilot_start, today())


def _criteria(text: str) -> list[dict[str, Any]]:
    criteria, problems = domain.parse_criteria(text)
    if problems:
        raise DomainError("The criteria have problems.", field_errors={"criteria": problems})
    return [c.as_dict() for c in criteria]


def _snapshot(gate: ProgramGate) -> dict[str, Any]:
    return {"name": gate.name, "due_on": gate.due_on.isoformat(), "criteria": gate.criteria}


def create_gate(actor: Any, *, name: str, due_on: date, criteria: str,
                reason: str = "") -> ProgramGate:
    """A new gate. After the pilot has started a new gate is a change to what was agreed, so
    it needs a reason too."""
    require(actor, "can_manage_program_charter")
    charter = require_charter()
    locked = is_locked(charter)
    problems = domain.change_problems(locked=locked, reason=reason)
    if problems:
        raise DomainError(problems[0], field_errors={"reason": problems})
    gate = ProgramGate(charter=charter, name=name.strip(), due_on=due_on,
                       criteria=_criteria(criteria))
    db.session.add(gate)
    db.session.flush()
    gate.history.append(ProgramGateChange(kind="created", locked=locked, reason=reason.strip(),
                                          after=_snapshot(gate),
                                          changed_by_id=getattr(actor, "id", None)))
    audit.record("program.gate_created", actor=actor, object_type="program_gate",
                 object_id=gate.id, detail={"name": gate.name})
    db.session.flush()
    return gate


def change_gate(actor: Any, gate: ProgramGate, *, name: str, due_on: date, criteria: str,
                reason: str = "") -> ProgramGate:
    """Change what a gate asks. Once the pilot has started, only with a reason; every change
    stays in the gate's history with what it was before."""
    require(actor, "can_manage_program_charter")
    locked = is_locked(gate.charter)
    problems = domain.change_problems(locked=locked, reason=reason)
    if problems:
        raise DomainError(problems[0], field_errors={"reason": problems})
    before = _snapshot(gate)
    gate.name, gate.due_on, gate.criteria = name.strip(), due_on, _criteria(criteria)
    after = _snapshot(gate)
    if after == before:
        raise DomainError("Nothing changed.")
    gate.history.append(ProgramGateChange(kind="changed", locked=locked, reason=reason.strip(),
                                          before=before, after=after,
                                          changed_by_id=getattr(actor, "id", None)))
    audit.record("program.gate_changed", actor=actor, object_type="program_gate",
                 object_id=gate.id, detail={"locked": locked, "reason": reason.strip()})
    db.session.flush()
    return gate


def decide_gate(actor: Any, gate: ProgramGate, *, decision: str, reason: str) -> ProgramGate:
    """The humans' decision (who, when, why), beside what the criteria say."""
    require(actor, "can_decide_program_gate", gate)
    if decision not in (domain.Outcome.GO, domain.Outcome.ITERATE, domain.Outcome.STOP):
        raise DomainError("Choose go, iterate or stop.",
                          field_errors={"decision": ["Choose go, iterate or stop."]})
    if len(reason.strip()) < domain.MIN_CHANGE_REASON:
        message = f"Say why (at least {domain.MIN_CHANGE_REASON} characters)."
        raise DomainError(message, field_errors={"reason": [message]})
    before = {"decision": gate.decision}
    gate.decision, gate.decision_reason = decision, reason.strip()
    gate.decided_by_id, gate.decided_at = getattr(actor, "id", None), utcnow()
    gate.history.append(ProgramGateChange(kind="decided", locked=is_locked(gate.charter),
                                          reason=gate.decision_reason, before=before,
                                          after={"decision": decision},
                                          changed_by_id=getattr(actor, "id", None)))
    audit.record("program.gate_decided", actor=actor, object_type="program_gate",
                 object_id=gate.id, detail={"decision": decision})
    db.session.flush()
    return gate


@dataclass(frozen=True)
class CriterionResult:
    criterion: domain.Criterion
    label: str
    value: float | None
    outcome: domain.Outcome


@dataclass(frozen=True)
class GateEvaluation:
    gate: ProgramGate
    results: list[CriterionResult]
    status: domain.Outcome


def evaluate_gate(gate: ProgramGate, figures: Mapping[str, float | None]) -> GateEvaluation:
    results = []
    for data in gate.criteria:
        criterion = domain.criterion_from_dict(data)
        value = figures.get(criterion.metric)
        results.append(CriterionResult(criterion, domain.GATE_METRICS.get(criterion.metric,
                                                                          criterion.metric),
                                       value, criterion.evaluate(value)))
    return GateEvaluation(gate, results, domain.gate_outcome([r.outcome for r in results]))


def gate_history(gate: ProgramGate) -> list[ProgramGateChange]:
    return list(db.session.scalars(
        sa.select(ProgramGateChange).where(ProgramGateChange.gate_id == gate.id)
        .options(selectinload(ProgramGateChange.changed_by)).order_by(ProgramGateChange.id)))
