"""Assessment pages: the list, evidence and assessment creation, the assessment page with rater
assignment, the scoring page of one assignment, moderation, and the admins' CSV export."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from coachprog.assessments import conflicts, evidence, moderation, results, services
from coachprog.assessments.domain import AssessmentStatus
from coachprog.assessments.eligibility import NotOffered, rater_options
from coachprog.assessments.forms import (
    AssessmentCreateForm,
    EvidenceCreateForm,
    ModerationForm,
    RaterAssignForm,
    ScoreForm,
    optional_int,
)
from coachprog.assessments.models import Assessment
from coachprog.assessments.recorded import recorded_evidence
from coachprog.authority import can
from coachprog.error_summary import Problem
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.rubrics.domain import Rubric, percent
from coachprog.storage import send_stored
from coachprog.validation import parse_id
from coachprog.web import (
    Refusal,
    apply_domain_error,
    attempt,
    authorize,
    carry_out,
    choice_arg,
    csv_download,
    no_store,
    paged,
    rerender_status,
)

bp = no_store(Blueprint("assessments", __name__, url_prefix="/assessments"))


@bp.app_template_global("rater_label")
def rater_label(assignment: Any) -> str:
    """A rater's name, or their pseudonym where the blind rules hide it."""
    return results.rater_label(current_user, assignment)

STATUS_FILTERS = ("", *(s.value for s in AssessmentStatus))


@bp.app_template_filter("percent")
def _percent(value: float) -> str:
    """A 0–1 score as "81%", the same way the rubric's own messages write it."""
    return percent(value)


@bp.route("/")
@login_required
def list_assessments() -> Any:
    authorize("can_list_assessments")
    status = choice_arg("status", STATUS_FILTERS)
    rows, pagination = paged(lambda page, per_page: services.list_assessments(
        current_user, services.AssessmentQuery(status=status, page=page, per_page=per_page)))
    return render_template("assessments/assessment_list.html",
                           items=[_list_item(a) for a in rows], status=status,
                           statuses=STATUS_FILTERS, pagination=pagination)


def _list_item(assessment: Assessment) -> dict[str, Any]:
    mine = [a for a in assessment.assignments if a.rater_id == current_user.id]
    return {"assessment": assessment,
            "title": results.display_title(current_user, assessment),
            "submitted": sum(a.status == "submitted" and a.role == "rater"
                             for a in assessment.assignments),
            "raters": sum(a.role == "rater" for a in assessment.assignments),
            "mine": mine}


@bp.route("/evidence/new", methods=["GET", "POST"])
@login_required
def create_evidence() -> Any:
    authorize("can_manage_assessments")
    form = EvidenceCreateForm()

    def create() -> Any:
        upload = form.attachment.data
        return evidence.create_evidence_item(
            current_user, title=form.title.data or "",
            description=form.description.data or "", link=form.link.data or "",
            subject_employee_id=form.subject_employee_id.data or "",
            attachment=evidence.Upload(upload.filename or "", upload.stream) if upload else None)

    done = carry_out(
        form, create,
        done=lambda item: url_for("assessments.create_assessment", evidence=item.id),
        success=lambda item: f"Evidence “{item.title}” created. Now create its assessment.")
    return done or (render_template("assessments/evidence_create.html", form=form),
                    rerender_status())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create_assessment() -> Any:
    authorize("can_manage_assessments")
    form = AssessmentCreateForm()
    form.evidence_item_id.choices = [("", "— choose —")] + [
        (str(e.id), _evidence_label(e)) for e in evidence.list_evidence_items(current_user)]
    form.rubric_version_id.choices = [("", "— choose —")] + [
        (str(v.id), v.label) for v in services.list_rubric_versions(current_user)]
    if request.method == "GET" and request.args.get("evidence"):
        form.evidence_item_id.data = optional_int(request.args["evidence"])
    done = carry_out(form, lambda: services.create_assessment(
        current_user, evidence_item_id=form.evidence_item_id.data,
        rubric_version_id=form.rubric_version_id.data, title=form.title.data or "",
        blind=bool(form.blind.data)),
        done=lambda assessment: url_for("assessments.view_assessment",
                                        assessment_id=assessment.id),
        success="Assessment created. Assign its raters.")
    return done or (render_template("assessments/assessment_create.html", form=form),
                    rerender_status())


