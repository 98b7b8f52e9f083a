"""The audit log page: filter and read; there is deliberately no way to edit or delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from coachprog.governance import services
from coachprog.web import Pagination, authorize, page_arg

bp = Blueprint("governance", __name__, url_prefix="/admin")


def _date_arg(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC) if raw else None
    except ValueError:
        return None


@bp.route("/audit")
@login_required
def list_audit_entries() -> Any:
    authorize("can_view_audit_log")
    until = _date_arg("until")
    filters = services.AuditFilter(
        action=request.args.get("action", "").strip()[:64],
        actor=request.args.get("actor", "").strip()[:254],
        object_type=request.args.get("object_type", "").strip()[:64],
        object_id=request.args.get("object_id", "").strip()[:64],
        since=_date_arg("since"),
        until=until + timedelta(days=1) if until else None,  # "until" includes that day
    )
    page = page_arg()
    per_page = current_app.config["COACHPROG_PAGE_SIZE"]
    entries, total = services.list_audit_entries(current_user, filters, page=page,
                                                 per_page=per_page)
    bad_dates = [name for name in ("since", "until")
                 if request.args.get(name) and _date_arg(name) is None]
    return render_template("governance/audit_list.html", entries=entries, filters=filters,
                           actions=services.list_audit_actions(), bad_dates=bad_dates,
                           pagination=Pagination(page, per_page, total))
