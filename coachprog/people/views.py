"""People directory pages and the HRIS CSV import."""

from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coachprog.extensions import db
from coachprog.jobs.queue import create_job
from coachprog.people import services
from coachprog.people.domain import CSV_COLUMNS
from coachprog.people.forms import PeopleImportForm
from coachprog.people.jobs import PEOPLE_IMPORT, UPLOADS
from coachprog.storage import delete_on_rollback, store_for
from coachprog.web import authorize, paged, search_arg

bp = Blueprint("people", __name__, url_prefix="/people")

ACTIVE_FILTERS = {"active": True, "inactive": False, "all": None}


@bp.route("/")
@login_required
def list_people() -> Any:
    authorize("can_view_people")
    status = request.args.get("status", "active")
    q, department = search_arg(), request.args.get("department", "")
    people, pagination = paged(lambda page, per_page: services.list_people(
        current_user, services.PeopleQuery(q=q, department=department,
                                           active=ACTIVE_FILTERS.get(status, True),
                                           page=page, per_page=per_page)))
    return render_template(
        "people/people_list.html", people=people, q=q, department=department, status=status,
        departments=services.list_departments(current_user), pagination=pagination,
    )


@bp.route("/<int:person_id>")
@login_required
def view_person(person_id: int) -> Any:
    person = services.get_person(current_user, person_id)
    return render_template("people/person_view.html", person=person)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_people() -> Any:
    authorize("can_import_people")
    wants_json = request.accept_mimetypes.best == "application/json"
    form = PeopleImportForm()
    status = 400
    if form.validate_on_submit():
        if not _too_large(form):
            return _start_import(form, wants_json)
        status = 413
    if request.method != "POST":
        return render_template("people/people_import.html", form=form, columns=CSV_COLUMNS)
    if wants_json:
        return jsonify(errors={name: list(errors) for name, errors in form.errors.items()}), status
    return render_template("people/people_import.html", form=form, columns=CSV_COLUMNS), status


def _start_import(form: PeopleImportForm, wants_json: bool) -> Any:
    """Store the upload, queue the job (it runs once this commit lands), point at its page."""
    # In the file store, not a local path: the worker running the job may be on another host.
    uploads = store_for(UPLOADS)
    name = f"people-{secrets.token_hex(16)}.csv"
    uploads.put(name, form.file.data.stream)
    delete_on_rollback(uploads, name)
    job = create_job(PEOPLE_IMPORT, created_by_id=current_user.id,
                     payload={"upload": name, "filename": form.file.data.filename or ""})
    db.session.commit()
    page_url = url_for("jobs.view_job", job_id=job.id)
    if wants_json:
        return jsonify(job_id=job.id, page_url=page_url,
                       status_url=url_for("jobs.job_status", job_id=job.id)), 202
    return redirect(page_url)


def _too_large(form: PeopleImportForm) -> bool:
    """Refuse a file over COACHPROG_MAX_IMPORT_BYTES before it is stored or queued.

    The body is already parsed by then: CSRFProtect reads the form in the app's first
    before_request, so a per-request `max_content_length` set in this view comes too late.
    Refusing oversized bodies before they are buffered needs the limit set app-wide
    (MAX_CONTENT_LENGTH) or in a before_request registered ahead of CSRFProtect.
    """
    limit = current_app.config["COACHPROG_MAX_IMPORT_BYTES"]
    stream = form.file.data.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size <= limit:
        return False
    form.file.errors = [*form.file.errors,
                        f"The file is larger than {limit / 1024 / 1024:.1f} MB; "
                        "split the export or ask an admin to raise the limit."]
    return True
