"""Pure rules shared by the audit areas: quarters, coverage breach, overdue actions."""

from __future__ import annotations

from datetime import date

import pytest

from coachprog.audits import domain


def test_quarters() -> None:
    assert domain.parse_quarter(" 2026q4 ") == (2026, 4)
    with pytest.raises(ValueError, match="2026Q4"):
        domain.parse_quarter("2026-10")
    assert domain.quarter_bounds("2026Q4") == (date(2026, 10, 1), date(2027, 1, 1))
    assert domain.quarter_of(date(2026, 3, 31)) == "2026Q1"
    assert domain.previous_quarters("2026Q1", 2) == ["2025Q4", "2025Q3"]


def test_breach_and_overdue() -> None:
    assert domain.coverage_breach(audited=1, population=10, quarter_over=True)
    assert not domain.coverage_breach(audited=2, population=10, quarter_over=True)
    assert not domain.coverage_breach(audited=0, population=10, quarter_over=False)
    assert domain.action_overdue("open", date(2026, 1, 1), date(2026, 1, 2))
    assert not domain.action_overdue("done", date(2026, 1, 1), date(2026, 1, 2))
