"""The outbox routes in the access matrix (tests/test_access.py): admins only. E-mails name
candidates and tell them decisions, so nobody else reads them, whatever their role."""

from __future__ import annotations

from typing import Any

from coachprog.extensions import db
from tests.access import ADMIN_ONLY, Case, statuses


def _failed_message() -> dict[str, Any]:
    # Imported late: the matrix module is collected before the app exists.
    from coachprog.notifications.models import OutboxMessage

    message = OutboxMessage(kind="selection.invitation", to_email="cand@example.com",
                            to_name="Cand Idate", subject="You are invited",
                            body="Apply by Friday.", status="failed",
                            error="Could not talk to the SMTP server")
    db.session.add(message)
    db.session.commit()
    return {"message_id": message.id}


CASES = [
    Case("notifications.list_outbox", "GET", lambda o: "/admin/outbox", ADMIN_ONLY),
    Case("notifications.view_outbox_message", "GET",
         lambda o: f"/admin/outbox/{o['message_id']}", ADMIN_ONLY, setup=_failed_message),
    # A failed message: an admin's resend queues it and goes back to its page.
    Case("notifications.resend_outbox_message", "POST",
         lambda o: f"/admin/outbox/{o['message_id']}/resend", statuses(403, admin=302),
         setup=_failed_message),
]
