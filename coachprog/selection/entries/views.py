"""Entering a sprint: the application and nomination forms, a manager's nominations and the
invitation a nominee answers. Routes: `selection/blueprint.py`.
"""

from __future__ import annotations

from typing import Any

from flask import (
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.selection import domain
from coachprog.selection.candidates.views import mine_url
from coachprog.selection.entries import domain as entry_domain
from coachprog.selection.entries import services as entry_services
from coachprog.selection.entries.forms import (
    ApplicationForm,
    InvitationResponseForm,
    NominationForm,
)
from coachprog.selection.invitations.services import sends_email
from coachprog.selection.models import Candidate, Sprint
from coachprog.selection.sprints import services as sprint_services
from coachprog.selection.sprints.views import timeline_rows
from coachprog.web import carry_out, rerender_status


def _own_entry(sprint: Sprint) -> Candidate | None:
    return next((c for c in entry_services.list_my_candidacies(current_user)
                 if c.sprint_id == sprint.id), None)


@login_required
def apply(sprint_id: int) -> Any:
    sprint = sprint_services.get_sprint(current_user, sprint_id, "can_enter_sprints")
    existing = _own_entry(sprint)
    if existing is not None:
        flash("You already have an entry in this sprint; this is where it stands.", "info")
        return redirect(mine_url(existing))
    form = ApplicationForm()
    done = carry_out(form, lambda: entry_services.apply(current_user, sprint,
                                                        text=form.text.data or ""),
                     done=mine_url,
                     success="Your application is in: you are a candidate in this sprint.")
    if done is not None:
        return done
    posted = request.method == "POST"
    return render_template(
        "selection/application_form.html", sprint=sprint, form=form,
        entries_open=sprint_services.entries_open(sprint), today=sprint_services.today(),
        window=sprint_services.window_of(sprint, domain.SprintStage.NOMINATION_APPLICATION),
        words=entry_domain.word_count(form.text.data or "") if posted else None,
    ), rerender_status()


@login_required
def nominate(sprint_id: int) -> Any:
    sprint = sprint_services.get_sprint(current_user, sprint_id, "can_enter_sprints")
    people, already = entry_services.nominee_choices(current_user, sprint)
    form = NominationForm()
    form.nominee_employee_id.choices = [SelectChoice("", "— choose —")] + [
        SelectChoice(p.employee_id,
                     f"{p.name} — {p.title or 'no title'}, {p.department or 'no department'}")
        for p in people]
    done = carry_out(form, lambda: entry_services.nominate(
        current_user, sprint, nominee_employee_id=form.nominee_employee_id.data or "",
        why=form.why.data or ""), done=url_for("selection.my_nominations"), success=_nominated)
    if done is not None:
        return done
    return render_template(
        "selection/nomination_form.html", sprint=sprint, form=form, people=people,
        already=already, entries_open=sprint_services.entries_open(sprint),
        today=sprint_services.today(),
        window=sprint_services.window_of(sprint, domain.SprintStage.NOMINATION_APPLICATION),
    ), rerender_status()


def _nominated(entry: entry_services.Entry) -> str:
    # The invitation link goes to the nominee alone: it is their credential.
    name = entry.candidate.person.name
    if sends_email():
        return (f"{name} is nominated and invited by e-mail to accept or decline. This page "
                "shows when they answer.")
    return (f"{name} is nominated. This site sends no e-mail, so L&D gives them their "
            "invitation link to accept or decline. This page shows when they answer.")


@login_required
def my_nominations() -> Any:
    nominations = entry_services.list_my_nominations(current_user)
    return render_template("selection/nomination_list.html", rows=[
        (c, entry_services.nomination_status(c)) for c in nominations])


def invitation(token: str) -> Any:
    # No sign-in: the link's token is the credential (nominees may have no account yet).
    candidate = entry_services.invitation_by_token(token)
    form = InvitationResponseForm()
    status = 200
    if form.validate_on_submit():
        if not (form.accept.data or form.decline.data):
            flash("Choose Accept or Decline.", "error")
            status = 400
        else:
            accepted = bool(form.accept.data)
            try:
                answered = entry_services.respond_to_invitation(token, accept=accepted,
                                                          reason=form.reason.data or "")
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
                status = 400
            else:
                sprint_name = answered.sprint.name
                db.session.commit()
                return _private(render_template("selection/invitation_answered.html",
                                                accepted=accepted, sprint_name=sprint_name))
    elif request.method == "POST":
        status = 400
    sprint = candidate.sprint
    return _private(render_template(
        "selection/invitation_view.html", candidate=candidate, sprint=sprint, form=form,
        token=token, timeline=timeline_rows(sprint, sprint_services.today()),
        window=sprint_services.window_of(sprint, domain.SprintStage.NOMINATION_APPLICATION),
    ), status)


def _private(body: str, status: int = 200) -> Any:
    """A page reached through a secret link: never indexed, never cached."""
    response = make_response(body, status)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response
