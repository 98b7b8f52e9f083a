"""The quarterly bias audit page (L&D and sponsors, aggregates only) and its review items
(L&D)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coachprog.audits.sampling.services import current_quarter
from coachprog.bias_audit import services
from coachprog.bias_audit.forms import (
    BiasAuditQuarterForm,
    BiasReviewCloseForm,
    BiasReviewOpenForm,
)
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.selection.impact.domain import SUPPRESSED_TEXT
from coachprog.web import apply_domain_error, authorize, carry_out, no_store

bp = no_store(Blueprint("bias_audit", __name__, url_prefix="/governance/bias-audit"))


def _render(quarter: str, *, status: int = 200, close_form: BiasReviewCloseForm | None = None,
            failed_item: int | None = None) -> Any:
    form = BiasAuditQuarterForm(request.args, meta={"csrf": False})
    form.quarter.data = quarter
    try:
        audit = services.run_audit(current_user, quarter)
    except DomainError as error:
        db.session.rollback()
        authorize("can_view_bias_audit")
        apply_domain_error(form, error)
        return render_template("bias_audit/audit.html", audit=None, form=form,
                               suppressed_text=SUPPRESSED_TEXT), 400
    db.session.commit()  # the viewing is audited
    open_form = BiasReviewOpenForm(formdata=None)
    open_form.quarter.data = audit.quarter
    return render_template("bias_audit/audit.html", audit=audit, form=form,
                           open_form=open_form, close_form=close_form or BiasReviewCloseForm(),
                           failed_item=failed_item, suppressed_text=SUPPRESSED_TEXT), status


@bp.route("/")
@login_required
def view_audit() -> Any:
    return _render(request.args.get("quarter", "").strip() or current_quarter())


@bp.route("/reviews", methods=["POST"])
@login_required
def open_reviews() -> Any:
    authorize("can_manage_bias_reviews")
    form = BiasReviewOpenForm()
    quarter = (form.quarter.data or "").strip() or current_quarter()
    back = url_for(".view_audit", quarter=quarter)
    return carry_out(form, lambda: services.run_audit(current_user, quarter, open_reviews=True),
                     done=back, refused=url_for(".view_audit"),
                     success="Review items are open for every significant gap.",
                     ) or redirect(back)


@bp.route("/reviews/<int:item_id>/close", methods=["POST"])
@login_required
def close_review(item_id: int) -> Any:
    authorize("can_manage_bias_reviews")
    form = BiasReviewCloseForm()
    quarter = request.args.get("quarter", "").strip() or current_quarter()
    return carry_out(form, lambda: services.close_review(current_user, item_id,
                                                         note=form.note.data or ""),
                     done=lambda item: url_for(".view_audit", quarter=item.quarter),
                     success="Review item closed.",
                     ) or _render(quarter, status=400, close_form=form, failed_item=item_id)
