"""The e-mail outbox pages: every message the program sent or logged, for admins to check what
went out (and, in development, to read the e-mails that were only logged)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from coachprog.notifications import services
from coachprog.notifications.domain import OutboxStatus
from coachprog.notifications.forms import OutboxResendForm
from coachprog.web import authorize, carry_out, choice_arg, paged

bp = Blueprint("notifications", __name__, url_prefix="/admin/outbox")

STATUSES = tuple(status.value for status in OutboxStatus)


@bp.route("")
@login_required
def list_outbox() -> Any:
    authorize("can_view_outbox")
    kinds = services.list_outbox_kinds(current_user)
    kind, status = choice_arg("kind", kinds), choice_arg("status", STATUSES)
    messages, pagination = paged(lambda page, per_page: services.list_outbox(
        current_user, kind=kind, status=status, page=page, per_page=per_page))
    return render_template("notifications/outbox_list.html", messages=messages, kinds=kinds,
                           statuses=STATUSES, kind=kind, status=status,
                           delivery=services.describe_delivery(current_user),
                           pagination=pagination)


@bp.route("/<int:message_id>")
@login_required
def view_outbox_message(message_id: int) -> Any:
    message = services.get_outbox_message(current_user, message_id)
    return render_template("notifications/outbox_view.html", message=message,
                           delivery=services.describe_delivery(current_user),
                           resend_form=OutboxResendForm())


@bp.route("/<int:message_id>/resend", methods=["POST"])
@login_required
def resend_outbox_message(message_id: int) -> Any:
    authorize("can_resend_outbox_message")
    back = url_for("notifications.view_outbox_message", message_id=message_id)
    return carry_out(OutboxResendForm(), lambda: services.resend_outbox_message(
        current_user, message_id), done=back, refused=back, success=lambda message: (
        f"E-mail #{message.id} is queued again; its status below shows how it went.")
    ) or redirect(back)
