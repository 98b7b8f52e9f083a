"""Charter and gate pages: /program/charter, /program/gates/…"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from coachprog.program import services as program
from coachprog.program.charter import domain, services
from coachprog.program.charter.forms import CharterForm, GateDecisionForm, GateForm
from coachprog.program.charter.models import ProgramGate
from coachprog.web import authorize, carry_out, rerender_status

bp = Blueprint("program_charter", __name__, url_prefix="/program")


def _checklist_fields() -> list[str]:
    return [f"check_{key}" for key in domain.CHECKLIST]


@bp.route("/charter", methods=["GET", "POST"])
@login_required
def edit_charter() -> Any:
    authorize("can_manage_program_charter")
    charter = services.get_charter()
    form = CharterForm(obj=charter)
    if request.method == "GET" and charter is not None:
        for key in domain.CHECKLIST:
            getattr(form, f"check_{key}").data = bool((charter.checklist or {}).get(key))
    if request.method == "GET" and charter is None:
        form.currency.data = "EUR"
        form.coach_time_share.data, form.cost_months.data = 0.15, 12
        form.benefit_months.data, form.session_cap.data = 12, 8

    def save() -> Any:
        values = {name: getattr(form, name).data for name in services.CHARTER_FIELDS}
        values["checklist"] = {key: getattr(form, f"check_{key}").data
                               for key in domain.CHECKLIST}
        return services.save_charter(current_user, values)

    return carry_out(form, save, done=url_for("program.dashboard"), success="Charter saved."
                     ) or (render_template("program/charter_form.html", form=form,
                                           charter=charter, checklist=_checklist_fields()),
                           rerender_status())


@bp.route("/gates/new", methods=["GET", "POST"])
@login_required
def new_gate() -> Any:
    authorize("can_manage_program_charter")
    charter = services.get_charter()
    form = GateForm()
    return carry_out(form, lambda: services.create_gate(current_user, **_gate_values(form)),
                     done=_gate_url, success="Gate saved."
                     ) or _gate_form(form, None, charter)


@bp.route("/gates/<int:gate_id>/edit", methods=["GET", "POST"])
@login_required
def edit_gate(gate_id: int) -> Any:
    authorize("can_manage_program_charter")
    gate = services.get_gate(gate_id)
    form = GateForm(obj=gate)
    if request.method == "GET":
        form.criteria.data = "\n".join(domain.criterion_from_dict(c).text()
                                       for c in gate.criteria)
    return carry_out(form, lambda: services.change_gate(current_user, gate,
                                                        **_gate_values(form)),
                     done=_gate_url(gate), success="Gate changed; the change is in its history."
                     ) or _gate_form(form, gate, gate.charter)


def _gate_values(form: GateForm) -> dict[str, Any]:
    return {"name": form.name.data or "", "due_on": form.due_on.data,
            "criteria": form.criteria.data or "", "reason": form.reason.data or ""}


def _gate_url(gate: ProgramGate) -> str:
    return url_for("program_charter.view_gate", gate_id=gate.id)


def _gate_form(form: GateForm, gate: ProgramGate | None, charter: Any) -> Any:
    locked = charter is not None and services.is_locked(charter)
    return render_template("program/gate_form.html", form=form, gate=gate, locked=locked,
                           charter=charter), rerender_status()


def _gate_page(gate: ProgramGate, form: GateDecisionForm, status: int = 200) -> Any:
    report = program.build_report(current_user)
    evaluated = next(g for g in report["gates"] if g["id"] == gate.id)
    return render_template("program/gate.html", gate=gate, evaluated=evaluated, form=form,
                           history=services.gate_history(gate),
                           locked=services.is_locked(gate.charter),
                           outcome_labels=domain.OUTCOME_LABELS), status


@bp.route("/gates/<int:gate_id>")
@login_required
def view_gate(gate_id: int) -> Any:
    authorize("can_view_program_outcomes")
    return _gate_page(services.get_gate(gate_id), GateDecisionForm())


@bp.route("/gates/<int:gate_id>/decision", methods=["POST"])
@login_required
def decide_gate(gate_id: int) -> Any:
    gate = services.get_gate(gate_id)
    authorize("can_decide_program_gate", gate)
    form = GateDecisionForm()
    return carry_out(form, lambda: services.decide_gate(
        current_user, gate, decision=form.decision.data or "", reason=form.reason.data or ""),
        done=_gate_url(gate), success="Decision recorded.") or _gate_page(gate, form, 400)
