"""The safeguarding figures the program scorecard shows, as plain functions of a period
(counts only; no actor, no content). The scorecard registers them by name."""

from __future__ import annotations

from coachprog.safeguarding.escalations.services import count_escalations
from coachprog.safeguarding.incidents.services import (
    count_adverse_effects,
    count_privacy_incidents,
)

__all__ = ["count_adverse_effects", "count_escalations", "count_privacy_incidents"]