def _evidence_label(item: Any) -> str:
    # Told apart by whose it is and when it came, not by a database number.
    whose = item.subject.name if item.subject is not None else "no person recorded"
    return f"{item.title} — {whose}, {item.created_at:%Y-%m-%d}"


def _rater_form(assessment: Assessment, form: RaterAssignForm | None = None, *,
                moderation: bool = False) -> tuple[RaterAssignForm, list[NotOffered]]:
    """The rater list offers only those the assignment would accept; the others come back
    with the reasons they are not offered, for the page to say."""
    form = form or RaterAssignForm(formdata=None)
    options = rater_options(current_user, assessment, moderation=moderation)
    choices = options.offered
    # Grouped by calibration status ("Calibrated until 2027-11-23", "Not calibrated"), soonest
    # expiry first: the status is visible before choosing, and each option keeps the plain
    # "Name (email)" label people search the list by.
    choices.sort(key=lambda c: (not c.calibrated, c.until is None,
                                c.until.isoformat() if c.until else ""))
    form.rater_id.choices = [SelectChoice("", "— choose —")] + [
        SelectChoice(str(c.user.id), c.label, optgroup=c.status[:1].upper() + c.status[1:])
        for c in choices]
    return form, options.not_offered


def _render_assessment(assessment: Assessment, form: RaterAssignForm | None = None,
                       status: int = 200) -> Any:
    info = results.describe_assessment(current_user, assessment)
    can_assign = can(current_user, "can_assign_raters", assessment)
    own = [a for a in assessment.assignments
           if a.rater_id == current_user.id and can(current_user, "can_score_assignment", a)]
    moments = recorded_evidence().cited_moments(current_user, assessment)
    rater_form, not_offered = _rater_form(assessment, form) if can_assign else (None, [])
    db.session.commit()  # showing cited transcript moments is audited
    return render_template(
        "assessments/assessment_view.html", info=info, assessment=assessment,
        rubric=services.rubric_of(assessment), own=own, moments=moments,
        form=rater_form, not_offered=not_offered,
        reasons=services.disagreement(assessment).reasons
        if assessment.status == AssessmentStatus.MODERATION.value
        and can(current_user, "can_moderate_assessment", assessment) else (),
        moderation_conflicts=conflicts.moderation_conflicts(current_user, assessment)
        if assessment.status == AssessmentStatus.MODERATION.value
        and can(current_user, "can_moderate_assessment", assessment) else [],
    ), status


@bp.route("/<int:assessment_id>")
@login_required
def view_assessment(assessment_id: int) -> Any:
    return _render_assessment(services.get_assessment(current_user, assessment_id))


@bp.route("/<int:assessment_id>/raters", methods=["POST"])
@login_required
def assign_rater(assessment_id: int) -> Any:
    assessment = services.get_assessment(current_user, assessment_id)
    authorize("can_manage_assessments", assessment)
    form, _not_offered = _rater_form(assessment, RaterAssignForm())
    done = carry_out(form, lambda: services.assign_rater(current_user, assessment,
                                                         form.rater_id.data),
                     done=url_for("assessments.view_assessment", assessment_id=assessment_id),
                     success=lambda assignment: f"{assignment.rater.display_name} is assigned.")
    if done is not None:
        return done
    db.session.rollback()
    return _render_assessment(assessment, form, 400)


@bp.route("/<int:assessment_id>/attachment")
@login_required
def download_attachment(assessment_id: int) -> Any:
    assessment = services.get_assessment(current_user, assessment_id)
    attachment = evidence.open_attachment(current_user, assessment)
    db.session.commit()  # the read is audited
    return send_stored(attachment.store, attachment.name, mimetype=attachment.mimetype,
                       as_attachment=True, download_name=attachment.download_name)


