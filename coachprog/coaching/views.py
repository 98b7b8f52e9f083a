"""Coaching relationships: appointed coaches' paperwork, engagements, evaluation relationships.

Importing the services here also registers the coaching relationships with the rater
conflict rule of the assessments domain, when the app registers this blueprint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from coachprog.coaching.engagements import services as engagements
from coachprog.coaching.evaluations import services as evaluations
from coachprog.coaching.forms import (
    CoachSignForm,
    EngagementCreateForm,
    EngagementEndForm,
    EvaluationAddForm,
    EvaluationRemoveForm,
    ManagerSignForm,
    PaperworkForm,
    optional_int,
)
from coachprog.coaching.models import ENGAGEMENT_STATUSES
from coachprog.coaching.paperwork import consent_templates
from coachprog.coaching.paperwork import services as paperwork
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.web import (
    Refusal,
    apply_domain_error,
    attempt,
    authorize,
    carry_out,
    choice_arg,
    no_store,
    paged,
    rerender_status,
    search_arg,
)

bp = no_store(Blueprint("coaching", __name__, url_prefix="/coaching"))

EXPIRED = "The form expired; reload the page and try again."


def _button(form: FlaskForm, action: Callable[[], Any], back: str, *, success: str,
            refused: str | None = None) -> Any:
    """A button form posted from the page `back`, carried out and answered there; one that
    does not validate has an expired CSRF token (it has no other field)."""
    done = carry_out(form, action, done=back, refused=refused, success=success)
    return done if done is not None else _expired(back)


def _expired(back: str) -> Any:
    """A button form that did not validate: its CSRF token expired (it has no other field)."""
    flash(EXPIRED, "error")
    return redirect(back)


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g} h"


@bp.app_template_filter("coaching_hours")
def _hours_filter(value: float | None) -> str:
    return _hours(value)


# --- coaches and paperwork ---------------------------------------------------------------------


@bp.route("/coaches")
@login_required
def list_coaches() -> Any:
    authorize("can_list_coaches")
    q = search_arg()
    # A page of the roster, chosen in SQL: the page stays small and quick whatever the size.
    shown, pagination = paged(lambda page, per_page: paperwork.list_coaches_page(
        current_user, page=page, per_page=per_page, q=q))
    return render_template("coaching/coach_list.html", coaches=shown, q=q,
                           pagination=pagination)


def _render_paperwork(coach_file: paperwork.CoachFile, coach_form: CoachSignForm | None = None,
                      status: int = 200) -> Any:
    return render_template(
        "coaching/paperwork_view.html",
        view=paperwork.describe_paperwork(current_user, coach_file),
        clause=paperwork.NON_EVALUATOR_CLAUSE,
        coach_form=coach_form or CoachSignForm(formdata=None),
        manager_form=ManagerSignForm(formdata=None),
    ), status


@bp.route("/coaches/<int:person_id>/paperwork")
@login_required
def view_paperwork(person_id: int) -> Any:
    return _render_paperwork(paperwork.get_coach_file(current_user, person_id))


@bp.route("/coaches/<int:person_id>/paperwork/edit", methods=["GET", "POST"])
@login_required
def edit_paperwork(person_id: int) -> Any:
    authorize("can_edit_paperwork")
    coach_file = paperwork.get_coach_file(current_user, person_id)
    form = PaperworkForm(obj=coach_file.paperwork)
    templates = consent_templates.consent_template_versions()
    stored = consent_templates.consent_template(
        coach_file.paperwork.consent_template_version if coach_file.paperwork else None)
    if stored is not None and stored not in templates:
        # Kept selectable, or saving anything else would silently drop the coach's version.
        templates.append(stored)
    form.consent_template_version.choices = [("", "— not chosen yet —")] + [
        (t.version, t.label) for t in templates]
    done = carry_out(form, lambda: paperwork.save_paperwork(
        current_user, person_id, paperwork.PaperworkDraft(
            protected_percent=form.protected_percent.data,
            weekly_hours=form.weekly_hours.data,
            consent_template_version=form.consent_template_version.data or "",
            role_scope=form.role_scope.data or "",
            escalation_paths=form.escalation_paths.data or "",
            supervision_arrangement=form.supervision_arrangement.data or "")),
        success="Paperwork saved.", done=lambda saved: _after_save(saved, person_id))
    if done is not None:
        return done
    return render_template("coaching/paperwork_edit.html", form=form, coach_file=coach_file,
                           clause=paperwork.NON_EVALUATOR_CLAUSE), rerender_status()


def _after_save(saved: paperwork.PaperworkSaved, person_id: int) -> str:
    """Where a save leads, after saying what it did beyond saving (after "Paperwork saved.")."""
    if saved.signatures_cleared:
        flash("The agreement's terms changed, so both signatures were cleared: the manager and "
              "the coach sign the new terms.", "info")
    if not saved.missing:
        flash("The paperwork is complete: this coach may now be matched with coachees.",
              "success")
    return url_for("coaching.view_paperwork", person_id=person_id)


@bp.route("/coaches/<int:person_id>/paperwork/sign/coach", methods=["POST"])
@login_required
def sign_agreement_as_coach(person_id: int) -> Any:
    form = CoachSignForm()
    back = url_for("coaching.view_paperwork", person_id=person_id)
    outcome = attempt(form, lambda: paperwork.sign_as_coach(
        current_user, person_id, accept_non_evaluator_clause=bool(form.accept_clause.data)),
        done=back, success="You signed the time-allocation agreement and accepted the "
                           "non-evaluator clause.")
    if outcome is None:
        return _expired(back)
    if isinstance(outcome, Refusal):
        if not outcome.field_errors:
            return redirect(back)  # refused as a whole: the paperwork page says why
        # The clause was not accepted: the page again, the problem beside the checkbox.
        return _render_paperwork(paperwork.get_coach_file(current_user, person_id), form,
                                 rerender_status())
    return outcome


@bp.route("/coaches/<int:person_id>/paperwork/sign/manager", methods=["POST"])
@login_required
def sign_agreement_as_manager(person_id: int) -> Any:
    back = url_for("coaching.view_paperwork", person_id=person_id)
    return _button(
        ManagerSignForm(), lambda: paperwork.sign_as_manager(current_user, person_id), back,
        refused=back, success="You signed the time-allocation agreement as the coach's manager.")


# --- engagements -------------------------------------------------------------------------------


@bp.route("/engagements")
@login_required
def list_engagements() -> Any:
    authorize("can_list_engagements")
    status = choice_arg("status", ENGAGEMENT_STATUSES)
    rows, pagination = paged(lambda page, per_page: engagements.list_engagements(
        current_user, engagements.EngagementQuery(status=status, page=page, per_page=per_page)))
    return render_template("coaching/engagement_list.html", engagements=rows, status=status,
                           statuses=("", *ENGAGEMENT_STATUSES), pagination=pagination)


def _coach_label(summary: paperwork.CoachSummary) -> str:
    coach = summary.coach
    if not summary.paperwork_complete:
        return f"{coach.name} ({coach.employee_id}) — paperwork incomplete"
    free = summary.capacity.free_hours
    return f"{coach.name} ({coach.employee_id}) — {_hours(free)} a week free"


@bp.route("/engagements/new", methods=["GET", "POST"])
@login_required
def create_engagement() -> Any:
    authorize("can_match_coaches")
    form = EngagementCreateForm()
    coaches = paperwork.list_coaches(current_user)
    form.coach_person_id.choices = [("", "— choose —")] + [
        (str(c.coach.id), _coach_label(c)) for c in coaches]
    if request.method == "GET" and request.args.get("coach"):
        form.coach_person_id.data = optional_int(request.args["coach"])
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            engagement = engagements.create_engagement(current_user, engagements.EngagementDraft(
                coach_person_id=form.coach_person_id.data,
                coachee_employee_id=form.coachee_employee_id.data or "",
                start_date=form.start_date.data, goals=form.goals.data or "",
                kpi_name=form.kpi_name.data or "", session_cap=form.session_cap.data,
                hours_per_week=form.hours_per_week.data))
        except engagements.MatchRefused as error:
            db.session.rollback()
            apply_domain_error(form, error)
            problems = error.problems
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(f"{engagement.coach.name} now coaches {engagement.coachee.name}.", "success")
            return redirect(url_for("coaching.view_engagement", engagement_id=engagement.id))
    return render_template("coaching/engagement_create.html", form=form, problems=problems,
                           has_coaches=bool(coaches)), rerender_status()


@bp.route("/engagements/<int:engagement_id>")
@login_required
def view_engagement(engagement_id: int) -> Any:
    engagement = engagements.get_engagement(current_user, engagement_id)
    warnings = engagements.engagement_warnings(current_user, engagement)
    db.session.commit()  # the read is audited
    return render_template("coaching/engagement_view.html", engagement=engagement,
                           warnings=warnings, end_form=EngagementEndForm(formdata=None))


@bp.route("/engagements/<int:engagement_id>/end", methods=["POST"])
@login_required
def end_engagement(engagement_id: int) -> Any:
    back = url_for("coaching.view_engagement", engagement_id=engagement_id)
    return _button(
        EngagementEndForm(), lambda: engagements.end_engagement(current_user, engagement_id),
        back, refused=back,
        success="The engagement has ended. It still counts for rater conflicts: a coach never "
        "rates someone they have coached.")


# --- evaluation relationships ------------------------------------------------------------------


@bp.route("/people/<int:person_id>/evaluations", methods=["GET", "POST"])
@login_required
def person_evaluations(person_id: int) -> Any:
    authorize("can_manage_evaluations")
    form = EvaluationAddForm()
    done = carry_out(form, lambda: evaluations.record_evaluation(
        current_user, person_id, direction=form.direction.data or "",
        other_employee_id=form.other_employee_id.data or "", note=form.note.data or ""),
        success=lambda recorded: f"Recorded: {recorded.relationship.evaluator.name} reviews "
        f"{recorded.relationship.evaluated.name}'s performance.",
        done=lambda recorded: _after_recording(recorded, person_id))
    if done is not None:
        return done
    listed = evaluations.list_evaluations(current_user, person_id)
    name = listed.person.name
    form.direction.choices = [
        (evaluations.EVALUATES, f"{name} reviews the other person's performance"),
        (evaluations.EVALUATED_BY, f"The other person reviews {name}'s performance")]
    return render_template("coaching/person_evaluations.html", form=form,
                           evaluations=listed,
                           remove_form=EvaluationRemoveForm(formdata=None)), rerender_status()


def _after_recording(recorded: evaluations.EvaluationRecorded, person_id: int) -> str:
    """Where recording leads, after warning of an active engagement between the two."""
    for warning in recorded.warnings:
        flash(warning, "error")
    return url_for("coaching.person_evaluations", person_id=person_id)


@bp.route("/people/<int:person_id>/evaluations/<int:relationship_id>/remove",
          methods=["POST"])
@login_required
def remove_evaluation(person_id: int, relationship_id: int) -> Any:
    authorize("can_manage_evaluations")
    back = url_for("coaching.person_evaluations", person_id=person_id)
    return _button(
        EvaluationRemoveForm(),
        lambda: evaluations.remove_evaluation(current_user, person_id, relationship_id), back,
        success="The relationship was removed.")
