"""L&D issues a nominee a new invitation link (see `invitation_links`): e-mailed when the site
sends e-mail, otherwise shown once on the answer to the POST (never cached, never flashed)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required

from coachprog.auth.forms import ConfirmForm
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.selection.candidates.services import load_candidate
from coachprog.selection.invitations import services
from coachprog.web import no_store

bp = Blueprint("selection_invitations", __name__, url_prefix="/sprints")
no_store(bp)  # the answer carries a one-use credential


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"sends_email": services.sends_email}


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/invitation-link", methods=["POST"])
@login_required
def issue_invitation_link(sprint_id: int, candidate_id: int) -> Any:
    candidate = load_candidate(current_user, candidate_id, "can_manage_sprints")
    if candidate.sprint_id != sprint_id:
        raise NotFound("candidate")
    back = url_for("selection.view_candidate", sprint_id=sprint_id, candidate_id=candidate_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(back)
    try:
        issued = services.issue_invitation_link(current_user, candidate)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    name = candidate.person.name
    db.session.commit()
    if issued.link is None:
        flash(f"A new invitation link is e-mailed to {name}; the earlier link no longer works.",
              "success")
        return redirect(back)
    # Shown once, on this answer only: it is not stored anywhere it could be read again.
    response = make_response(render_template(
        "selection/invitation_link.html", name=name, link=issued.link,
        expires_on=issued.expires_on, back=back))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
