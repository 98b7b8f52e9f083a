"""After appointment, as pure rules.

- Paperwork: a signed time-allocation agreement (10–20 % protected time, the non-evaluator
  clause accepted), a consent template version and a role profile must all exist before any
  coaching engagement (`missing_paperwork`).
- Matching: a coach never coaches someone in their management chain (either way), someone they
  evaluate (or who evaluates them), or beyond their protected-time capacity (`match_problems`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from coachprog.selection.candidates.domain import hours_words

# Protected coaching time, as a share of the coach's working time (blueprint: 10–20 %).
MIN_PROTECTED_PERCENT = 10.0
MAX_PROTECTED_PERCENT = 20.0


@dataclass(frozen=True)
class TimeAgreement:
    """The manager time-allocation agreement. Signatures are in-app acknowledgements: the
    timezone-aware moment each party acknowledged, None until they do."""

    protected_percent: float
    manager_signed_at: datetime | None = None
    coach_signed_at: datetime | None = None
    non_evaluator_clause_accepted: bool = False
    # False when the directory shows another manager than the one the agreement names: their
    # signature no longer protects the coach's time.
    manager_current: bool = True

    def __post_init__(self) -> None:
        for moment in (self.manager_signed_at, self.coach_signed_at):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("signature timestamps must be timezone-aware")


@dataclass(frozen=True)
class RoleProfile:
    scope: str = ""
    escalation_paths: str = ""
    supervision_arrangement: str = ""


@dataclass(frozen=True)
class Paperwork:
    agreement: TimeAgreement | None = None
    consent_template_version: str | None = None
    role_profile: RoleProfile | None = None


def protected_time_problems(percent: float) -> list[str]:
    if not math.isfinite(percent) or not (
            MIN_PROTECTED_PERCENT - 1e-9 <= percent <= MAX_PROTECTED_PERCENT + 1e-9):
        return [f"Protected coaching time must be between {MIN_PROTECTED_PERCENT:g} % and "
                f"{MAX_PROTECTED_PERCENT:g} % of working time (it is {percent:g} %)."]
    return []


def missing_paperwork(paperwork: Paperwork) -> list[str]:
    """What is missing before the coach may be matched with anyone, in plain words; empty when
    all three documents are complete."""
    missing: list[str] = []
    agreement = paperwork.agreement
    if agreement is None:
        missing.append("The manager time-allocation agreement has not been drawn up.")
    else:
        missing.extend(protected_time_problems(agreement.protected_percent))
        if not agreement.manager_current:
            missing.append("The coach's manager has changed since the agreement was drawn up; "
                           "it must be redrawn and signed with the new manager.")
        elif agreement.manager_signed_at is None:
            missing.append("The coach's manager has not signed the time-allocation agreement.")
        if agreement.coach_signed_at is None:
            missing.append("The coach has not signed the time-allocation agreement.")
        if not agreement.non_evaluator_clause_accepted:
            missing.append("The non-evaluator clause (the coach never evaluates the people they "
                           "coach) has not been accepted.")
    if not (paperwork.consent_template_version or "").strip():
        missing.append("No coachee confidentiality and data-use consent template version has "
                       "been chosen.")
    profile = paperwork.role_profile
    if profile is None:
        missing.append("The coaching role profile has not been written.")
    else:
        for text, what in ((profile.scope, "scope"),
                           (profile.escalation_paths, "escalation paths"),
                           (profile.supervision_arrangement, "supervision arrangement")):
            if not text.strip():
                missing.append(f"The coaching role profile has no {what}.")
    return missing


# Capacity model (decided): protected hours a week = the agreement's percentage of the coach's
# weekly working hours. Each engagement costs its expected hours a week — by default 1 hour:
# a session every fortnight plus preparation, notes and supervision. A new engagement fits when
# the coach's active engagements plus the new one stay within the protected hours.
DEFAULT_ENGAGEMENT_HOURS_PER_WEEK = 1.0


def protected_hours_per_week(percent: float, weekly_hours: float) -> float:
    return percent / 100 * weekly_hours


@dataclass(frozen=True)
class MatchFacts:
    """What the service knows when an admin matches a coach with a coachee.

    Chains list managers upwards (direct manager first). `evaluations` holds performance-review
    relationships as (evaluator id, evaluated id) pairs."""

    coach_id: int
    coachee_id: int
    paperwork: Paperwork
    coach_manager_chain: tuple[int, ...] = ()
    coachee_manager_chain: tuple[int, ...] = ()
    evaluations: frozenset[tuple[int, int]] = frozenset()
    coach_weekly_hours: float = 40.0
    active_engagement_hours: tuple[float, ...] = ()
    new_engagement_hours: float = DEFAULT_ENGAGEMENT_HOURS_PER_WEEK


def match_problems(facts: MatchFacts) -> list[str]:
    """Every reason this coach may not coach this coachee; empty when the match may be made."""
    problems: list[str] = []
    if facts.coach_id == facts.coachee_id:
        problems.append("A coach cannot coach themselves.")
    missing = missing_paperwork(facts.paperwork)
    if missing:
        problems.append("The coach's appointment paperwork is incomplete: " + " ".join(missing))
    if facts.coach_id in facts.coachee_manager_chain:
        problems.append("The coach is in the coachee's management chain (they manage the "
                        "coachee, directly or indirectly).")
    if facts.coachee_id in facts.coach_manager_chain:
        problems.append("The coachee is in the coach's management chain (the coachee manages "
                        "the coach, directly or indirectly).")
    # A coach never evaluates the people they coach (non-evaluator clause); the reverse — the
    # coachee reviewing their coach's performance — compromises the relationship just as much.
    if (facts.coach_id, facts.coachee_id) in facts.evaluations:
        problems.append("The coach evaluates the coachee's performance; a coach never evaluates "
                        "the people they coach.")
    if (facts.coachee_id, facts.coach_id) in facts.evaluations:
        problems.append("The coachee evaluates the coach's performance.")
    agreement = facts.paperwork.agreement
    if agreement is not None and not protected_time_problems(agreement.protected_percent):
        capacity = protected_hours_per_week(agreement.protected_percent, facts.coach_weekly_hours)
        booked = sum(facts.active_engagement_hours)
        if booked + facts.new_engagement_hours > capacity + 1e-9:
            problems.append(
                f"The coach is over their protected-time capacity: {hours_words(capacity)} a week "
                f"({agreement.protected_percent:g} % of {facts.coach_weekly_hours:g}), "
                f"{hours_words(booked)} already booked, and this engagement needs "
                f"{hours_words(facts.new_engagement_hours)}.")
    return problems
