"""Adverse-impact monitoring pages (L&D only) and the candidate's demographic self-report.

The routes use `<int:...>` converters, so `/sprints/impact` never matches a sprint id."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from coachprog.extensions import db
from coachprog.selection.impact import demographics
from coachprog.selection.impact import services as monitoring
from coachprog.selection.impact.domain import SUPPRESSED_TEXT
from coachprog.selection.impact.forms import DemographicsReportForm, DemographicsWithdrawForm
from coachprog.web import carry_out, rerender_status

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
    done = carry_out(form, lambda: monitoring.save_self_report(
        current_user, sprint_id, candidate_id, consent=bool(form.consent.data),
        answers=form.answers()),
        done=url_for(".self_report", sprint_id=sprint_id, candidate_id=candidate_id),
        success="Thank you: your answers are saved. You can change or withdraw them here at "
                "any time.")
    if done is not None:
        return done
    return render_template("selection/demographics_form.html", page=page, form=form,
                           withdraw_form=DemographicsWithdrawForm(),
                           attributes=demographics.ATTRIBUTES,
                           consent_version=demographics.DEMOGRAPHICS_CONSENT_VERSION,
                           saved=_answers(page)), rerender_status()


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/demographics/withdraw",
          methods=["POST"])
@login_required
def withdraw_self_report(sprint_id: int, candidate_id: int) -> Any:
    # The app-wide CSRFProtect has checked the form's token before this runs.
    back = url_for(".self_report", sprint_id=sprint_id, candidate_id=candidate_id)
    done = carry_out(None, lambda: monitoring.withdraw_self_report(current_user, sprint_id,
                                                                   candidate_id),
                     done=back, refused=back,
                     success=lambda deleted: "Your answers and your consent are deleted."
                     if deleted else "There were no answers to delete.")
    return done or redirect(back)
