"""The indicator import page: /program/import (tier 2–3 rows from CSV)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for
from flask_login import current_user, login_required

from coachprog.errors import DomainError
from coachprog.program.metrics import services
from coachprog.program.metrics.forms import MetricsImportForm
from coachprog.web import authorize, carry_out, rerender_status

bp = Blueprint("program_metrics", __name__, url_prefix="/program")
MAX_FILE_BYTES = 20 * 1024 * 1024


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_metrics() -> Any:
    authorize("can_import_program_metrics")
    form = MetricsImportForm()
    problems: list[str] = []

    def run() -> services.ImportSummary:
        upload = form.file.data
        data = upload.stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise DomainError("The file is larger than 20 MB.",
                              field_errors={"file": ["The file is larger than 20 MB."]})
        try:
            return services.import_observations(
                current_user, data, source=f"web:{upload.filename or 'upload'}")
        except services.ImportRejected as rejected:
            # The file's field says how many; the page lists each problem below it.
            problems.extend(rejected.problems + ([f"… and {rejected.more} more."]
                                                 if rejected.more else []))
            raise DomainError(rejected.message,
                              field_errors={"file": [rejected.message]}) from None

    return carry_out(form, run, done=url_for("program.dashboard"), success=lambda summary: (
        f"Imported {summary.rows} rows: {summary.created} new, {summary.updated} changed; "
        f"{summary.leaders_created} new leaders (pseudonymised).")
    ) or (render_template("program/import.html", form=form, problems=problems),
          rerender_status())
