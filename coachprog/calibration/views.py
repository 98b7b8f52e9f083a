"""Pages of the calibration domain: exercises, their results, and rater drift."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coachprog.authority import can
from coachprog.calibration import services
from coachprog.calibration.forms import ExerciseCloseForm, ExerciseCreateForm
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.web import apply_domain_error, authorize, no_store

bp = Blueprint("calibration", __name__, url_prefix="/calibration")
no_store(bp)  # session content, evidence or assessments: never cached


def scoring_url(assignment_id: int) -> str:
    """Where a rater (or the gold master coach) scores one calibration item.

    The assessments domain owns the scoring page (the same for rater and gold assignments);
    this is the one place here that knows its endpoint.
    """
    return url_for("assessments.score_assignment", assignment_id=assignment_id)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"scoring_url": scoring_url}


@bp.route("/")
@login_required
def list_exercises() -> Any:
    authorize("can_view_calibration")
    mine = services.my_calibrations(current_user)
    return render_template(
        "calibration/exercise_list.html",
        exercises=services.list_exercises(current_user),
        mine=mine, live=services.live_rubrics(mine),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create_exercise() -> Any:
    authorize("can_manage_calibration")
    choices = services.exercise_choices(current_user)
    form = ExerciseCreateForm()
    form.rubric_version_id.choices = [(v.id, v.label) for v in choices.rubric_versions]
    form.gold_rater_id.choices = [(u.id, u.display_name) for u in choices.master_coaches]
    form.rater_ids.choices = [(u.id, f"{u.display_name} ({u.email})") for u in choices.raters]
    form.evidence_item_ids.choices = [(i.id, i.title) for i in choices.evidence_items]
    status = 200
    if form.validate_on_submit():
        try:
            exercise = services.create_exercise(current_user, services.ExerciseDraft(
                title=form.title.data or "",
                rubric_version_id=form.rubric_version_id.data,
                gold_rater_id=form.gold_rater_id.data,
                rater_ids=form.rater_ids.data or [],
                evidence_item_ids=form.evidence_item_ids.data or [],
                new_item_titles=form.new_item_titles(),
            ))
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"Exercise “{exercise.title}” created with {len(exercise.items)} item(s).",
                  "success")
            return redirect(url_for("calibration.view_exercise", exercise_id=exercise.id))
    if form.is_submitted():
        status = 400
    return render_template("calibration/exercise_create.html", form=form,
                           choices=choices), status


@bp.route("/<int:exercise_id>")
@login_required
def view_exercise(exercise_id: int) -> Any:
    exercise = services.get_exercise(current_user, exercise_id)
    return render_template(
        "calibration/exercise_view.html", exercise=exercise,
        progress=services.exercise_progress(current_user, exercise),
        close_form=ExerciseCloseForm(),
        sees_all=can(current_user, "can_view_all_calibration_results", exercise),
    )


@bp.route("/<int:exercise_id>/close", methods=["POST"])
@login_required
def close_exercise(exercise_id: int) -> Any:
    authorize("can_manage_calibration")
    form = ExerciseCloseForm()
    if not form.validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(url_for("calibration.view_exercise", exercise_id=exercise_id))
    try:
        decisions = services.close_exercise(current_user, exercise_id)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("calibration.view_exercise", exercise_id=exercise_id))
    db.session.commit()
    calibrated = sum(d.calibrated for d in decisions)
    flash(f"Exercise closed: {calibrated} of {len(decisions)} rater(s) calibrated.", "success")
    return redirect(url_for("calibration.view_results", exercise_id=exercise_id))


@bp.route("/<int:exercise_id>/results")
@login_required
def view_results(exercise_id: int) -> Any:
    exercise = services.get_exercise(current_user, exercise_id)
    return render_template("calibration/exercise_results.html", exercise=exercise,
                           results=services.exercise_results(current_user, exercise))


@bp.route("/drift")
@login_required
def view_drift() -> Any:
    authorize("can_view_rater_drift")
    return render_template("calibration/drift_view.html",
                           drift=services.rater_drift(current_user))
