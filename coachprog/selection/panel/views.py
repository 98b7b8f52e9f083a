"""The panel's forms: seating a member from the board, and a member's decision on a
candidate. Routes: `selection/blueprint.py`.
"""

from __future__ import annotations

from typing import Any

from flask import (
    flash,
    redirect,
)
from flask_login import current_user, login_required

from coachprog.authority import can
from coachprog.selection.candidates.views import (
    candidate_for,
    candidate_page,
    candidate_url,
    panel_candidate,
    refuse_stale,
)
from coachprog.selection.panel import domain
from coachprog.selection.panel import services as panel_services
from coachprog.selection.panel.domain import PanelRole
from coachprog.selection.panel.forms import PanelDecisionForm, PanelSeatForm
from coachprog.selection.permissions import panel_seat_of
from coachprog.selection.sprints import services as sprint_services
from coachprog.selection.sprints.views import board_url, prefixed
from coachprog.validation import parse_id
from coachprog.web import carry_out


@login_required
def seat_panel_member(sprint_id: int, seat: str) -> Any:
    sprint = sprint_services.get_sprint(current_user, sprint_id, "can_manage_sprints")
    form = PanelSeatForm()
    back = board_url(sprint_id) + "#panel"
    seated = prefixed("The panel is unchanged:", lambda: panel_services.seat_panel_member(
        current_user, sprint, seat, parse_id((form.user_id.data or "").strip()),
        reason=form.reason.data or ""))
    done = carry_out(form, seated, done=back, refused=back,
        success=lambda member: f"{member.user.display_name} sits on the panel as "
                               f"{domain.PANEL_ROLE_LABELS[PanelRole(seat)]}.")
    return done or redirect(back)


@login_required
def record_panel_decision(sprint_id: int, candidate_id: int) -> Any:
    candidate = panel_candidate(sprint_id, candidate_id)
    conflict = panel_services.panel_conflict(current_user, candidate)
    if conflict:
        # Refused in words on the panel page: the member may not open this candidate's pack.
        flash(f"Your decision is not recorded. {conflict}", "error")
        return redirect(board_url(sprint_id))
    back = candidate_url(candidate) + "#panel"
    if not can(current_user, "can_record_panel_decision", candidate):
        could = panel_seat_of(current_user, candidate.sprint) is not None
        return refuse_stale(could, "Panel decisions are recorded while the candidate is at "
                            "the calibration panel stage.", back)
    form = PanelDecisionForm()
    done = carry_out(form, lambda: panel_services.record_panel_decision(
        current_user, candidate, verdict=form.verdict.data or "",
        reasons=form.reasons.data or ""), done=back,
        success="Your decision is recorded. You can replace it until the candidate moves on.")
    if done is not None:
        return done
    return candidate_page(candidate_for(sprint_id, candidate_id), 400, decision_form=form)
