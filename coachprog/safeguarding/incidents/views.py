"""Pages for privacy incidents and adverse effects: record one (coaches and staff), the L&D
list, one record with its closure."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coachprog.authority import can
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.safeguarding.incidents import domain, services
from coachprog.safeguarding.incidents.forms import IncidentCloseForm, IncidentRecordForm
from coachprog.web import Pagination, apply_domain_error, authorize, no_store, page_arg

bp = no_store(Blueprint("incidents", __name__, url_prefix="/safeguarding/incidents"))


@bp.route("/")
@login_required
def list_incidents() -> Any:
    page = services.list_incidents(current_user, page=page_arg(),
                                   kind=request.args.get("kind", ""))
    return render_template("safeguarding/incident_list.html", page=page,
                           pagination=Pagination(page.page, services.PER_PAGE, page.total),
                           kinds=domain.KIND_LABELS)


@bp.route("/record", methods=["GET", "POST"])
@login_required
def record_incident() -> Any:
    authorize("can_record_incident")
    form = IncidentRecordForm()
    if form.validate_on_submit():
        try:
            row = services.record_incident(current_user, domain.IncidentInput(
                kind=form.kind.data or "", severity=form.severity.data or "",
                title=form.title.data or "", description=form.description.data or "",
                occurred_on=form.occurred_on.data, follow_up=form.follow_up.data or "",
                follow_up_due=form.follow_up_due.data))
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Recorded. L&D follows it up.", "success")
            if can(current_user, "can_manage_incidents"):
                return redirect(url_for(".view_incident", incident_id=row.id))
            return redirect(url_for("home.index"))
    elif form.errors:
        flash("Nothing was recorded: see the notes next to the fields.", "error")
    status = 400 if request.method == "POST" else 200
    return render_template("safeguarding/incident_record.html", form=form), status


@bp.route("/<int:incident_id>", methods=["GET", "POST"])
@login_required
def view_incident(incident_id: int) -> Any:
    row = services.get_incident(current_user, incident_id)
    form = IncidentCloseForm()
    if form.validate_on_submit():
        try:
            services.close_incident(current_user, incident_id, note=form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
            flash(error.message, "error")
            row = services.get_incident(current_user, incident_id)
        else:
            db.session.commit()
            flash("Closed.", "success")
            return redirect(url_for(".view_incident", incident_id=incident_id))
    status = 400 if request.method == "POST" else 200
    return render_template("safeguarding/incident_view.html", row=row, form=form,
                           kinds=domain.KIND_LABELS, severities=domain.SEVERITY_LABELS), status
