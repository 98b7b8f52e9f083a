"""Audit coverage: the 20 % breach at quarter end."""

from __future__ import annotations

from datetime import UTC, datetime

from coachprog.audits import coverage
from coachprog.audits.sampling import services as sampling_services
from tests.audits.builders import (
    ADMIN,
    world,
)


def test_coverage_breach_at_quarter_end(clock) -> None:
    world()
    sampling_services.draw(ADMIN, "2026Q4", seed=4)
    assert not coverage.coverage(ADMIN, "2026Q4").breach  # quarter still running
    clock[0] = datetime(2027, 1, 3, tzinfo=UTC)
    cov = coverage.coverage(ADMIN, "2026Q4")
    assert cov.breach and cov.overdue == cov.sampled and cov.audited == 0
    aggregates = coverage.coverage(ADMIN, "2026Q4", aggregates_only=True)
    assert all(g.suppressed for g in aggregates.groups if g.sampled < 5)
