"""Bias-audit rules without the app: grouped counts become the selection monitor's tallies,
significant gaps are below four fifths with p < 0.05, tenure bands, and withheld groups show no
volumes or severities."""

from __future__ import annotations

from datetime import date

import pytest

from coachprog.bias_audit import domain
from coachprog.selection.impact.domain import GroupKind


def test_groups_read_as_plural_phrases_and_blanks_are_not_recorded() -> None:
    assert domain.group_for("gender", "woman") == ("Women", GroupKind.REPORTED)
    assert domain.group_for("gender", None)[1] is GroupKind.NOT_REPORTED
    assert domain.group_for("department", "Finance") == ("People in Finance",
                                                         GroupKind.REPORTED)
    assert domain.group_for("location", " ") == ("People whose location is not recorded",
                                                 GroupKind.NOT_REPORTED)
    assert domain.group_for("tenure", "t3")[0] == "People with 3–5 years' tenure"
    assert domain.group_for("tenure", "")[1] is GroupKind.NOT_REPORTED


def test_tenure_thresholds_count_back_from_the_quarters_last_day() -> None:
    thresholds = dict(domain.tenure_thresholds(date(2028, 2, 29)))
    assert thresholds["t0"] == date(2028, 2, 29)
    assert thresholds["t1"] == date(2027, 2, 28)  # no 29 February in 2027
    assert thresholds["t10"] == date(2018, 2, 28)
    assert domain.check_quarter("2026q4") == "2026Q4"
    with pytest.raises(ValueError, match="write it like 2026Q4"):
        domain.check_quarter("Q4")


def _count(gender: str, department: str, passed: bool, n: int) -> domain.Count:
    return domain.Count({"gender": gender, "department": department}, passed, n)


def test_counts_become_one_tally_per_dimension() -> None:
    tallies = domain.tallies("Offered coaching", [
        _count("woman", "Sales", True, 3), _count("woman", "Ops", False, 7),
        _count("man", "Sales", True, 6), _count("man", "Sales", False, 4)])
    by_attribute = {t.attribute: {g.label: (g.entered, g.passed) for g in t.groups}
                    for t in tallies}
    assert by_attribute["Gender"] == {"Women": (10, 3), "Men": (10, 6)}
    assert by_attribute["Department"] == {"People in Sales": (13, 9), "People in Ops": (7, 0)}
    assert by_attribute["Location"] == {"People whose location is not recorded": (20, 9)}


def test_selection_counts_follow_the_monitors_decided_rule() -> None:
    counts = [domain.StageCount({"gender": "woman"}, "nominated", "nominated", 4),
              domain.StageCount({"gender": "woman"}, "withdrawn", "nominated", 2),
              domain.StageCount({"gender": "woman"}, "interview", "interview", 5),
              domain.StageCount({"gender": "woman"}, "rejected", "applied", 1)]
    tallies = {(t.transition, t.attribute): t for t in domain.selection_tallies(counts)}
    nomination = tallies[("Nomination → application", "Gender")].groups[0]
    assert (nomination.entered, nomination.passed) == (8, 6)  # 4 still invited: pending
    application = tallies[("Application → interview", "Gender")].groups[0]
    assert (application.entered, application.passed) == (6, 5)


def test_a_significant_gap_is_below_four_fifths_with_p_under_005() -> None:
    part = domain.section("coaching", "Coaching", "", domain.tallies("Offered coaching", [
        _count("woman", "Sales", True, 4), _count("woman", "Sales", False, 26),
        _count("man", "Sales", True, 20), _count("man", "Sales", False, 10)]))
    gaps = domain.significant_gaps([part])
    assert [(g.attribute, g.group) for g in gaps] == [("Gender", "Women")]
    assert gaps[0].impact_ratio == pytest.approx((4 / 30) / (20 / 30))
    assert gaps[0].p_value < 0.05
    # Below four fifths but small: shown, not a significant gap.
    small = domain.section("coaching", "Coaching", "", domain.tallies("Offered coaching", [
        _count("woman", "Sales", True, 2), _count("woman", "Sales", False, 4),
        _count("man", "Sales", True, 4), _count("man", "Sales", False, 2)]))
    assert domain.significant_gaps([small]) == []
    assert any(row.below_four_fifths for t in small.report.tables for row in t.rows)


def test_withheld_groups_show_no_volumes_or_severity() -> None:
    part = domain.section("coaching", "Coaching", "", domain.tallies("Received coaching", [
        _count("woman", "Sales", True, 8), _count("man", "Sales", True, 6),
        _count("non_binary", "Sales", True, 2)]))
    shown = domain.shown_groups(part)
    assert shown["Gender"] == {"Women"}  # non-binary under 5, men withheld with them
    volumes = domain.volumes([
        domain.VolumeCount({"gender": "woman", "department": "Sales"}, 8, 20, 1200),
        domain.VolumeCount({"gender": "man", "department": "Sales"}, 6, 9, 540),
        domain.VolumeCount({"gender": "non_binary", "department": "Sales"}, 2, 3, 180)], shown)
    rows = {r.label: r for r in volumes["Gender"]}
    assert (rows["Women"].people, rows["Women"].sessions, rows["Women"].hours) == (8, 20, 20.0)
    assert rows["Men"].people is None and rows["Non-binary people"].hours is None
    severity = domain.severities([
        domain.SeverityCount({"gender": "woman"}, 8, -0.4),
        domain.SeverityCount({"gender": "man"}, 6, 0.3)], shown)
    by_label = {r.label: r for r in severity["Gender"]}
    assert by_label["Women"].mean_deviation == pytest.approx(-0.05)
    assert by_label["Men"].submissions is None
