"""The audit log page: filter and read; there is deliberately no way to edit or delete."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from coachprog.extensions import db
from coachprog.glossary import action_words, object_words
from coachprog.governance import services
from coachprog.web import authorize, csv_cell, paged

bp = Blueprint("governance", __name__, url_prefix="/admin")


def _date_arg(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC) if raw else None
    except ValueError:
        return None


# Pages an audit entry's object can be opened on (the log's reader is an admin).
_OBJECT_PAGES = {
    "person": ("people.view_person", "person_id"),
    "user": ("auth.view_user", "user_id"),
    "sprint": ("selection.view_sprint", "sprint_id"),
    "assessment": ("assessments.view_assessment", "assessment_id"),
    "engagement": ("coaching.view_engagement", "engagement_id"),
    "calibration_exercise": ("calibration.view_exercise", "exercise_id"),
    "audit": ("audits.view_audit", "audit_id"),
    "recording": ("recordings.view_recording", "recording_id"),
    "job": ("jobs.view_job", "job_id"),
}


def object_url(entry: Any) -> str | None:
    page = _OBJECT_PAGES.get(entry.object_type or "")
    if page is None or not (entry.object_id or "").isdigit() or len(entry.object_id) > 18:
        return None
    endpoint, arg = page
    values: dict[str, Any] = {arg: int(entry.object_id)}
    return url_for(endpoint, **values)


def _filters() -> services.AuditFilter:
    until = _date_arg("until")
    return services.AuditFilter(
        action=request.args.get("action", "").strip()[:64],
        actor=request.args.get("actor", "").strip()[:254],
        object_type=request.args.get("object_type", "").strip()[:64],
        object_id=request.args.get("object_id", "").strip()[:64],
        since=_date_arg("since"),
        until=until + timedelta(days=1) if until else None,  # "until" includes that day
    )


@bp.route("/audit")
@login_required
def list_audit_entries() -> Any:
    authorize("can_view_audit_log")
    filters = _filters()
    entries, pagination = paged(lambda page, per_page: services.list_audit_entries(
        current_user, filters, page=page, per_page=per_page))
    bad_dates = [name for name in ("since", "until")
                 if request.args.get(name) and _date_arg(name) is None]
    return render_template("governance/audit_list.html", entries=entries, filters=filters,
                           actions=services.list_audit_actions(), bad_dates=bad_dates,
                           pagination=pagination, object_url=object_url)


EXPORT_COLUMNS = ["when_utc", "who", "what", "action", "object", "object_type", "object_id",
                  "from", "detail"]


@bp.route("/audit.csv")
@login_required
def export_audit_entries() -> Any:
    """The filtered log as CSV, oldest first, streamed in batches: a large organisation's log
    does not fit in memory. The download itself is recorded before the first row leaves."""
    authorize("can_view_audit_log")
    filters = _filters()
    services.record_audit_export(current_user, filters)
    db.session.commit()
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        # Its own app context: the response is streamed after the request's has ended.
        with app.app_context():
            for n, entry in enumerate(services.iter_audit_entries(filters), start=1):
                detail = {k: v for k, v in (entry.detail or {}).items() if k != "via"}
                writer.writerow({key: csv_cell(value) for key, value in {
                    "when_utc": entry.occurred_at.isoformat(timespec="seconds"),
                    "who": entry.actor_label, "what": action_words(entry.action),
                    "action": entry.action,
                    "object": object_words(entry.object_type) if entry.object_type else "",
                    "object_type": entry.object_type or "", "object_id": entry.object_id or "",
                    "from": entry.ip or (entry.detail or {}).get("via", ""),
                    "detail": "; ".join(f"{k}={v}" for k, v in detail.items()),
                }.items()})
                if n % 500 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return Response(lines(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=audit-log.csv",
        "Cache-Control": "no-store"})
