"""Certification pages: a coach's criteria, decisions and certificates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from coachprog.authority import can
from coachprog.certification import dashboard as dashboard_lists
from coachprog.certification import domain, register, services
from coachprog.certification.forms import (
    ApproveDecisionForm,
    OpenDecisionForm,
    OverrideForm,
    RevokeForm,
)
from coachprog.certification.levels import services as levels
from coachprog.certification.models import Certification, CertificationDecision
from coachprog.db import get_or_404
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.web import (
    Pagination,
    authorize,
    carry_out,
    csv_download,
    no_store,
    page_arg,
    paged,
    rerender_status,
)

bp = no_store(Blueprint("certification", __name__, url_prefix="/certification"))


@bp.record_once
def _check_levels_file(state: BlueprintSetupState) -> None:
    levels.startup_check(state.app)


# --- the dashboard and a coach's page ---------------------------------------------------------


@bp.app_template_global("display_certification_status")
def _display_status(cert: Any) -> str:
    """"valid", "expired", "revoked" or "lapsed" today, as the verify page says it."""
    return services.display_status(cert, services.today())


@bp.route("/")
@login_required
def dashboard() -> Any:
    """Who passed the final review and waits for a decision, who is due soon, overdue or
    lapsed, and which decisions wait for an approval."""
    authorize("can_view_certification_dashboard")
    # Each list is a page of its own (`?due_page=`, `?flagged_page=`, `?pending_page=`).
    per_page = current_app.config["COACHPROG_PAGE_SIZE"]
    pages = {name: page_arg(f"{name}_page") for name in ("due", "flagged", "pending")}
    lists = dashboard_lists
    due, due_total = lists.list_due(current_user, page=pages["due"], per_page=per_page)
    flagged, flagged_total = (lists.flagged_engagements(
        current_user, page=pages["flagged"], per_page=per_page)
        if can(current_user, "can_view_flagged_engagements") else ([], 0))
    pending, pending_total = lists.pending_decisions(current_user, page=pages["pending"],
                                                     per_page=per_page)
    return render_template(
        "certification/dashboard.html", due=due, flagged=flagged, pending=pending,
        awaiting=lists.awaiting_certification(current_user),
        due_pages=Pagination(pages["due"], per_page, due_total),
        flagged_pages=Pagination(pages["flagged"], per_page, flagged_total),
        pending_pages=Pagination(pages["pending"], per_page, pending_total))


@bp.route("/register")
@login_required
def register_list() -> Any:
    """Every certification with its state today; filters and pages run in SQL."""
    authorize("can_view_certification_register")
    filters = register.parse_filter(request.args)
    rows, pagination = paged(lambda page, per_page: register.list_register(
        current_user, filters, page=page, per_page=per_page))
    return render_template(
        "certification/register.html", rows=rows, filters=filters,
        states=register.STATE_LABELS, departments=register.list_departments(current_user),
        levels=[(spec.id, spec.name) for spec in levels.levels_policy().levels],
        pagination=pagination)


@bp.route("/register.csv")
@login_required
def register_csv() -> Any:
    authorize("can_view_certification_register")
    rows = register.export_register(current_user, register.parse_filter(request.args))
    db.session.commit()  # the export is audited before a row leaves
    # Built in memory: one row per certification, a few thousand even in a large organisation.
    return csv_download(rows, register.EXPORT_COLUMNS, "certification-register.csv")


def _coach_page(person_id: int, *, status: int = 200, failed_id: int | None = None,
                **forms: FlaskForm) -> Any:
    """The page; after a refusal, `failed_id` says which decision or certification the
    refused form belongs to, so its errors show beside that one only."""
    coach = services.coach_status(current_user, person_id)
    held = {c.level for c in coach.certifications if c.status == domain.CertStatus.ACTIVE.value}
    open_form = forms.setdefault("open_form", OpenDecisionForm(formdata=None, prefix="open"))
    open_form.level.choices = [(spec.id, spec.name) for spec in levels.levels_policy().levels
                               if spec.id not in held]
    forms.setdefault("approve_form", ApproveDecisionForm(formdata=None, prefix="approve"))
    forms.setdefault("override_form", OverrideForm(formdata=None, prefix="override"))
    forms.setdefault("revoke_form", RevokeForm(formdata=None, prefix="revoke"))
    return render_template(
        "certification/coach.html", status=coach, today=services.today(),
        level_names={spec.id: spec.name for spec in levels.levels_policy().levels},
        decisions=services.decisions_of(current_user, person_id), failed_id=failed_id,
        **forms), status


@bp.route("/people/<int:person_id>")
@login_required
def coach(person_id: int) -> Any:
    return _coach_page(person_id)


def _choose_level(level: str) -> str:
    try:
        levels.levels_policy().level(level)
    except KeyError:
        raise DomainError("Choose one of the levels.",
                          field_errors={"level": ["Choose one of the levels."]}) from None
    return level


def _at_decision(decision: CertificationDecision) -> str:
    return url_for("certification.coach", person_id=decision.person_id,
                   _anchor=f"decision-{decision.id}")


# --- decisions -------------------------------------------------------------------------------


@bp.route("/people/<int:person_id>/decisions", methods=["POST"])
@login_required
def open_decision(person_id: int) -> Any:
    authorize("can_decide_certification")
    services.coach_status(current_user, person_id)  # 404 for an unknown coach
    form = OpenDecisionForm(prefix="open")

    def opened(decision: CertificationDecision) -> str:
        # Unmet criteria are a warning, not a success: the decision cannot be approved yet.
        if decision.criteria_met:
            flash("Decision opened with every criterion met; it needs a master coach's and an "
                  "admin's approval.", "success")
        else:
            flash("Decision opened, but some criteria are unmet: it cannot be approved unless "
                  "an admin overrides with a reason.", "warning")
        return _at_decision(decision)

    carried = carry_out(form, lambda: services.open_decision(
        current_user, person_id, _choose_level(form.level.data or "")), done=opened)
    return carried or _coach_page(person_id, status=rerender_status(), open_form=form)


def _act_on_decision(decision_id: int, form: FlaskForm, form_name: str,
                     action: Callable[[], CertificationDecision],
                     success: str | Callable[[CertificationDecision], str]) -> Any:
    """Approve or override: back at the decision after success, else the coach's page again
    with the posted form (`form_name`) open under that decision."""
    person_id = get_or_404(CertificationDecision, decision_id, what="decision").person_id
    return carry_out(form, action, done=_at_decision, success=success) or _coach_page(
        person_id, status=rerender_status(), failed_id=decision_id, **{form_name: form})


@bp.route("/decisions/<int:decision_id>/approve", methods=["POST"])
@login_required
def approve_decision(decision_id: int) -> Any:
    authorize("can_decide_certification")
    form = ApproveDecisionForm(prefix="approve")
    return _act_on_decision(
        decision_id, form, "approve_form",
        lambda: services.approve_decision(current_user, decision_id, form.capacity.data or ""),
        success=lambda approved: (
            "Approved by both: the certification is issued and its certificate is ready."
            if approved.status == domain.DecisionStatus.APPROVED.value
            else "Approval recorded; the decision waits for the second approver."))


@bp.route("/decisions/<int:decision_id>/override", methods=["POST"])
@login_required
def override_decision(decision_id: int) -> Any:
    authorize("can_override_certification")
    form = OverrideForm(prefix="override")
    return _act_on_decision(
        decision_id, form, "override_form",
        lambda: services.override_decision(current_user, decision_id, form.reason.data or ""),
        success="Override recorded with its reason; the decision can now be approved.")


@bp.route("/certifications/<int:cert_id>/revoke", methods=["POST"])
@login_required
def revoke_certification(cert_id: int) -> Any:
    authorize("can_revoke_certification")
    person_id = get_or_404(Certification, cert_id, what="certification").person_id
    form = RevokeForm(prefix="revoke")
    carried = carry_out(
        form, lambda: services.revoke_certification(current_user, cert_id,
                                                    form.reason.data or ""),
        done=url_for("certification.coach", person_id=person_id),
        success="Certification revoked; the verification page shows it as revoked.")
    return carried or _coach_page(person_id, status=rerender_status(), failed_id=cert_id,
                                  revoke_form=form)
