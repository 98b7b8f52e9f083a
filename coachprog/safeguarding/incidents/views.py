"""Pages for privacy incidents and adverse effects: record one (coaches and staff), the L&D
list, one record with its closure."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user, login_required

from coachprog.authority import can
from coachprog.safeguarding.incidents import domain, services
from coachprog.safeguarding.incidents.forms import IncidentCloseForm, IncidentRecordForm
from coachprog.safeguarding.pages import render_register
from coachprog.web import authorize, carry_out, no_store, page_arg, rerender_status

bp = no_store(Blueprint("incidents", __name__, url_prefix="/safeguarding/incidents"))


@bp.route("/")
@login_required
def list_incidents() -> Any:
    listing = services.list_incidents(current_user, page=page_arg(),
                                      kind=request.args.get("kind", ""))
    return render_register("safeguarding/incident_list.html", listing, services.PER_PAGE,
                           kinds=domain.KIND_LABELS)


@bp.route("/record", methods=["GET", "POST"])
@login_required
def record_incident() -> Any:
    authorize("can_record_incident")
    form = IncidentRecordForm()
    if form.is_submitted() and not form.validate():
        flash("Nothing was recorded: see the notes next to the fields.", "error")
    elif response := carry_out(form, lambda: services.record_incident(
            current_user, domain.IncidentInput(
                kind=form.kind.data or "", severity=form.severity.data or "",
                title=form.title.data or "", description=form.description.data or "",
                occurred_on=form.occurred_on.data, follow_up=form.follow_up.data or "",
                follow_up_due=form.follow_up_due.data)),
            done=_after_recording, success="Recorded. L&D follows it up."):
        return response
    return render_template("safeguarding/incident_record.html", form=form), rerender_status()


def _after_recording(row: Any) -> str:
    # Whoever manages incidents goes on to the record; a coach, whose page it is not, goes home.
    if can(current_user, "can_manage_incidents"):
        return url_for(".view_incident", incident_id=row.id)
    return url_for("home.index")


@bp.route("/<int:incident_id>", methods=["GET", "POST"])
@login_required
def view_incident(incident_id: int) -> Any:
    row = services.get_incident(current_user, incident_id)
    form = IncidentCloseForm()
    # A refusal rolls back: the row reads its stored values again when the page shows it.
    return carry_out(form, lambda: services.close_incident(current_user, incident_id,
                                                           note=form.note.data or ""),
                     done=url_for(".view_incident", incident_id=incident_id), success="Closed.",
                     ) or (render_template("safeguarding/incident_view.html", row=row, form=form,
                                           kinds=domain.KIND_LABELS,
                                           severities=domain.SEVERITY_LABELS),
                           rerender_status())
