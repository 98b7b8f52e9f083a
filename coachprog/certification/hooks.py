"""The certification home panel, registered when create_app imports this module."""

from __future__ import annotations

from typing import Any

from flask import url_for

from coachprog.authority import can
from coachprog.certification import dashboard, domain, services
from coachprog.certification.levels.services import levels_policy
from coachprog.panels import Item, Panel, register_panel_source


def _panel(user: Any) -> Panel | None:
    items: list[Item] = []
    if can(user, "can_view_certification_dashboard"):
        # Counting queries (issue 20): the lists themselves are pages of the dashboard.
        late, soon = dashboard.due_counts(user)
        pending = dashboard.pending_count(user)
        link = url_for("certification.dashboard")
        if late:
            items.append(Item("Certifications overdue or lapsed", link, count=late,
                              level="warn"))
        if soon:
            items.append(Item("Recertifications due soon", link, count=soon))
        if can(user, "can_view_flagged_engagements"):
            flagged = dashboard.flagged_count(user)
            if flagged:
                items.append(Item("Engagements whose coach lapsed or was revoked", link,
                                  count=flagged, level="warn"))
        if pending:
            items.append(Item("Certification decisions waiting for approval", link,
                              count=pending))
    elif can(user, "can_view_own_certification"):
        day = services.today()
        reminder_days = levels_policy().recertification.reminder_days
        for cert in services.certifications_of(user.person_id):
            if cert.status not in ("active", "lapsed"):
                continue
            state = domain.clock_state(cert.valid_until, day, reminder_days)
            left = domain.days_left(cert.valid_until, day)
            if cert.status == "lapsed" or state is domain.ClockState.OVERDUE:
                items.append(Item("Your certification has lapsed: recertify to return to the "
                                  "active roster",
                                  url_for("certification.recertification", cert_id=cert.id),
                                  level="warn"))
            elif state is domain.ClockState.DUE_SOON:
                items.append(Item(f"Your recertification is due on "
                                  f"{cert.valid_until.isoformat()} ({left} days)",
                                  url_for("certification.recertification", cert_id=cert.id)))
    if not items:
        return None
    return Panel(title="Certification", items=items)


register_panel_source(_panel)
