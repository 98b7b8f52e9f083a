"""The bias-audit routes in the access matrix: L&D and sponsors see the audit (aggregates
only); only L&D opens and closes review items."""

from __future__ import annotations

from typing import Any

from coachprog.bias_audit.models import BiasReviewItem
from coachprog.extensions import db
from tests.access import Case, statuses


def matrix_review() -> dict[str, Any]:
    item = BiasReviewItem(quarter="2026Q4", section="selection",
                          transition="Application → interview", attribute="Gender",
                          group_label="Women", impact_ratio=0.5, p_value=0.01, status="open",
                          closure_note="")
    db.session.add(item)
    db.session.commit()
    return {"item_id": item.id}


CASES = [
    Case("bias_audit.view_audit", "GET", lambda o: "/governance/bias-audit/?quarter=2026Q4",
         statuses(403, admin=200, sponsor=200)),
    Case("bias_audit.open_reviews", "POST", lambda o: "/governance/bias-audit/reviews",
         statuses(403, admin=302)),
    Case("bias_audit.close_review", "POST",
         lambda o: f"/governance/bias-audit/reviews/{o['item_id']}/close?quarter=2026Q4",
         statuses(403, admin=400), setup=matrix_review),
]