def _posted_marks(rubric: Rubric) -> tuple[dict[str, str | None], dict[str, str | None]]:
    return ({b.id: request.form.get(f"mark-{b.id}") for b in rubric.behaviours},
            {b.id: request.form.get(f"note-{b.id}") for b in rubric.behaviours})


def _behaviour_problems(refusal: Refusal | None, rubric: Rubric) -> list[Problem]:
    """A refused mark sheet's problems by behaviour, for the error summary: each names its
    behaviour and links to its fieldset (`b-<id>`)."""
    if refusal is None:
        return []
    behaviours = {b.id: b for b in rubric.behaviours}
    return refusal.problems(lambda key: (behaviours[key].description, f"b-{key}")
                            if key in behaviours else None)


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@login_required
def score_assignment(assignment_id: int) -> Any:
    assignment = services.get_assignment(current_user, assignment_id)
    assessment = assignment.assessment
    rubric = services.rubric_of(assessment)
    form = ScoreForm()
    values, notes = services.marks_of(assignment)
    cited = recorded_evidence().citations_of(assignment)
    raw_values, raw_notes = _posted_marks(rubric)
    submitting = bool(form.submit.data)
    # Only a form that showed the transcript posts citations; without it they stay as they
    # are (an absent cite list must not erase them).
    raw_cites = ({b.id: request.form.getlist(f"cite-{b.id}") for b in rubric.behaviours}
                 if request.form.get("cites-shown") else None)

    def save() -> Any:
        posted = (recorded_evidence().parse_segment_ids(raw_cites)
                  if raw_cites is not None else None)
        return services.save_marks(current_user, assignment, raw_values, raw_notes,
                                   submit=submitting, citations=posted)

    # A submission is said once, by the page's own lasting notice (a flash as well made two
    # "submitted" notices).
    outcome = attempt(form, save, success=None if submitting else "Draft saved.",
                      done=url_for("assessments.score_assignment", assignment_id=assignment_id))
    if isinstance(outcome, Refusal):
        # Nothing lost: the marks, notes and cited moments are shown again as posted.
        values = {k: optional_int(v) for k, v in raw_values.items()}
        notes = {k: v or "" for k, v in raw_notes.items()}
        if raw_cites is not None:
            cited = {k: [i for i in map(parse_id, v) if i is not None]
                     for k, v in raw_cites.items()}
    elif outcome is not None:
        return outcome
    refusal = outcome
    info = results.describe_assessment(current_user, assessment)
    others = results.visible_mark_sheets(current_user, assessment)
    material = recorded_evidence().scoring_material(current_user, assessment)
    transcript = material.transcript
    db.session.commit()  # reading others' notes and the transcript is audited
    editable = (assignment.status != "submitted"
                and assessment.status == AssessmentStatus.OPEN.value)
    return render_template("assessments/assignment_score.html", form=form, info=info,
                           assignment=assignment, rubric=rubric, values=values, notes=notes,
                           errors=refusal.field_errors if refusal else {},
                           problems=_behaviour_problems(refusal, rubric), others=others,
                           editable=editable, transcript=transcript, material=material,
                           cited=cited), rerender_status()


def _moderation_page(assessment: Assessment, form: ModerationForm,
                     rater_form: RaterAssignForm | None = None, *, values: Any = None,
                     notes: Any = None, refusal: Refusal | None = None,
                     status: int = 200) -> Any:
    info = results.describe_assessment(current_user, assessment)
    sheets = results.visible_mark_sheets(current_user, assessment)
    # The raters' cited transcript moments, under the same blind and content rules as the
    # result page.
    moments = recorded_evidence().cited_moments(current_user, assessment)
    rater_form, not_offered = _rater_form(assessment, rater_form, moderation=True)
    rubric = services.rubric_of(assessment)
    db.session.commit()  # reading the raters' notes and cited moments is audited
    return render_template(
        "assessments/assessment_moderate.html", info=info, assessment=assessment,
        rubric=rubric, sheets=sheets, form=form, moments=moments,
        rater_form=rater_form, not_offered=not_offered,
        reasons=services.disagreement(assessment).reasons, values=values or {},
        notes=notes or {}, errors=refusal.field_errors if refusal else {},
        problems=_behaviour_problems(refusal, rubric)), status


