"""Coached hours and practice reviews posted from the candidate's pages. Routes:
`selection/blueprint.py`.
"""

from __future__ import annotations

from typing import Any

from flask import (
    redirect,
)
from flask_login import current_user, login_required

from coachprog.authority import can
from coachprog.selection.candidates.views import (
    candidate_for,
    candidate_page,
    candidate_url,
    carry_out_or_back,
    mine_page,
    mine_url,
    own_page,
    refuse_stale,
    viewable_candidate,
)
from coachprog.selection.practice import services
from coachprog.selection.practice.forms import HoursLogForm, PracticeReviewForm, VerifyHoursForm
from coachprog.selection.sprints.views import prefixed
from coachprog.web import (
    authorize,
    carry_out,
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
    done = carry_out(form, lambda: services.log_practice_hours(
        current_user, candidate, session_date=form.session_date.data,
        minutes=form.minutes.data, note=form.note.data or ""), done=back,
        success=lambda entry: f"{entry.minutes} minutes logged; a supervisor verifies them "
                              "before they count.")
    if done is not None:
        return done
    reloaded = viewable_candidate(sprint_id, candidate_id)
    if own:
        return mine_page(reloaded, 400, hours_form=form)
    return candidate_page(reloaded, 400, hours_form=form)


@login_required
def verify_hours(sprint_id: int, candidate_id: int, entry_id: int) -> Any:
    candidate = candidate_for(sprint_id, candidate_id)
    authorize("can_supervise_practice", candidate)
    back = candidate_url(candidate) + "#hours"
    done = carry_out(VerifyHoursForm(), prefixed(
        "The hours are not verified.",
        lambda: services.verify_practice_hours(current_user, candidate, entry_id)),
        done=back, refused=back,
        success=lambda entry: f"{entry.minutes} minutes verified; they now count towards the "
                              "8-hour minimum.")
    return done or redirect(back)


@login_required
def record_review(sprint_id: int, candidate_id: int) -> Any:
    candidate = candidate_for(sprint_id, candidate_id)
    authorize("can_supervise_practice", candidate)
    form = PracticeReviewForm()
    back = candidate_url(candidate) + "#reviews"
    if form.validate_on_submit():
        response = carry_out_or_back(
            form, lambda: services.record_practice_review(
                current_user, candidate, title=form.title.data or "",
                notes=form.notes.data or "", link=form.link.data or ""),
            back=back, refused="The review is not recorded.", done="Your review is recorded.")
        if response is not None:
            return response
    return candidate_page(candidate_for(sprint_id, candidate_id), 400, review_form=form)
