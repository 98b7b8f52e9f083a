"""A candidate's moves as pure rules: the stage machine (every pair), the guards and their
evidence, panel decisions, the candidate's notice, and random walks (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.assessments.domain import AssessmentStatus
from coachprog.selection import domain
from coachprog.selection.candidates import domain as candidate_domain
from coachprog.selection.candidates.domain import (
    Refusal,
    StageEvidence,
    Transition,
    advance,
    reject,
    withdraw,
)
from coachprog.selection.domain import (
    FINAL_STAGES,
    AssessmentEvidence,
    CandidateStage,
    CoachedHours,
)
from coachprog.selection.panel.domain import (
    PanelDecision,
    PanelOutcome,
    PanelRole,
    PanelVerdict,
    panel_outcome,
)

S = CandidateStage
STAGES = list(CandidateStage)

# The allowed moves, written out by hand (not derived from the module under test).
ALLOWED: set[tuple[S, S]] = {
    (S.NOMINATED, S.APPLIED),
    (S.APPLIED, S.INTERVIEW),
    (S.INTERVIEW, S.SIMULATIONS),
    (S.SIMULATIONS, S.SUPERVISED_PRACTICE),
    (S.SUPERVISED_PRACTICE, S.PANEL),
    (S.PANEL, S.APPOINTED),
} | {(source, exit_) for source in (S.NOMINATED, S.APPLIED, S.INTERVIEW, S.SIMULATIONS,
                                     S.SUPERVISED_PRACTICE, S.PANEL)
     for exit_ in (S.REJECTED, S.WITHDRAWN)}


def assessment(rubric_id: str, *, passed: bool = True, status: AssessmentStatus =
               AssessmentStatus.CLOSED, calibrated: bool = True,
               unmet: tuple[str, ...] = (), failed: tuple[str, ...] = ()) -> AssessmentEvidence:
    return AssessmentEvidence(rubric_id, status,
                              passed if status is AssessmentStatus.CLOSED else None,
                              calibrated, failed, unmet)


def panel(*verdicts: PanelVerdict) -> tuple[PanelDecision, ...]:
    roles = list(PanelRole)
    return tuple(PanelDecision(roles[i], 100 + i, f"Member {i}", verdict, "Solid evidence.")
                 for i, verdict in enumerate(verdicts))


APPOINT = PanelVerdict.APPOINT
AGAINST = PanelVerdict.DO_NOT_APPOINT

# Evidence that satisfies every guard.
FULL = StageEvidence(
    invitation_accepted=True,
    interview=assessment("interview"),
    simulations=(assessment("simulation-performance"), assessment("simulation-transition")),
    coached_hours=(CoachedHours(5, verified_by=9), CoachedHours(3, verified_by=9)),
    reviewed_sessions=1,
    panel=panel(APPOINT, APPOINT, APPOINT),
)


@pytest.mark.parametrize("target", STAGES)
@pytest.mark.parametrize("source", STAGES)
def test_transitions_allow_exactly_the_program_moves(source: S, target: S) -> None:
    assert (target in domain.allowed_targets(source)) == ((source, target) in ALLOWED)


@pytest.mark.parametrize("target", STAGES)
@pytest.mark.parametrize("source", STAGES)
def test_advance_with_full_evidence_moves_only_one_stage_forward(source: S, target: S) -> None:
    outcome = advance(source, target, FULL)
    forward = (source, target) in ALLOWED and target not in (S.REJECTED, S.WITHDRAWN)
    if forward:
        assert outcome == Transition(source, target)
    else:
        assert isinstance(outcome, Refusal)
        assert not outcome.ok and outcome.reasons


@pytest.mark.parametrize("target", [S.REJECTED, S.WITHDRAWN])
@pytest.mark.parametrize("source", STAGES)
def test_reject_and_withdraw_from_every_stage(source: S, target: S) -> None:
    move = reject if target is S.REJECTED else withdraw
    outcome = move(source, "Left the company.")
    if source in FINAL_STAGES:
        assert isinstance(outcome, Refusal)
        assert "final" in outcome.message
    else:
        assert outcome == Transition(source, target, "Left the company.")
        assert outcome.ok


@pytest.mark.parametrize("move", [reject, withdraw])
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_reject_and_withdraw_require_a_reason(move: object, reason: str) -> None:
    assert callable(move)
    outcome = move(S.INTERVIEW, reason)
    assert isinstance(outcome, Refusal)
    assert "Give a reason" in outcome.message


def test_reason_is_stripped_and_capped() -> None:
    assert reject(S.PANEL, "  Split panel.  ") == Transition(S.PANEL, S.REJECTED, "Split panel.")
    assert isinstance(reject(S.PANEL, "x" * 2001), Refusal)


@pytest.mark.parametrize("target", [S.REJECTED, S.WITHDRAWN])
def test_advance_refuses_exits_that_need_a_reason(target: S) -> None:
    outcome = advance(S.INTERVIEW, target, FULL)
    assert isinstance(outcome, Refusal)
    assert "reason" in outcome.message


@pytest.mark.parametrize("final", sorted(FINAL_STAGES))
def test_final_stages_are_final(final: S) -> None:
    assert domain.is_final(final)
    assert domain.allowed_targets(final) == frozenset()
    for target in STAGES:
        assert not advance(final, target, FULL).ok


def test_skipping_a_stage_names_the_next_one() -> None:
    outcome = advance("interview", "panel", FULL)
    assert isinstance(outcome, Refusal)
    assert outcome.message == ("A candidate at interview cannot move to calibration panel: "
                               "the next stage is simulations.")


def test_unknown_stage_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="'archived'"):
        advance("archived", "interview", FULL)


def test_a_nominee_is_not_a_candidate_until_accepting() -> None:
    assert not domain.is_candidate("nominated")
    assert domain.is_candidate("applied")
    refused = advance(S.NOMINATED, S.APPLIED, StageEvidence())
    assert isinstance(refused, Refusal)
    assert "accepted the invitation" in refused.message
    assert advance(S.NOMINATED, S.APPLIED, StageEvidence(invitation_accepted=True)).ok


def test_entering_the_interview_needs_no_evidence() -> None:
    assert advance(S.APPLIED, S.INTERVIEW, StageEvidence()).ok


def _refused(source: S, evidence: StageEvidence) -> str:
    target = domain.PIPELINE[domain.PIPELINE.index(source) + 1]
    outcome = advance(source, target, evidence)
    assert isinstance(outcome, Refusal), outcome
    return outcome.message


def test_interview_guard_needs_an_assessment() -> None:
    assert "No interview assessment" in _refused(S.INTERVIEW, replace(FULL, interview=None))


@pytest.mark.parametrize(("evidence", "expected"), [
    (assessment("interview", status=AssessmentStatus.OPEN), "not closed yet (it is open)"),
    (assessment("interview", status=AssessmentStatus.MODERATION), "it is moderation"),
    (assessment("interview", calibrated=False), "calibrated"),
    (assessment("simulation-performance"), "must use the interview rubric"),
    (assessment("interview", passed=False, failed=("Overall 60% is below the threshold 70%",)),
     "did not pass (Overall 60% is below the threshold 70%)"),
])
def test_interview_guard_refuses(evidence: AssessmentEvidence, expected: str) -> None:
    assert expected in _refused(S.INTERVIEW, replace(FULL, interview=evidence))


def test_a_failed_interview_is_rejected_by_a_person() -> None:
    message = _refused(S.INTERVIEW, replace(FULL, interview=assessment("interview",
                                                                       passed=False)))
    assert "a person rejects the candidate with a reason" in message


@pytest.mark.parametrize("missing", ["simulation-performance", "simulation-transition"])
def test_simulations_guard_needs_both_assessments(missing: str) -> None:
    present = tuple(a for a in FULL.simulations if a.rubric_id != missing)
    message = _refused(S.SIMULATIONS, replace(FULL, simulations=present))
    assert f"rubric {missing}" in message


def test_simulations_guard_refuses_a_failed_non_negotiable() -> None:
    telling = "Coach does not advise in place of the coachee's own thinking."
    failed = assessment("simulation-performance", passed=False, unmet=(telling,))
    message = _refused(S.SIMULATIONS, replace(FULL, simulations=(
        failed, assessment("simulation-transition"))))
    assert f"Non-negotiable not met in the performance scenario simulation: {telling}" in message
    assert "did not pass" in message


def test_an_unmet_non_negotiable_refuses_even_beside_a_stored_pass() -> None:
    odd = assessment("simulation-transition", passed=True, unmet=("Reverted to telling",))
    message = _refused(S.SIMULATIONS, replace(FULL, simulations=(
        assessment("simulation-performance"), odd)))
    assert "Reverted to telling" in message


def test_simulations_guard_refuses_uncalibrated_raters_and_duplicates() -> None:
    sims = (assessment("simulation-performance", calibrated=False),
            assessment("simulation-transition"), assessment("simulation-transition"))
    message = _refused(S.SIMULATIONS, replace(FULL, simulations=sims))
    assert "calibrated for the simulation-performance rubric" in message
    assert "2 transition/identity scenario simulation assessments" in message


def test_simulations_guard_ignores_other_rubrics() -> None:
    sims = (*FULL.simulations, assessment("audit", passed=False))
    assert advance(S.SIMULATIONS, S.SUPERVISED_PRACTICE, replace(FULL, simulations=sims)).ok


@pytest.mark.parametrize(("hours", "ok"), [
    ((CoachedHours(7.5, 1),), False),
    ((CoachedHours(8, 1),), True),
    ((CoachedHours(4, 1), CoachedHours(4, 2)), True),
    ((CoachedHours(7.5, 1), CoachedHours(0.5, 1)), True),
    ((CoachedHours(15, 1),), True),  # above the 12-hour target is not refused
    ((CoachedHours(7, 1), CoachedHours(5)), False),  # unverified hours do not count
    ((CoachedHours(12),), False),
    ((), False),
])
def test_practice_guard_counts_verified_hours(hours: tuple[CoachedHours, ...], ok: bool) -> None:
    evidence = replace(FULL, coached_hours=hours)
    assert advance(S.SUPERVISED_PRACTICE, S.PANEL, evidence).ok is ok


def test_practice_guard_says_what_awaits_verification() -> None:
    message = _refused(S.SUPERVISED_PRACTICE, replace(
        FULL, coached_hours=(CoachedHours(7, 1), CoachedHours(5))))
    assert message == ("7 hours of coached practice verified; at least 8 hours are needed "
                       "(5 hours logged await a supervisor's verification).")


def test_practice_guard_needs_a_reviewed_session() -> None:
    message = _refused(S.SUPERVISED_PRACTICE, replace(FULL, reviewed_sessions=0))
    assert "reviewed by a supervisor" in message


@pytest.mark.parametrize("hours", [0, -1, float("nan"), float("inf")])
def test_coached_hours_must_be_positive(hours: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        CoachedHours(hours)


def test_panel_guard_needs_all_three_decisions() -> None:
    message = _refused(S.PANEL, replace(FULL, panel=panel(APPOINT, APPOINT)))
    assert message == "The Business sponsor has not recorded a decision."
    assert panel_outcome(panel(APPOINT, APPOINT)) is PanelOutcome.INCOMPLETE


def test_panel_guard_needs_reasons() -> None:
    decisions = (*panel(APPOINT, APPOINT),
                 PanelDecision(PanelRole.BUSINESS_SPONSOR, 7, "Sam", APPOINT, "  "))
    assert "(Sam) recorded a decision without reasons" in _refused(
        S.PANEL, replace(FULL, panel=decisions))


def test_panel_is_three_different_people_one_per_role() -> None:
    decisions = (*panel(APPOINT, APPOINT),
                 PanelDecision(PanelRole.BUSINESS_SPONSOR, 100, "Member 0", APPOINT, "Yes."),
                 PanelDecision(PanelRole.HR_LD, 100, "Member 0", APPOINT, "Again."))
    message = _refused(S.PANEL, replace(FULL, panel=decisions))
    assert "2 decisions are recorded for the HR/L&D member" in message
    assert "both as HR/L&D member and as Business sponsor" in message


def test_split_panel_does_not_appoint() -> None:
    split = panel(APPOINT, APPOINT, AGAINST)
    assert panel_outcome(split) is PanelOutcome.SPLIT
    assert _refused(S.PANEL, replace(FULL, panel=split)) == (
        "The panel is split: 2 of 3 appoint, and the Business sponsor did not. Appointment "
        "needs all three; a person rejects the candidate with a reason, or the panel reconvenes "
        "and records new decisions.")


def test_unanimous_no_does_not_appoint() -> None:
    against = panel(AGAINST, AGAINST, AGAINST)
    assert panel_outcome(against) is PanelOutcome.DO_NOT_APPOINT
    assert "decided not to appoint" in _refused(S.PANEL, replace(FULL, panel=against))
    assert panel_outcome(FULL.panel) is PanelOutcome.APPOINT


@pytest.mark.parametrize("outcome", [S.REJECTED, S.WITHDRAWN])
def test_candidate_notice_is_neutral(outcome: S) -> None:
    notice = candidate_domain.candidate_notice(outcome, "Spring 2025")
    assert "Spring 2025 selection sprint" in notice
    for judgement in ("fail", "score", "panel", "reject", "poor"):
        assert judgement not in notice.lower()


def test_candidate_notice_only_for_exits() -> None:
    with pytest.raises(ValueError, match="appointed"):
        candidate_domain.candidate_notice(S.APPOINTED, "Spring")


REACHABLE = {S.NOMINATED} | {t for _, t in ALLOWED}


@given(st.lists(st.tuples(st.sampled_from(STAGES), st.booleans()), max_size=30),
       st.sampled_from([S.NOMINATED, S.APPLIED]))
def test_random_walks_stay_reachable_and_finals_stay_final(
        steps: list[tuple[S, bool]], start: S) -> None:
    stage = start
    for target, use_exit in steps:
        if use_exit:
            outcome = (reject if target is S.REJECTED else withdraw)(stage, "Because.")
        else:
            outcome = advance(stage, target, FULL)
        if stage in FINAL_STAGES:
            assert not outcome.ok
        if isinstance(outcome, Transition):
            assert (outcome.source, outcome.target) in ALLOWED
            stage = outcome.target
        assert stage in REACHABLE


@given(st.sampled_from(STAGES), st.sampled_from(STAGES))
def test_no_evidence_never_passes_a_guarded_stage(source: S, target: S) -> None:
    outcome = advance(source, target, StageEvidence())
    if outcome.ok:
        assert (source, target) == (S.APPLIED, S.INTERVIEW)


