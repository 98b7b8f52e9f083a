"""Coached hours and practice reviews posted from the candidate's pages. Routes:
`selection/blueprint.py`.
"""

from __future__ import annotations

from typing import Any

from flask import (
    flash,
    redirect,
)
from flask_login import current_user, login_required

from coachprog.authority import can
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.selection.candidates.views import (
    _carry_out,
    candidate_for,
    candidate_page,
    candidate_url,
    mine_page,
    mine_url,
    own_page,
    refuse_stale,
    viewable_candidate,
)
from coachprog.selection.practice import services
from coachprog.selection.practice.forms import HoursLogForm, PracticeReviewForm, VerifyHoursForm
from coachprog.web import (
    apply_domain_error,
    authorize,
)


@login_required
def log_hours(sprint_id: int, candidate_id: int) -> Any:
    candidate = viewable_candidate(sprint_id, candidate_id)
    form = HoursLogForm()
    own = own_page(form.origin.data, candidate)
    back = mine_url(candidate) if own else candidate_url(candidate)
    if not can(current_user, "can_log_practice_hours", candidate):
        could = (can(current_user, "can_view_own_candidacy", candidate)
                 or can(current_user, "can_view_sprints"))
        return refuse_stale(could, "Coached hours are logged while the candidate is in "
                            "supervised practice.", back)
    if form.validate_on_submit():
        try:
            entry = services.log_practice_hours(
                current_user, candidate, session_date=form.session_date.data,
                minutes=form.minutes.data, note=form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            minutes = entry.minutes
            db.session.commit()
            flash(f"{minutes} minutes logged; a supervisor verifies them before they count.",
                  "success")
            return redirect(back)
    reloaded = viewable_candidate(sprint_id, candidate_id)
    if own:
        return mine_page(reloaded, 400, hours_form=form)
    return candidate_page(reloaded, 400, hours_form=form)


@login_required
def verify_hours(sprint_id: int, candidate_id: int, entry_id: int) -> Any:
    candidate = candidate_for(sprint_id, candidate_id)
    authorize("can_supervise_practice", candidate)
    back = candidate_url(candidate) + "#hours"
    if VerifyHoursForm().validate_on_submit():
        try:
            entry = services.verify_practice_hours(current_user, candidate, entry_id)
        except DomainError as error:
            db.session.rollback()
            flash(f"The hours are not verified. {error.message}", "error")
        else:
            minutes = entry.minutes
            db.session.commit()
            flash(f"{minutes} minutes verified; they now count towards the 8-hour minimum.",
                  "success")
    return redirect(back)


@login_required
def record_review(sprint_id: int, candidate_id: int) -> Any:
    candidate = candidate_for(sprint_id, candidate_id)
    authorize("can_supervise_practice", candidate)
    form = PracticeReviewForm()
    back = candidate_url(candidate) + "#reviews"
    if form.validate_on_submit():
        response = _carry_out(
            form, lambda: services.record_practice_review(
                current_user, candidate, title=form.title.data or "",
                notes=form.notes.data or "", link=form.link.data or ""),
            back=back, refused="The review is not recorded.", done="Your review is recorded.")
        if response is not None:
            return response
    return candidate_page(candidate_for(sprint_id, candidate_id), 400, review_form=form)
