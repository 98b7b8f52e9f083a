"""Conflicts of interest on a selection sprint's calibration panel, in words.

Policy: a panel member neither decides on nor reads the evidence pack of a candidate they are
related to — someone in their management chain either way (they manage the candidate,
directly or further up the line, or the candidate manages them), someone they coach or have
coached, or themselves. The facts are the ones the raters' conflict rules read
(`assessments.domain.RelationshipFacts`, filled from the directory and the registered coaching
sources); this module only decides and words them for the panel, so the page can say why a
seat is conflicted before anyone acts.

Decisions: the three seats (`PanelRole`) each appoint or reject with reasons; appointment needs
all three to appoint (`panel_outcome`), and a seat decides once (`panel_problems`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from coachprog.assessments.domain import RelationshipFacts
from coachprog.glossary import LabelledEnum, labels


def panel_conflicts(facts: RelationshipFacts, member_name: str,
                    candidate_name: str) -> tuple[str, ...]:
    """Every reason the member may not sit on the panel for this candidate; empty if none."""
    member, subject = facts.rater_person_id, facts.subject_person_id
    if member is None or subject is None:
        return ()
    if member == subject:
        return (f"{member_name} is the candidate.",)
    reasons: list[str] = []
    if member in facts.subject_manager_chain:
        how = "" if facts.subject_manager_chain[0] == member else \
            " indirectly (further up their reporting line)"
        reasons.append(f"{member_name} manages {candidate_name}{how}.")
    if subject in facts.rater_manager_chain:
        how = "" if facts.rater_manager_chain[0] == subject else \
            " indirectly (further up the reporting line)"
        reasons.append(f"{member_name} reports to {candidate_name}{how}.")
    if subject in facts.rater_coachee_ids:
        reasons.append(f"{member_name} coaches or has coached {candidate_name}.")
    return tuple(reasons)


def conflict_sentence(reasons: tuple[str, ...]) -> str:
    """The reasons as one refusal: what the conflict is and what happens next."""
    return (" ".join(reasons) + " That is a conflict of interest: this seat does not decide on "
            "the candidate or read their evidence pack; L&D replaces the seat.")


class PanelRole(LabelledEnum):
    HR_LD = "hr_ld", "HR/L&D member"
    EXTERNAL_MASTER_COACH = "external_master_coach", "External master coach"
    BUSINESS_SPONSOR = "business_sponsor", "Business sponsor"


PANEL_ROLE_LABELS: Mapping[PanelRole, str] = labels(PanelRole)


class PanelVerdict(StrEnum):
    APPOINT = "appoint"
    DO_NOT_APPOINT = "do_not_appoint"


@dataclass(frozen=True)
class PanelDecision:
    role: PanelRole
    member_id: int
    member_name: str
    verdict: PanelVerdict
    reasons: str


class PanelOutcome(StrEnum):
    INCOMPLETE = "incomplete"  # not every member has recorded a decision with reasons
    APPOINT = "appoint"  # all three appoint
    DO_NOT_APPOINT = "do_not_appoint"  # all three do not appoint
    SPLIT = "split"  # members disagree


def panel_problems(decisions: Sequence[PanelDecision]) -> list[str]:
    """What keeps the panel's decisions from being complete: every role decided once, by three
    different people, each with reasons."""
    problems: list[str] = []
    members: dict[int, PanelRole] = {}
    for role in PanelRole:
        mine = [d for d in decisions if d.role is role]
        label = PANEL_ROLE_LABELS[role]
        if not mine:
            problems.append(f"The {label} has not recorded a decision.")
            continue
        if len(mine) > 1:
            problems.append(f"{len(mine)} decisions are recorded for the {label}; the panel has "
                            f"one member per role.")
        for decision in mine:
            if not decision.reasons.strip():
                problems.append(f"The {label} ({decision.member_name}) recorded a decision "
                                f"without reasons.")
            other = members.setdefault(decision.member_id, role)
            if other is not role:
                problems.append(f"{decision.member_name} sits on the panel both as "
                                f"{PANEL_ROLE_LABELS[other]} and as {label}; the panel is three "
                                f"different people.")
    return problems


def panel_outcome(decisions: Sequence[PanelDecision]) -> PanelOutcome:
    """The panel's collective decision. Appointment needs all three to appoint (decided: a
    split is not a majority vote — a person then rejects the candidate with a reason, or the
    panel reconvenes and records new decisions)."""
    if panel_problems(decisions):
        return PanelOutcome.INCOMPLETE
    verdicts = {d.verdict for d in decisions}
    if verdicts == {PanelVerdict.APPOINT}:
        return PanelOutcome.APPOINT
    if verdicts == {PanelVerdict.DO_NOT_APPOINT}:
        return PanelOutcome.DO_NOT_APPOINT
    return PanelOutcome.SPLIT
