"""Adverse-impact monitoring pages (L&D only) and the candidate's demographic self-report.

The routes use `<int:...>` converters, so `/sprints/impact` never matches a sprint id."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.selection.impact import demographics
from coachprog.selection.impact import services as monitoring
from coachprog.selection.impact.domain import SUPPRESSED_TEXT
from coachprog.selection.impact.forms import DemographicsReportForm, DemographicsWithdrawForm
from coachprog.web import apply_domain_error

bp = Blueprint("selection_impact", __name__, url_prefix="/sprints")


@bp.route("/impact")
@login_required
def all_report() -> Any:
    overview = monitoring.impact_report_all(current_user)
    db.session.commit()  # the viewing is audited
    return render_template("selection/impact_report.html", overview=overview,
                           suppressed_text=SUPPRESSED_TEXT)


@bp.route("/<int:sprint_id>/impact")
@login_required
def sprint_report(sprint_id: int) -> Any:
    overview = monitoring.impact_report_for_sprint(current_user, sprint_id)
    db.session.commit()  # the viewing is audited
    return render_template("selection/impact_report.html", overview=overview,
                           suppressed_text=SUPPRESSED_TEXT)


def _answers(page: monitoring.SelfReport) -> dict[str, str]:
    row = page.answers
    if row is None:
        return {}
    return {attribute.key: getattr(row, attribute.key) for attribute in demographics.ATTRIBUTES}


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/demographics",
          methods=["GET", "POST"])
@login_required
def self_report(sprint_id: int, candidate_id: int) -> Any:
    page = monitoring.get_self_report(current_user, sprint_id, candidate_id)
    form = DemographicsReportForm(data=_answers(page))
    if form.validate_on_submit():
        try:
            monitoring.save_self_report(current_user, sprint_id, candidate_id,
                                        consent=bool(form.consent.data), answers=form.answers())
        except DomainError as error:
            apply_domain_error(form, error)
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Thank you: your answers are saved. You can change or withdraw them here at "
                  "any time.", "success")
            return redirect(url_for(".self_report", sprint_id=sprint_id,
                                    candidate_id=candidate_id))
    status = 400 if request.method == "POST" else 200
    return render_template("selection/demographics_form.html", page=page, form=form,
                           withdraw_form=DemographicsWithdrawForm(),
                           attributes=demographics.ATTRIBUTES,
                           consent_version=demographics.DEMOGRAPHICS_CONSENT_VERSION,
                           saved=_answers(page)), status


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/demographics/withdraw",
          methods=["POST"])
@login_required
def withdraw_self_report(sprint_id: int, candidate_id: int) -> Any:
    # The app-wide CSRFProtect has checked the form's token before this runs.
    deleted = monitoring.withdraw_self_report(current_user, sprint_id, candidate_id)
    db.session.commit()
    flash("Your answers and your consent are deleted." if deleted
          else "There were no answers to delete.", "success")
    return redirect(url_for(".self_report", sprint_id=sprint_id, candidate_id=candidate_id))
