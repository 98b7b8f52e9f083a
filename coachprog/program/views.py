"""The program dashboard (/program/), its one-page PDF and CSV exports: L&D and sponsors,
aggregates only."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user, login_required

from coachprog.extensions import db
from coachprog.program import exports, services
from coachprog.program.charter import domain as charter_domain
from coachprog.program.roi.domain import ISOLATION_LABELS, Isolation
from coachprog.web import authorize, csv_cell

bp = Blueprint("program", __name__, url_prefix="/program")


@bp.route("/")
@login_required
def dashboard() -> Any:
    authorize("can_view_program_outcomes")
    data = services.dashboard(current_user)
    return render_template("program/dashboard.html", **data,
                           outcome_labels=charter_domain.OUTCOME_LABELS,
                           checklist_labels=charter_domain.CHECKLIST,
                           method_labels={m.value: ISOLATION_LABELS[m] for m in Isolation})


@bp.route("/report.pdf")
@login_required
def download_report() -> Any:
    authorize("can_view_program_outcomes")
    data = services.dashboard(current_user)
    pdf = exports.render_report_pdf({
        **data, "outcome_labels": charter_domain.OUTCOME_LABELS,
        "method_labels": {m.value: ISOLATION_LABELS[m] for m in Isolation}})
    services.record_download(current_user)
    db.session.commit()
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="program-report.pdf"',
        "Cache-Control": "private, no-store"})


@bp.route("/export/<name>.csv")
@login_required
def export_table(name: str) -> Any:
    authorize("can_view_program_outcomes")
    kpi = services.load_kpi()
    tables = exports.tables(services.build_report(current_user, kpi=kpi),
                            services.all_group_metrics(current_user, kpi=kpi))
    if name not in tables:
        abort(404)
    header, rows = tables[name]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[csv_cell("" if v is None else v) for v in row] for row in rows])
    services.record_download(current_user, table=name)
    db.session.commit()
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="program-{name}.csv"',
        "Cache-Control": "private, no-store"})
