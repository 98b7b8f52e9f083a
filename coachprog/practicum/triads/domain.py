"""Peer triads of the practicum: forming a triad and logging its rounds. Pure rules.

Policy (issue 6, "Peer triads"):
- A triad is three different trainees enrolled in the same practicum program.
- The three rotate coach, client and observer; each round records who played which role
  (`supervision_domain.validate_round`) and the observer's short feedback. The observer logs
  the round: the feedback is theirs, and the one who watched is the one who noted the time.
- A round has happened (not in the future) and lasts 1 minute to 8 hours, like any ledger
  entry; rounds of a triad do not overlap.
- The next round's roles are suggested by `supervision_domain.suggest_next_round` (each member
  gets the role they have played least; three rounds give everyone every role).

Stdlib only; the caller passes "now".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from coachprog.practicum.supervision.domain import TRIAD_ROLES, validate_round

MAX_NAME = 120
MAX_FEEDBACK = 1000
MAX_MINUTES = 8 * 60
ROLE_LABELS = {"coach": "Coach", "client": "Client", "observer": "Observer"}


def formation_problems(name: str, members: tuple[int | None, ...],
                       programs: Mapping[int, int | None]) -> dict[str, str]:
    """Field -> message for forming a triad. `programs` maps each member to the program they
    are enrolled in (None: not enrolled)."""
    errors: dict[str, str] = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = "Give the triad a name, e.g. “Tuesday triad”."
    elif len(name) > MAX_NAME:
        errors["name"] = f"At most {MAX_NAME} characters."
    chosen = [m for m in members if m is not None]
    if len(chosen) != 3:
        errors["members"] = "Choose the two other trainees of the triad."
        return errors
    if len(set(chosen)) != 3:
        errors["members"] = "A triad is three different trainees."
        return errors
    not_enrolled = [m for m in chosen if programs.get(m) is None]
    if not_enrolled:
        errors["members"] = "Every member must be enrolled in a practicum."
    elif len({programs[m] for m in chosen}) != 1:
        errors["members"] = "All three must be in the same practicum program."
    return errors


@dataclass(frozen=True)
class RoundFacts:
    held_at: datetime  # timezone-aware
    minutes: int
    roles: dict[str, int]  # role -> person id
    feedback: str
    number: int | None = None

    @property
    def ends_at(self) -> datetime:
        return self.held_at + timedelta(minutes=self.minutes)


def round_problems(members: tuple[int, ...], facts: RoundFacts, *, logger_person_id: int | None,
                   now: datetime, others: Iterable[RoundFacts] = ()) -> dict[str, str]:
    """Field -> message for one round; empty when it may be saved."""
    if facts.held_at.tzinfo is None:
        raise ValueError("held_at must be timezone-aware")
    errors: dict[str, str] = {}
    problems = validate_round(members, facts.roles)
    if problems:
        errors["roles"] = " ".join(problems)
    elif logger_person_id != facts.roles["observer"]:
        errors["roles"] = ("The observer logs the round (the feedback is theirs): choose "
                           "yourself as observer, or ask the observer to log it.")
    if facts.minutes <= 0:
        errors["minutes"] = "Duration must be more than zero minutes."
    elif facts.minutes > MAX_MINUTES:
        errors["minutes"] = "A round lasts at most 8 hours."
    if facts.held_at > now:
        errors["day"] = "The round is in the future: log it after it happened."
    elif facts.minutes > 0 and facts.ends_at > now:
        errors["day"] = "This round has not finished yet: log it once it has."
    elif facts.minutes > 0:
        for other in others:
            if facts.held_at < other.ends_at and other.held_at < facts.ends_at:
                errors["day"] = (f"Overlaps round {other.number} of this triad."
                                 if other.number else "Overlaps another round of this triad.")
                break
    feedback = facts.feedback.strip()
    if not feedback:
        errors["feedback"] = "Write the observer's feedback (a few sentences)."
    elif len(feedback) > MAX_FEEDBACK:
        errors["feedback"] = f"Keep the feedback short: at most {MAX_FEEDBACK} characters."
    return errors


def role_of(roles: Mapping[str, int], person_id: int) -> str | None:
    for role in TRIAD_ROLES:
        if roles.get(role) == person_id:
            return role
    return None
