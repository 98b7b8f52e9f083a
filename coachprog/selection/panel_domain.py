"""Conflicts of interest on a selection sprint's calibration panel, in words.

Policy: a panel member neither decides on nor reads the evidence pack of a candidate they are
related to — someone in their management chain either way (they manage the candidate,
directly or further up the line, or the candidate manages them), someone they coach or have
coached, or themselves. The facts are the ones the raters' conflict rules read
(`assessments.domain.RelationshipFacts`, filled from the directory and the registered coaching
sources); this module only decides and words them for the panel, so the page can say why a
seat is conflicted before anyone acts.
"""

from __future__ import annotations

from coachprog.assessments.domain import RelationshipFacts


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
