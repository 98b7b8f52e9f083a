"""Calibration pages (the `calibration` blueprint, /calibration/): exercises, their results, the
reader's own calibrations and rater drift."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coachprog.assessments.exercises import drift, services
from coachprog.assessments.exercises.forms import ExerciseCloseForm, ExerciseCreateForm
from coachprog.authority import can
from coachprog.calibration import services as calibration_services
from coachprog.web import authorize, carry_out, no_store, rerender_status

bp = no_store(Blueprint("calibration", __name__, url_prefix="/calibration"))


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
    mine = calibration_services.my_calibrations(current_user)
    return render_template(
        "calibration/exercise_list.html",
        exercises=services.list_exercises(current_user),
        mine=mine, live=calibration_services.live_rubrics(mine),
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
    done = carry_out(form, lambda: services.create_exercise(current_user, services.ExerciseDraft(
        title=form.title.data or "",
        rubric_version_id=form.rubric_version_id.data,
        gold_rater_id=form.gold_rater_id.data,
        rater_ids=form.rater_ids.data or [],
        evidence_item_ids=form.evidence_item_ids.data or [],
        new_item_titles=form.new_item_titles(),
    )), done=lambda exercise: url_for("calibration.view_exercise", exercise_id=exercise.id),
        success=lambda exercise: f"Exercise “{exercise.title}” created with "
                                 f"{len(exercise.items)} item(s).")
    if done:
        return done
    return render_template("calibration/exercise_create.html", form=form,
                           choices=choices), rerender_status()


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
    back = url_for("calibration.view_exercise", exercise_id=exercise_id)
    if not form.validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(back)

    def closed(decisions: list[Any]) -> str:
        calibrated = sum(d.calibrated for d in decisions)
        return f"Exercise closed: {calibrated} of {len(decisions)} rater(s) calibrated."

    return carry_out(None, lambda: services.close_exercise(current_user, exercise_id),
                     done=url_for("calibration.view_results", exercise_id=exercise_id),
                     success=closed, refused=back)


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
                           drift=drift.rater_drift(current_user))
