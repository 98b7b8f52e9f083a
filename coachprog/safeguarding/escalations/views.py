"""Escalation case pages: raise a concern, the list of one's cases, a case with its steps, and
counts for L&D and sponsors. Views parse, call one service, commit, render or redirect."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from coachprog.extensions import db
from coachprog.safeguarding.escalations import domain, services
from coachprog.safeguarding.escalations.forms import (
    EscalationCloseForm,
    EscalationRaiseForm,
    EscalationReopenForm,
    EscalationStepForm,
    EscalationTakeForm,
)
from coachprog.safeguarding.escalations.paths import current_paths
from coachprog.safeguarding.pages import render_register
from coachprog.web import authorize, carry_out, no_store, page_arg, rerender_status

bp = no_store(Blueprint("escalations", __name__, url_prefix="/safeguarding/escalations"))


@bp.route("/")
@login_required
def list_cases() -> Any:
    listing = services.list_cases(current_user, page=page_arg(),
                                  status=request.args.get("status", ""))
    return render_register("safeguarding/escalation_list.html", listing, services.PER_PAGE,
                           statuses=domain.STATUS_LABELS)


@bp.route("/raise", methods=["GET", "POST"])
@login_required
def raise_case() -> Any:
    authorize("can_raise_escalation")
    form = EscalationRaiseForm()
    book = current_paths()
    form.category.choices = [SelectChoice("", "Choose…"),
                             *(SelectChoice(p.category, p.label) for p in book.paths)]
    return carry_out(form, lambda: services.raise_case(
        current_user, category=form.category.data or "", summary=form.summary.data or ""),
        done=url_for("home.index"), success="The concern is raised and its owner has it. For "
        "your coachee's safety now, follow the program's emergency guidance as well.",
    ) or (render_template("safeguarding/escalation_raise.html", form=form), rerender_status())


def _render_case(case_id: int, *, status: int = 200, step_form: EscalationStepForm | None = None,
                 failed_step: int | None = None, close_form: EscalationCloseForm | None = None,
                 reopen_form: EscalationReopenForm | None = None) -> Any:
    page = services.get_case(current_user, case_id)
    db.session.commit()  # the reading is audited
    return render_template(
        "safeguarding/escalation_view.html", page=page, take_form=EscalationTakeForm(),
        step_form=step_form or EscalationStepForm(), failed_step=failed_step,
        close_form=close_form or EscalationCloseForm(),
        reopen_form=reopen_form or EscalationReopenForm(),
        outcomes=domain.OUTCOME_LABELS, statuses=domain.STATUS_LABELS), status


@bp.route("/<int:case_id>")
@login_required
def view_case(case_id: int) -> Any:
    return _render_case(case_id)


@bp.route("/<int:case_id>/take", methods=["POST"])
@login_required
def take_case(case_id: int) -> Any:
    back = url_for(".view_case", case_id=case_id)
    return carry_out(None, lambda: services.take_case(current_user, case_id), done=back,
                     refused=back, success="You own this case now.")


@bp.route("/<int:case_id>/steps/<int:step_id>", methods=["POST"])
@login_required
def record_step(case_id: int, step_id: int) -> Any:
    form = EscalationStepForm()
    return carry_out(form, lambda: services.complete_step(
        current_user, case_id, step_id, note=form.note.data or "",
        not_needed=bool(form.not_needed.data)),
        done=url_for(".view_case", case_id=case_id), success="Step recorded.",
    ) or _render_case(case_id, status=400, step_form=form, failed_step=step_id)


@bp.route("/<int:case_id>/close", methods=["POST"])
@login_required
def close_case(case_id: int) -> Any:
    form = EscalationCloseForm()
    return carry_out(form, lambda: services.close_case(
        current_user, case_id, outcome=form.outcome.data or "", note=form.note.data or ""),
        done=url_for(".view_case", case_id=case_id), success="Case closed.",
    ) or _render_case(case_id, status=400, close_form=form)


@bp.route("/<int:case_id>/reopen", methods=["POST"])
@login_required
def reopen_case(case_id: int) -> Any:
    form = EscalationReopenForm()
    return carry_out(form, lambda: services.reopen_case(current_user, case_id,
                                                        reason=form.reason.data or ""),
                     done=url_for(".view_case", case_id=case_id), success="Case reopened.",
                     ) or _render_case(case_id, status=400, reopen_form=form)


@bp.route("/counts")
@login_required
def counts() -> Any:
    year = datetime.now(UTC).year
    numbers = services.case_counts(current_user, date(year, 1, 1), date(year + 1, 1, 1))
    return render_template("safeguarding/escalation_counts.html", numbers=numbers, year=year)
