"""Recertification pages (evidence, review, decision) on the certification blueprint.

One page per certification (`/certification/recertification/<id>`): the stage, the cycle
window, each piece of evidence with its status, and the forms the viewer may use — the
outcomes brief and the peer review request (the coach, or an admin), starting and scoring the
evidence review (master coaches), the two approvals and withdrawal. A peer asked for a review
gets a page of their own showing only the request. Who may do what:
`recertification.permissions`; the rules: `recertification.services` and `.domain`.
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
from coachprog.certification.models import Certification, CertificationDecision
from coachprog.certification.recertification import evidence, review
from coachprog.certification.recertification import services as rs
from coachprog.certification.recertification.domain import Stage
from coachprog.certification.recertification.forms import (
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
from coachprog.web import authorize, carry_out, rerender_status

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
        (p.id, p.name) for p in evidence.peer_candidates(cert)]
    start_form = forms["start_form"]
    start_form.rater_id.choices = [("", "Choose a master coach")] + [
        (u.id, u.display_name) for u in review.master_coaches() if u.person_id != cert.person_id]
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


def _to_page(cert_id: int) -> str:
    return url_for("certification.recertification", cert_id=cert_id)


def _again(cert_id: int, form_name: str, form: FlaskForm) -> Any:
    """The page again with the form carry_out did not carry out (its problems beside it)."""
    return _page(cert_id, status=rerender_status(), **{form_name: form})


@bp.route("/recertification/<int:cert_id>")
@login_required
def recertification(cert_id: int) -> Any:
    return _page(cert_id)


@bp.route("/recertification/<int:cert_id>/brief", methods=["POST"])
@login_required
def recert_submit_brief(cert_id: int) -> Any:
    authorize("can_submit_recert_evidence", rs.get_certification(cert_id))
    form = OutcomesBriefForm()
    carried = carry_out(
        form, lambda: evidence.submit_outcomes_brief(current_user, cert_id, form.text.data or ""),
        done=_to_page(cert_id), success="The outcomes brief is saved.")
    return carried or _again(cert_id, "brief_form", form)


@bp.route("/recertification/<int:cert_id>/peer-request", methods=["POST"])
@login_required
def recert_request_peer_review(cert_id: int) -> Any:
    authorize("can_submit_recert_evidence", rs.get_certification(cert_id))
    form = PeerRequestForm()
    carried = carry_out(
        form, lambda: evidence.request_peer_review(current_user, cert_id,
                                                   form.reviewer_person_id.data),
        done=_to_page(cert_id),
        success=lambda asked: (
            f"The peer review is requested from "
            f"{asked.reviewer.name if asked.reviewer else 'the peer'}; they write it on their "
            f"page."))
    return carried or _again(cert_id, "peer_form", form)


@bp.route("/recertification/<int:cert_id>/peer-review", methods=["GET", "POST"])
@login_required
def recert_peer_review(cert_id: int) -> Any:
    found = evidence.peer_request(current_user, cert_id)
    form = PeerReviewForm()
    carried = carry_out(
        form, lambda: evidence.submit_peer_review(current_user, cert_id, form.text.data or ""),
        done=url_for("certification.recert_peer_review", cert_id=cert_id),
        success=f"Your peer review of {found.coach.name} is submitted. Thank you.")
    if carried:
        return carried
    if request.method == "POST":
        found = evidence.peer_request(current_user, cert_id)  # read again after the rollback
    elif found.request.kind == rs.PEER_REVIEW:
        form.text.data = found.request.summary
    return render_template("certification/recert_peer_review.html", found=found, form=form,
                           written=found.request.kind == rs.PEER_REVIEW), rerender_status()


def _chosen_rater(form: StartReviewForm) -> int | None:
    # A rater id that is not one of the choices parses to None: refused, not "the actor".
    if request.form.get("rater_id") and form.rater_id.data is None:
        message = "Choose one of the master coaches listed."
        raise DomainError(message, field_errors={"rater_id": [message]})
    return form.rater_id.data


@bp.route("/recertification/<int:cert_id>/review", methods=["POST"])
@login_required
def recert_start_review(cert_id: int) -> Any:
    authorize("can_start_recert_review", rs.get_certification(cert_id))
    form = StartReviewForm()
    carried = carry_out(
        form, lambda: review.start_review(current_user, cert_id, _chosen_rater(form)),
        done=_to_page(cert_id), success="The evidence review has started.")
    return carried or _again(cert_id, "start_form", form)


@bp.route("/recertification/<int:cert_id>/review/marks", methods=["POST"])
@login_required
def recert_score_review(cert_id: int) -> Any:
    # Not carry_out: a refusal's field errors name rubric behaviours, which the page shows in
    # the scoring grid beside the marks as posted, so it needs the refusal itself.
    authorize("can_view_recertification", rs.get_certification(cert_id))
    form = ScoreReviewForm()
    if not form.validate_on_submit():
        return _again(cert_id, "score_form", form)
    cert = rs.get_certification(cert_id)
    assignment = rs.review_assignment(rs.pending_decision(cert), current_user)
    rubric = assessment_services.rubric_of(assignment.assessment) if assignment else None
    behaviours = rubric.behaviours if rubric is not None else ()
    raw_values = {b.id: request.form.get(f"mark-{b.id}") for b in behaviours}
    raw_notes = {b.id: request.form.get(f"note-{b.id}") for b in behaviours}
    submitting = bool(form.submit.data)
    try:
        review.score_review(current_user, cert_id, raw_values, raw_notes, submit=submitting)
    except DomainError as error:
        db.session.rollback()
        score = {"values": {k: optional_int(v) for k, v in raw_values.items()},
                 "notes": {k: v or "" for k, v in raw_notes.items()},
                 "errors": error.field_errors}
        return _page(cert_id, status=400, message=error.message, score=score,
                     score_form=form)
    db.session.commit()
    flash("Your marks are submitted." if submitting else "Draft saved.", "success")
    return redirect(_to_page(cert_id))


@bp.route("/recertification/<int:cert_id>/approve", methods=["POST"])
@login_required
def recert_approve(cert_id: int) -> Any:
    rs.get_certification(cert_id)
    authorize("can_decide_certification")
    form = ApproveForm()

    def renewed_or_same(decision: CertificationDecision) -> str:
        renewed = db.session.scalar(sa.select(Certification.id).where(
            Certification.decision_id == decision.id))
        return _to_page(renewed or cert_id)

    carried = carry_out(
        form, lambda: rs.approve_for_certification(current_user, cert_id,
                                                   form.capacity.data or ""),
        done=renewed_or_same,
        success=lambda decision: (
            "Recertified: the renewed certification is issued."
            if decision.status == "approved"
            else "Your approval is recorded; the second approval is still to come."))
    return carried or _again(cert_id, "approve_form", form)


@bp.route("/recertification/<int:cert_id>/withdraw", methods=["POST"])
@login_required
def recert_withdraw(cert_id: int) -> Any:
    authorize("can_withdraw_recertification", rs.get_certification(cert_id))
    form = WithdrawForm()
    carried = carry_out(
        form, lambda: rs.withdraw(current_user, cert_id, form.reason.data or ""),
        done=_to_page(cert_id),
        success="The recertification is withdrawn; the evidence can change again.")
    return carried or _again(cert_id, "withdraw_form", form)
