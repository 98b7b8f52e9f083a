"""Registrations with other domains: coaching match blocker, home panels. Imported by
create_app.

No recordings auditor source is registered (`recordings.permissions.register_auditor_source`):
that hook is per coach, so it would open every session of the coach on the recordings pages,
which show the coach's name. Auditors open the one chosen session on the audit page instead
(`audits.permissions.can_open_audit_recording`)."""

from __future__ import annotations

from typing import Any

from coachprog.audits import services
from coachprog.audits.coverage import coverage
from coachprog.audits.sampling.services import current_quarter
from coachprog.authority import can
from coachprog.coaching.engagements.services import register_match_blocker
from coachprog.panels import Item, Panel, register_panel_source


def _panel(user: Any) -> Panel | None:
    items: list[Item] = []
    if can(user, "can_view_audits") and getattr(user, "is_authenticated", False):
        due = [a for a in services.my_audits(user) if a.outcome is None]
        if due:
            items.append(Item(f"Audits assigned to you ({due[0].quarter})", "/audits/mine",
                              count=len(due)))
    if can(user, "can_manage_audits"):
        quarter = current_quarter()
        cov = coverage(user, quarter)
        if not cov.has_sample:
            items.append(Item(f"No audit sample drawn for {quarter} yet", "/audits/",
                              level="warn"))
        else:
            items.append(Item(f"{quarter}: {cov.audited} of {cov.sampled} sampled coaches "
                              "audited", f"/audits/coverage?quarter={quarter}",
                              level="warn" if cov.breach else "info"))
    if not items:
        return None
    return Panel(title="Quality audits", items=items)


register_match_blocker(services.match_blocker)
register_panel_source(_panel)
