"""Recertification pages (evidence, review, decision) on the certification blueprint.

One page per certification (`/certification/recertification/<id>`): the stage, the cycle
window, each piece of evidence with its status, and the forms the viewer may use — the
outcomes brief and the peer review request (the coach, or an admin), starting and scoring the
evidence review (master coaches), the two approvals and withdrawal. A peer asked for a review
gets a page of their own showing only the request. Who may do what:
`recert_permissions`; the rules: `recert_services` and `recert_domain`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from coachprog.assessments import services as assessment_services
from coachprog.assessments.forms import optional_int
from coachprog.authority import can
from coachprog.certification import recert_services as rs
from coachprog.certification.models import Certification
from coachprog.certification.recert_domain import Stage
from coachprog.certification.recert_forms import (
    ApproveForm,
    OutcomesBriefForm,
    PeerRequestForm,
    PeerReviewForm,
    ScoreReviewForm,
    StartReviewForm,
    WithdrawForm,
)
from coachprog.certification.views import bp
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.web import apply_domain_error, authorize

FORMS = {"brief_form": OutcomesBriefForm, "peer_form": PeerRequestForm,
         "start_form": StartReviewForm, "score_form": ScoreReviewForm,
         "approve_form": ApproveForm, "withdraw_form": WithdrawForm}


@bp.app_template_global("recert_panel_rows")
def _panel_rows(certifications: Any) -> list[rs.PanelRow]:
    """For the coach page's `_recert_panel.html`: each active or lapsed certification's stage."""
    return rs.panel_rows(list(certifications or []))


def _page(cert_id: int, *, status: int = 200, message: str = "",
          score: dict[str, Any] | None = None, **forms: FlaskForm) -> Any:
    overview = rs.overview(current_user, cert_id)
    cert = overview.cert
    for name, form_class in FORMS.items():
        forms.setdefault(name, form_class(formdata=None))
    brief_form = forms["brief_form"]
    if not brief_form.text.data and overview.brief is not None and status == 200:
        brief_form.text.data = overview.brief.summary
    peer_form = forms["peer_form"]
    peer_form.reviewer_person_id.choices = [("", "Choose a coach")] + [
        (p.id, p.name) for p in rs.peer_candidates(cert)]
    start_form = forms["start_form"]
    start_form.rater_id.choices = [("", "Choose a master coach")] + [
        (u.id, u.display_name) for u in rs.master_coaches() if u.person_id != cert.person_id]
    if start_form.rater_id.data is None and can(current_user, "can_start_recert_review", cert):
        start_form.rater_id.data = current_user.id
    assignment = rs.review_assignment(overview.decision, current_user)
    assessment = overview.assessment
    scoring = None
    if assignment is not None and assessment is not None:
        values, notes = assessment_services.marks_of(assignment)
        state = score or {}
        scoring = {
            "rubric": assessment_services.rubric_of(assessment),
            "values": state.get("values", values), "notes": state.get("notes", notes),
            "errors": state.get("errors", {}), "assignment": assignment,
            "editable": assignment.status != "submitted" and assessment.status == "open"}
    rater = rs.review_assignment(overview.decision)
    may = {
        "write": can(current_user, "can_submit_recert_evidence", cert)
        and overview.evidence_open,
        "start": can(current_user, "can_start_recert_review", cert)
        and overview.stage is Stage.READY_FOR_REVIEW,
        "approve": can(current_user, "can_decide_certification")
        and overview.stage is Stage.AWAITING_APPROVAL,
        "withdraw": can(current_user, "can_withdraw_recertification", cert)
        and overview.decision is not None,
        "open_assessment": assessment is not None
        and can(current_user, "can_view_assessment", assessment),
    }
    db.session.commit()  # the review result may have been copied onto the decision
    if message:
        flash(message, "error")  # shown in the page's error summary
    return render_template("certification/recert.html", o=overview, may=may,
                           scoring=scoring, rater=rater, Stage=Stage, **forms), status


def _refused(cert_id: int, form_name: str, form: FlaskForm, error: DomainError) -> Any:
    db.session.rollback()
    apply_domain_error(form, error)
    return _page(cert_id, status=400, message=error.message, **{form_name: form})


def _invalid(cert_id: int, form_name: str, form: FlaskForm) -> Any:
    return _page(cert_id, status=400, message="The form could not be read; try again.",
                 **{form_name: form})


def _done(cert_id: int, message: str) -> Any:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("certification.recertification", cert_id=cert_id))


@bp.route("/recertification/<int:cert_id>")
@login_required
def recertification(cert_id: int) -> Any:
    return _page(cert_id)


@bp.route("/recertification/<int:cert_id>/brief", methods=["POST"])
@login_required
def recert_submit_brief(cert_id: int) -> Any:
    authorize("can_submit_recert_evidence", rs.get_certification(cert_id))
    form = OutcomesBriefForm()
    if not form.validate_on_submit():
        return _invalid(cert_id, "brief_form", form)
    try:
        rs.submit_outcomes_brief(current_user, cert_id, form.text.data or "")
    except DomainError as error:
        return _refused(cert_id, "brief_form", form, error)
    return _done(cert_id, "The outcomes brief is saved.")


@bp.route("/recertification/<int:cert_id>/peer-request", methods=["POST"])
@login_required
def recert_request_peer_review(cert_id: int) -> Any:
    authorize("can_submit_recert_evidence", rs.get_certification(cert_id))
    form = PeerRequestForm()
    if not form.validate_on_submit():
        return _invalid(cert_id, "peer_form", form)
    try:
        request_row = rs.request_peer_review(current_user, cert_id,
                                             form.reviewer_person_id.data)
    except DomainError as error:
        return _refused(cert_id, "peer_form", form, error)
    name = request_row.reviewer.name if request_row.reviewer else "the peer"
    return _done(cert_id, f"The peer review is requested from {name}; they write it on "
                          f"their page.")


@bp.route("/recertification/<int:cert_id>/peer-review", methods=["GET", "POST"])
@login_required
def recert_peer_review(cert_id: int) -> Any:
    found = rs.peer_request(current_user, cert_id)
    form = PeerReviewForm()
    message, status = "", 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                rs.submit_peer_review(current_user, cert_id, form.text.data or "")
            except DomainError as error:
                db.session.rollback()
                apply_domain_error(form, error)
                message, status = error.message, 400
                found = rs.peer_request(current_user, cert_id)
            else:
                db.session.commit()
                flash(f"Your peer review of {found.coach.name} is submitted. Thank you.",
                      "success")
                return redirect(url_for("certification.recert_peer_review", cert_id=cert_id))
        else:
            message, status = "The form could not be read; try again.", 400
    elif found.request.kind == rs.PEER_REVIEW:
        form.text.data = found.request.summary
    return render_template("certification/recert_peer_review.html", found=found, form=form,
                           message=message,
                           written=found.request.kind == rs.PEER_REVIEW), status


@bp.route("/recertification/<int:cert_id>/review", methods=["POST"])
@login_required
def recert_start_review(cert_id: int) -> Any:
    authorize("can_start_recert_review", rs.get_certification(cert_id))
    form = StartReviewForm()
    if not form.validate_on_submit():
        return _invalid(cert_id, "start_form", form)
    if request.form.get("rater_id") and form.rater_id.data is None:
        return _refused(cert_id, "start_form", form, DomainError(
            "Choose one of the master coaches listed.",
            field_errors={"rater_id": ["Choose one of the master coaches listed."]}))
    try:
        rs.start_review(current_user, cert_id, form.rater_id.data)
    except DomainError as error:
        return _refused(cert_id, "start_form", form, error)
    return _done(cert_id, "The evidence review has started.")


@bp.route("/recertification/<int:cert_id>/review/marks", methods=["POST"])
@login_required
def recert_score_review(cert_id: int) -> Any:
    authorize("can_view_recertification", rs.get_certification(cert_id))
    form = ScoreReviewForm()
    if not form.validate_on_submit():
        return _invalid(cert_id, "score_form", form)
    cert = rs.get_certification(cert_id)
    assignment = rs.review_assignment(rs.pending_decision(cert), current_user)
    rubric = assessment_services.rubric_of(assignment.assessment) if assignment else None
    behaviours = rubric.behaviours if rubric is not None else ()
    raw_values = {b.id: request.form.get(f"mark-{b.id}") for b in behaviours}
    raw_notes = {b.id: request.form.get(f"note-{b.id}") for b in behaviours}
    submitting = bool(form.submit.data)
    try:
        rs.score_review(current_user, cert_id, raw_values, raw_notes, submit=submitting)
    except DomainError as error:
        db.session.rollback()
        score = {"values": {k: optional_int(v) for k, v in raw_values.items()},
                 "notes": {k: v or "" for k, v in raw_notes.items()},
                 "errors": error.field_errors}
        return _page(cert_id, status=400, message=error.message, score=score,
                     score_form=form)
    return _done(cert_id, "Your marks are submitted." if submitting else "Draft saved.")


@bp.route("/recertification/<int:cert_id>/approve", methods=["POST"])
@login_required
def recert_approve(cert_id: int) -> Any:
    rs.get_certification(cert_id)
    authorize("can_decide_certification")
    form = ApproveForm()
    if not form.validate_on_submit():
        return _invalid(cert_id, "approve_form", form)
    try:
        decision = rs.approve_for_certification(current_user, cert_id, form.capacity.data or "")
    except DomainError as error:
        return _refused(cert_id, "approve_form", form, error)
    if decision.status == "approved":
        renewed = db.session.scalar(sa.select(Certification.id).where(
            Certification.decision_id == decision.id))
        return _done(renewed or cert_id, "Recertified: the renewed certification is issued.")
    return _done(cert_id, "Your approval is recorded; the second approval is still to come.")


@bp.route("/recertification/<int:cert_id>/withdraw", methods=["POST"])
@login_required
def recert_withdraw(cert_id: int) -> Any:
    authorize("can_withdraw_recertification", rs.get_certification(cert_id))
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _invalid(cert_id, "withdraw_form", form)
    try:
        rs.withdraw(current_user, cert_id, form.reason.data or "")
    except DomainError as error:
        return _refused(cert_id, "withdraw_form", form, error)
    return _done(cert_id, "The recertification is withdrawn; the evidence can change again.")
