"""Capstone brief rules without an app: the KPI block, objectives, two-page limits, file
formats and the version policy (a failing brief may be resubmitted, a passing one ends it)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.practicum.capstone import domain as rules
from coachprog.practicum.capstone.domain import BriefState, Kpi

GOOD = Kpi("Team attrition, rolling 12 months", "18 %", "12 %", "HRIS report (HR analytics)")


def test_kpi_complete_and_moving_is_accepted() -> None:
    assert rules.kpi_problems(GOOD) == {}


@pytest.mark.parametrize("field", ["name", "baseline", "target", "source"])
def test_kpi_each_part_is_required(field: str) -> None:
    kpi = Kpi(**{**GOOD.__dict__, field: "   "})
    errors = rules.kpi_problems(kpi)
    assert list(errors) == [f"kpi_{field}"]
    assert "mandatory" in errors[f"kpi_{field}"]


@pytest.mark.parametrize(("baseline", "target"), [
    ("12", "12"), ("12 %", "12.0%"), ("1,5", "1.5"), ("High", " high "), ("NPS 40", "nps  40")])
def test_kpi_target_equal_to_baseline_is_refused(baseline: str, target: str) -> None:
    errors = rules.kpi_problems(Kpi(GOOD.name, baseline, target, GOOD.source))
    assert errors == {"kpi_target": "The target equals the baseline: say what should change."}


def test_kpi_lengths_are_limited() -> None:
    errors = rules.kpi_problems(Kpi("x" * 201, "1", "2", "y" * 201))
    assert set(errors) == {"kpi_name", "kpi_source"}


@given(st.integers(-10**6, 10**6), st.integers(-10**6, 10**6), st.booleans())
def test_same_value_on_numbers_is_numeric_equality(a: int, b: int, percent: bool) -> None:
    unit = " %" if percent else ""
    assert rules.same_value(f"{a / 100}{unit}", f"{b / 100:.2f}") == (a == b)


@given(st.text(min_size=1, max_size=30))
def test_same_value_is_reflexive_and_ignores_case_and_spacing(value: str) -> None:
    assert rules.same_value(value, f"  {value.upper()} ") or value.upper().casefold() != \
        value.casefold()


def test_objectives_are_one_a_line_without_bullets() -> None:
    assert rules.objectives_list("- Asks first\n\n* Listens  to the end\n2) Delegates\n") == [
        "Asks first", "Listens to the end", "Delegates"]
    assert rules.objectives_problem("") is not None
    assert rules.objectives_problem("\n".join(f"- o{i}" for i in range(11))) is not None
    assert rules.objectives_problem("x" * 2001) is not None
    assert rules.objectives_problem("- Asks first") is None


def test_length_rules_pages_then_words() -> None:
    assert rules.length_problem(500, 3) == "The brief has 3 pages; it is at most 2."
    assert "1101 words" in (rules.length_problem(1101) or "")
    assert "at least 100" in (rules.length_problem(99) or "")
    assert rules.length_problem(500, 2) is None


def test_word_count_counts_words_not_markup() -> None:
    assert rules.word_count("# Plan\n\n- **Asks** first; doesn't tell.") == 5


def test_pdf_without_text_layer_is_held_to_pages_only() -> None:
    assert rules.file_length_problem(rules.PDF, 0, 2) is None  # a scan: no words to count
    assert rules.file_length_problem(rules.PDF, 0, 3) is not None
    assert rules.file_length_problem(rules.PDF, 2000, 2) is not None
    assert rules.file_length_problem(rules.DOCX, 50, 1) is not None  # too short
    assert rules.file_length_problem(rules.DOCX, 500, 3) is not None


def test_file_size_and_format() -> None:
    assert rules.file_size_problem(0) == "The file is empty."
    assert "larger than 5 MB" in (rules.file_size_problem(rules.MAX_FILE_BYTES + 1) or "")
    assert rules.file_size_problem(1000) is None
    assert rules.format_of("Plan.PDF") == "pdf" and rules.format_of("plan.docx") == "docx"
    assert rules.format_of("plan.txt") is None and rules.format_of("pdf") is None


@pytest.mark.parametrize(("status", "passed", "raters", "state"), [
    ("open", False, 0, BriefState.WAITING_RATER), ("open", False, 1, BriefState.SCORING),
    ("moderation", False, 2, BriefState.MODERATION), ("closed", True, 1, BriefState.PASSED),
    ("closed", False, 1, BriefState.FAILED)])
def test_brief_state_follows_its_assessment(status: str, passed: bool, raters: int,
                                            state: BriefState) -> None:
    assert rules.brief_state(status, passed=passed, raters=raters) is state


def test_first_version_and_resubmission_after_failing() -> None:
    assert rules.submission_problem([]) is None
    assert rules.submission_problem([BriefState.FAILED]) is None
    assert rules.next_version([BriefState.FAILED, BriefState.FAILED]) == 3


def test_passing_stops_further_versions_and_scoring_blocks_the_next() -> None:
    assert "passed" in (rules.submission_problem([BriefState.FAILED, BriefState.PASSED]) or "")
    for open_state in (BriefState.SCORING, BriefState.WAITING_RATER, BriefState.MODERATION):
        assert "Version 2 is still being scored" in (
            rules.submission_problem([BriefState.FAILED, open_state]) or "")


@given(st.lists(st.sampled_from(list(BriefState)), max_size=6))
def test_a_new_version_only_after_a_fail_never_after_a_pass(states: list[BriefState]) -> None:
    allowed = rules.submission_problem(states) is None
    assert allowed == (BriefState.PASSED not in states
                       and (not states or states[-1] is BriefState.FAILED))
