"""Pure selection-sprint rules: calendar, stage machine and guards, entry rules, paperwork,
matching and the funnel."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.assessments.domain import AssessmentStatus
from coachprog.selection import domain
from coachprog.selection.appointment.domain import (
    MatchFacts,
    Paperwork,
    RoleProfile,
    TimeAgreement,
    match_problems,
    missing_paperwork,
)
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
    InvalidCalendar,
    SprintStage,
    late_stages,
    plan_calendar,
)
from coachprog.selection.entries import domain as entry_domain
from coachprog.selection.panel.domain import (
    PanelDecision,
    PanelOutcome,
    PanelRole,
    PanelVerdict,
    panel_outcome,
)

S = CandidateStage
STAGES = list(CandidateStage)
SIGNED = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

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


# --- state machine: the full matrix ------------------------------------------------------------


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


# --- guards -------------------------------------------------------------------------------------


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


# --- property tests ---------------------------------------------------------------------------


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


# --- calendar ---------------------------------------------------------------------------------


def test_calendar_defaults_follow_the_blueprint() -> None:
    plan = plan_calendar(date(2025, 3, 3))
    assert [(w.stage, w.start, w.end, w.days) for w in plan] == [
        (SprintStage.NOMINATION_APPLICATION, date(2025, 3, 3), date(2025, 3, 9), 7),
        (SprintStage.INTERVIEW, date(2025, 3, 10), date(2025, 3, 16), 7),
        (SprintStage.SIMULATIONS, date(2025, 3, 17), date(2025, 3, 17), 1),
        (SprintStage.SUPERVISED_PRACTICE, date(2025, 3, 18), date(2025, 4, 28), 42),
        (SprintStage.CALIBRATION_APPOINTMENT, date(2025, 4, 29), date(2025, 5, 5), 7),
    ]


def test_calendar_overrides_shift_later_stages() -> None:
    plan = plan_calendar(date(2025, 3, 3), {SprintStage.SUPERVISED_PRACTICE: 28,
                                            SprintStage.INTERVIEW: 3})
    assert plan[1].end == date(2025, 3, 12)
    assert plan[3].days == 28
    assert plan[4].start == plan[3].end.replace(day=plan[3].end.day + 1)


@pytest.mark.parametrize(("stage", "days"), [
    (SprintStage.SUPERVISED_PRACTICE, 27), (SprintStage.SUPERVISED_PRACTICE, 43),
    (SprintStage.INTERVIEW, 0), (SprintStage.SIMULATIONS, 8),
])
def test_calendar_refuses_lengths_outside_the_blueprint(stage: SprintStage, days: int) -> None:
    with pytest.raises(InvalidCalendar, match=f"{days} days is outside"):
        plan_calendar(date(2025, 3, 3), {stage: days})


def test_calendar_takes_dates_not_timestamps() -> None:
    with pytest.raises(TypeError):
        plan_calendar(datetime(2025, 3, 3, tzinfo=UTC))
    with pytest.raises(TypeError):
        late_stages(plan_calendar(date(2025, 3, 3)), datetime(2025, 3, 3, tzinfo=UTC), {})


def test_late_stages() -> None:
    plan = plan_calendar(date(2025, 3, 3))
    assert late_stages(plan, date(2025, 3, 9), {}) == []  # the last day is on time
    late = late_stages(plan, date(2025, 3, 10), {})
    assert [(s.stage, s.days_late) for s in late] == [(SprintStage.NOMINATION_APPLICATION, 1)]
    assert late[0].message == ("Nomination & application should have finished on 2025-03-09 "
                               "(1 day late).")
    done = {SprintStage.NOMINATION_APPLICATION: True, SprintStage.INTERVIEW: False}
    late = late_stages(plan, date(2025, 3, 20), done)
    assert [(s.stage, s.days_late) for s in late] == [(SprintStage.INTERVIEW, 4),
                                                      (SprintStage.SIMULATIONS, 3)]
    assert "(4 days late)" in late[0].message


def test_interview_hours() -> None:
    assert domain.interview_hours(12) == 12
    with pytest.raises(ValueError, match="negative"):
        domain.interview_hours(-1)


# --- entry rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(("words", "ok"), [(0, False), (149, False), (150, True), (600, True),
                                           (601, False)])
def test_application_length(words: int, ok: bool) -> None:
    assert (entry_domain.application_problems(" ".join(["coach"] * words)) == []) is ok


def test_word_count_reads_like_a_person() -> None:
    assert entry_domain.word_count("I don't tell; I'm self-aware — really.") == 6


def test_nomination_rules() -> None:
    chain = (3, 2, 1)  # direct manager first
    assert entry_domain.nomination_problems(nominator_id=3, nominee_id=5,
                                            nominee_manager_chain=chain,
                                      why="Good.", existing_person_ids=[7]) == []
    assert entry_domain.nomination_problems(nominator_id=1, nominee_id=5,
                                            nominee_manager_chain=chain,
                                      why="Good.", existing_person_ids=[7]) == []
    problems = entry_domain.nomination_problems(nominator_id=9, nominee_id=5,
                                          nominee_manager_chain=chain, why="  ",
                                          existing_person_ids=[5])
    assert problems == ["This person already has an entry in this sprint.",
                        "You can nominate only people in your reporting line (direct or "
                        "indirect).",
                        "Say why you are nominating this person."]
    assert "yourself" in (entry_domain.nominator_problem(5, 5, (5,)) or "")
    assert entry_domain.why_problems("x" * 2001) == ["Keep the reason under 2000 characters."]


def test_application_entry_rules() -> None:
    text = " ".join(["word"] * 200)
    assert entry_domain.application_entry_problems(person_id=1, text=text,
                                             existing_person_ids=[2]) == []
    assert len(entry_domain.application_entry_problems(person_id=1, text="short",
                                                 existing_person_ids=[1])) == 2


# --- paperwork --------------------------------------------------------------------------------

AGREEMENT = TimeAgreement(15, manager_signed_at=SIGNED, coach_signed_at=SIGNED,
                          non_evaluator_clause_accepted=True)
COMPLETE = Paperwork(
    AGREEMENT,
    "consent-v1",
    RoleProfile("Leaders new in role", "Lead coach, then HR", "Monthly with a lead coach"),
)


def test_complete_paperwork_misses_nothing() -> None:
    assert missing_paperwork(COMPLETE) == []


@pytest.mark.parametrize(("percent", "ok"), [(9.9, False), (10, True), (20, True),
                                             (20.1, False), (float("nan"), False)])
def test_protected_time_bounds(percent: float, ok: bool) -> None:
    paperwork = replace(COMPLETE, agreement=replace(AGREEMENT, protected_percent=percent))
    problems = missing_paperwork(paperwork)
    assert (problems == []) is ok
    if not ok:
        assert problems[0].startswith("Protected coaching time must be between 10 % and 20 %")


def test_paperwork_lists_every_gap() -> None:
    assert missing_paperwork(replace(COMPLETE, agreement=replace(
        AGREEMENT, manager_signed_at=None))) == [
        "The coach's manager has not signed the time-allocation agreement."]
    assert missing_paperwork(replace(COMPLETE, agreement=replace(
        AGREEMENT, non_evaluator_clause_accepted=False))) == [
        "The non-evaluator clause (the coach never evaluates the people they coach) has not "
        "been accepted."]
    assert len(missing_paperwork(Paperwork())) == 3
    assert missing_paperwork(Paperwork(
        TimeAgreement(5), " ", RoleProfile(scope="x"))) == [
        "Protected coaching time must be between 10 % and 20 % of working time (it is 5 %).",
        "The coach's manager has not signed the time-allocation agreement.",
        "The coach has not signed the time-allocation agreement.",
        "The non-evaluator clause (the coach never evaluates the people they coach) has not "
        "been accepted.",
        "No coachee confidentiality and data-use consent template version has been chosen.",
        "The coaching role profile has no escalation paths.",
        "The coaching role profile has no supervision arrangement.",
    ]


def test_signatures_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TimeAgreement(10, coach_signed_at=datetime(2025, 3, 1))  # noqa: DTZ001


# --- matching ---------------------------------------------------------------------------------

MATCH = MatchFacts(coach_id=1, coachee_id=2, paperwork=COMPLETE, coach_manager_chain=(10, 20),
                   coachee_manager_chain=(11, 20), evaluations=frozenset({(3, 2)}),
                   coach_weekly_hours=40, active_engagement_hours=(1, 1, 1, 1))


def test_a_clean_match_has_no_problems() -> None:
    # 15 % of 40 h = 6 h a week; 4 booked + 1 new fits.
    assert match_problems(MATCH) == []
    assert match_problems(replace(MATCH, new_engagement_hours=2)) == []  # exactly at capacity


@pytest.mark.parametrize(("change", "expected"), [
    ({"paperwork": replace(COMPLETE, consent_template_version=None)},
     "appointment paperwork is incomplete: No coachee confidentiality"),
    ({"coachee_manager_chain": (11, 1)}, "The coach is in the coachee's management chain"),
    ({"coach_manager_chain": (2,)}, "The coachee is in the coach's management chain"),
    ({"evaluations": frozenset({(1, 2)})}, "a coach never evaluates the people they coach"),
    ({"evaluations": frozenset({(2, 1)})}, "The coachee evaluates the coach's performance"),
    ({"active_engagement_hours": (2, 2, 2)}, "over their protected-time capacity: 6 hours a week "
                                             "(15 % of 40), 6 hours already booked"),
    ({"coachee_id": 1, "coachee_manager_chain": ()}, "cannot coach themselves"),
])
def test_each_refusal_alone(change: dict[str, object], expected: str) -> None:
    problems = match_problems(replace(MATCH, **change))  # type: ignore[arg-type]
    assert len(problems) == 1
    assert expected in problems[0]


def test_all_refusals_together() -> None:
    facts = replace(MATCH, paperwork=replace(COMPLETE, role_profile=None),
                    coachee_manager_chain=(1,), coach_manager_chain=(2,),
                    evaluations=frozenset({(1, 2), (2, 1)}), active_engagement_hours=(6,))
    assert len(match_problems(facts)) == 6


def test_capacity_is_not_judged_without_a_valid_agreement() -> None:
    facts = replace(MATCH, paperwork=replace(COMPLETE, agreement=replace(
        AGREEMENT, protected_percent=30)), active_engagement_hours=(50,))
    problems = match_problems(facts)
    assert len(problems) == 1
    assert "Protected coaching time" in problems[0]


# --- funnel -----------------------------------------------------------------------------------


def test_funnel_counts_and_conversion() -> None:
    rows = domain.funnel([(1, "nominated"), (2, "applied"), (3, "interview"), (4, "interview"),
                          (5, "simulations"), (6, "appointed"), (6, "panel")])
    assert [(r.stage, r.count) for r in rows] == [
        (S.NOMINATED, 6), (S.APPLIED, 5), (S.INTERVIEW, 4), (S.SIMULATIONS, 2),
        (S.SUPERVISED_PRACTICE, 1), (S.PANEL, 1), (S.APPOINTED, 1)]
    assert rows[0].conversion is None
    assert rows[0].label == "Entered (nominated or applied)"
    assert rows[1].conversion == pytest.approx(5 / 6)
    assert rows[3].conversion == pytest.approx(0.5)


def test_funnel_of_nobody_and_from_zero() -> None:
    rows = domain.funnel([])
    assert all(r.count == 0 and r.conversion is None for r in rows)


def test_funnel_refuses_exit_stages() -> None:
    with pytest.raises(ValueError, match="stage the person left from"):
        domain.funnel([(1, "rejected")])


@given(st.lists(st.tuples(st.integers(0, 50), st.sampled_from(domain.PIPELINE))))
def test_funnel_of_counts_per_furthest_stage_equals_the_funnel_of_the_people(
        entries: list[tuple[int, S]]) -> None:
    furthest: dict[int, int] = {}
    for person, stage in entries:
        furthest[person] = max(furthest.get(person, 0), domain.PIPELINE.index(stage))
    counts = {stage: sum(1 for index in furthest.values() if domain.PIPELINE[index] is stage)
              for stage in S}
    assert domain.funnel_of_counts(counts) == domain.funnel(entries)


def test_funnel_of_counts_refuses_people_counted_at_an_exit() -> None:
    assert domain.funnel_of_counts({S.REJECTED: 0, S.APPLIED: 1})[1].count == 1
    with pytest.raises(ValueError, match="stage the person left from"):
        domain.funnel_of_counts({S.WITHDRAWN: 2})


@given(st.lists(st.tuples(st.integers(0, 50), st.sampled_from(domain.PIPELINE))))
def test_funnel_counts_never_increase(entries: list[tuple[int, S]]) -> None:
    rows = domain.funnel(entries)
    counts = [r.count for r in rows]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == len({person for person, _ in entries})
    for row in rows:
        assert row.conversion is None or 0 <= row.conversion <= 1
