"""The indicator import page: /program/import (tier 2–3 rows from CSV)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coachprog.extensions import db
from coachprog.program.metrics import services
from coachprog.program.metrics.forms import MetricsImportForm
from coachprog.web import authorize

bp = Blueprint("program_metrics", __name__, url_prefix="/program")
MAX_FILE_BYTES = 20 * 1024 * 1024


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_metrics() -> Any:
    authorize("can_import_program_metrics")
    form = MetricsImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            form.file.errors = [*form.file.errors, "The file is larger than 20 MB."]
        else:
            try:
                summary = services.import_observations(
                    current_user, data, source=f"web:{upload.filename or 'upload'}")
            except services.ImportRejected as rejected:
                db.session.rollback()
                form.file.errors = [*form.file.errors, rejected.message]
                problems = rejected.problems + ([f"… and {rejected.more} more."]
                                                if rejected.more else [])
            else:
                db.session.commit()
                flash(f"Imported {summary.rows} rows: {summary.created} new, "
                      f"{summary.updated} changed; {summary.leaders_created} new leaders "
                      "(pseudonymised).", "success")
                return redirect(url_for("program.dashboard"))
    status = 400 if request.method == "POST" else 200
    return render_template("program/import.html", form=form, problems=problems), status