def _load_for_moderation(assessment_id: int) -> Assessment:
    assessment = services.get_assessment(current_user, assessment_id)
    authorize("can_moderate_assessment", assessment)
    return assessment


def _conflict_redirect(assessment: Assessment, check: conflicts.ConflictCheck) -> Any:
    """Back to the assessment page with the reason, when the moderator has a conflict."""
    if not check.conflicts:
        return None
    flash("You cannot moderate this assessment. Conflict of interest: "
          + " ".join(check.conflicts) + " Another master coach must moderate.", "error")
    return redirect(url_for("assessments.view_assessment", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/moderation", methods=["GET", "POST"])
@login_required
def moderate_assessment(assessment_id: int) -> Any:
    assessment = _load_for_moderation(assessment_id)
    if assessment.status != AssessmentStatus.MODERATION.value:
        flash(f"This assessment is {assessment.status}, not in moderation.", "info")
        return redirect(url_for("assessments.view_assessment", assessment_id=assessment_id))
    # Checked once here and handed to the service, which would otherwise check again.
    check = conflicts.check_moderation_conflicts(current_user, assessment)
    if (refused := _conflict_redirect(assessment, check)) is not None:
        return refused
    form = ModerationForm()
    rubric = services.rubric_of(assessment)
    raw_values, raw_notes = _posted_marks(rubric)
    outcome = attempt(form, lambda: moderation.settle_moderation(
        current_user, assessment, raw_values, raw_notes, form.reason.data or "",
        conflict_check=check),
        done=url_for("assessments.view_assessment", assessment_id=assessment_id),
        success="The agreed result is recorded and the assessment is closed.")
    if isinstance(outcome, Refusal):
        # Nothing lost: the agreed marks and notes are shown again as posted.
        return _moderation_page(
            assessment, form, values={k: optional_int(v) for k, v in raw_values.items()},
            notes={k: v or "" for k, v in raw_notes.items()}, refusal=outcome,
            status=rerender_status())
    if outcome is not None:
        return outcome
    return _moderation_page(assessment, form, status=rerender_status())


@bp.route("/<int:assessment_id>/moderation/raters", methods=["POST"])
@login_required
def add_moderation_rater(assessment_id: int) -> Any:
    assessment = _load_for_moderation(assessment_id)
    check = conflicts.check_moderation_conflicts(current_user, assessment)
    if (refused := _conflict_redirect(assessment, check)) is not None:
        return refused
    rater_form, _not_offered = _rater_form(assessment, RaterAssignForm(), moderation=True)
    if rater_form.validate_on_submit():
        try:
            assignment = moderation.add_moderation_rater(current_user, assessment,
                                                       rater_form.rater_id.data,
                                                       conflict_check=check)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(rater_form, error)
            if assessment.status != AssessmentStatus.MODERATION.value:
                flash(error.message, "error")
                return redirect(url_for("assessments.view_assessment",
                                        assessment_id=assessment_id))
        else:
            db.session.commit()
            flash(f"{assignment.rater.display_name} is added as a further rater; the "
                  "assessment is open again until they submit.", "success")
            return redirect(url_for("assessments.view_assessment", assessment_id=assessment_id))
    return _moderation_page(assessment, ModerationForm(formdata=None), rater_form, status=400)


@bp.route("/export.csv")
@login_required
def export_assessments() -> Any:
    authorize("can_export_assessments")
    rows = results.export_rows(current_user)
    db.session.commit()  # the export is audited
    return csv_download(rows, results.EXPORT_COLUMNS, "assessment-results.csv")
