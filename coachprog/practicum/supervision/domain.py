"""Supervision deadlines, peer-triad rotation and gate rules of the practicum: pure rules.

No Flask, no SQLAlchemy: times are timezone-aware datetimes, the caller passes "now"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import permutations
from zoneinfo import ZoneInfo

FEEDBACK_WITHIN = timedelta(hours=48)
ONE_ON_ONE_WITHIN = timedelta(days=7)
DUE_SOON = timedelta(hours=24)


class SlaState(StrEnum):
    DONE = "done"  # delivered in time
    LATE = "late"  # delivered after the deadline
    DUE = "due"  # open, deadline ahead
    OVERDUE = "overdue"  # open, deadline passed


@dataclass(frozen=True)
class Deadline:
    kind: str  # "feedback" | "one_on_one"
    due_at: datetime  # UTC
    state: SlaState
    done_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state in (SlaState.DUE, SlaState.OVERDUE)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def deadline(kind: str, scored_at: datetime, *, now: datetime,
             done_at: datetime | None = None) -> Deadline:
    """The feedback (48 h) or 1:1 (7 days) deadline after a session was scored. Deadlines are
    elapsed time in UTC: a DST change in the viewer's zone neither shortens nor lengthens it."""
    within = {"feedback": FEEDBACK_WITHIN, "one_on_one": ONE_ON_ONE_WITHIN}.get(kind)
    if within is None:
        raise ValueError(f"unknown deadline kind {kind!r}")
    due_at = _aware(scored_at, "scored_at") + within
    now = _aware(now, "now")
    if done_at is not None:
        done_at = _aware(done_at, "done_at")
        return Deadline(kind, due_at, SlaState.DONE if done_at <= due_at else SlaState.LATE,
                        done_at)
    return Deadline(kind, due_at, SlaState.OVERDUE if now > due_at else SlaState.DUE)


def time_left(item: Deadline, now: datetime) -> timedelta:
    """Negative once overdue."""
    return item.due_at - _aware(now, "now")


def describe_left(item: Deadline, now: datetime) -> str:
    """"due in 5 h", "overdue by 2 days 3 h", "done" — whole hours, rounded down."""
    if not item.is_open:
        return "done late" if item.state is SlaState.LATE else "done"
    left = time_left(item, now)
    hours = int(abs(left).total_seconds() // 3600)
    days, rest = divmod(hours, 24)
    text = (f"{days} day{'s' if days != 1 else ''} {rest} h" if days else f"{rest} h")
    return f"overdue by {text}" if left < timedelta(0) else f"due in {text}"


def local_time(value: datetime, zone: str) -> datetime:
    """A stored UTC instant in the viewer's zone (IANA name); an unknown zone is UTC."""
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    return _aware(value, "value").astimezone(tz)


# --- peer triads -------------------------------------------------------------------------------

TRIAD_ROLES = ("coach", "client", "observer")


def validate_round(members: tuple[int, ...], assignment: dict[str, int]) -> list[str]:
    """Problems with one triad round: three distinct trainees, and the roles a permutation
    of them (each member plays exactly one of coach, client, observer)."""
    problems: list[str] = []
    if len(members) != 3 or len(set(members)) != 3:
        problems.append("A triad is three different trainees.")
        return problems
    if set(assignment) != set(TRIAD_ROLES):
        problems.append("Each round needs a coach, a client and an observer.")
        return problems
    played = [assignment[role] for role in TRIAD_ROLES]
    if len(set(played)) != 3:
        problems.append("Each trainee plays exactly one role in a round.")
    elif set(played) != set(members):
        problems.append("Only the triad's own members may play its roles.")
    return problems


def suggest_next_round(members: tuple[int, int, int],
                       past: list[dict[str, int]]) -> dict[str, int]:
    """The next role assignment: the permutation that gives each member a role they have
    played least; after three rounds of the cyclic rotation everyone has played every role."""
    counts = {(m, role): 0 for m in members for role in TRIAD_ROLES}
    for round_ in past:
        for role, member in round_.items():
            if (member, role) in counts:
                counts[(member, role)] += 1
    done = {tuple(r.get(role, -1) for role in TRIAD_ROLES) for r in past}
    def cost(perm: tuple[int, ...]) -> tuple[int, int]:
        return (sum(counts[(m, role)] for m, role in zip(perm, TRIAD_ROLES, strict=True)),
                1 if perm in done else 0)

    best = min(permutations(members), key=cost)  # ties: the first in permutation order
    return dict(zip(TRIAD_ROLES, best, strict=True))


def roles_missing(members: tuple[int, ...], past: list[dict[str, int]]) -> dict[int, list[str]]:
    """For each member, the roles not yet played."""
    played: dict[int, set[str]] = {m: set() for m in members}
    for round_ in past:
        for role, member in round_.items():
            if member in played:
                played[member].add(role)
    return {m: [r for r in TRIAD_ROLES if r not in played[m]] for m in members}


# --- gates -------------------------------------------------------------------------------------


class Gate(StrEnum):
    MIDPOINT = "midpoint"
    FINAL = "final"


GATE_TITLES = {Gate.MIDPOINT: "Midpoint calibration", Gate.FINAL: "Final observed review"}
OUTCOMES = {Gate.MIDPOINT: ("proceed", "extra_supervision"), Gate.FINAL: ("passed", "not_passed")}
OUTCOME_LABELS = {"proceed": "Proceed", "extra_supervision": "Extra supervision",
                  "passed": "Passed", "not_passed": "Not passed"}


@dataclass(frozen=True)
class CheckItem:
    key: str
    label: str
    met: bool
    detail: str = ""


@dataclass(frozen=True)
class GateFacts:
    """What the services found for one trainee."""

    session_scored: bool  # a recorded session (or evidence item) scored with session review
    hours_on_track: bool
    hours_targets_met: bool
    independent_review_passed: bool  # scored by a master coach not their direct supervisor
    capstone_passed: bool
    hours_detail: str = ""  # verified hours against the targets, and what is still missing
    hours_on_track_detail: str = ""  # the same against half the targets (midpoint)
    session_detail: str = ""  # which scored review counts
    review_detail: str = ""  # who scored the independent review, or why none counts
    capstone_detail: str = ""


def checklist(gate: Gate, facts: GateFacts) -> list[CheckItem]:
    if gate is Gate.MIDPOINT:
        return [
            CheckItem("session_scored", "A recorded session (or evidence item) scored with "
                      "the session-review rubric", facts.session_scored, facts.session_detail),
            CheckItem("hours_on_track", "Verified hours on track for the practicum window",
                      facts.hours_on_track, facts.hours_on_track_detail or facts.hours_detail),
        ]
    return [
        CheckItem("independent_review", "An observed or recorded session passed, scored by a "
                  "master coach who is not the trainee's direct supervisor",
                  facts.independent_review_passed, facts.review_detail),
        CheckItem("capstone", "Capstone brief passed", facts.capstone_passed,
                  facts.capstone_detail),
        CheckItem("hours_met", "Practicum hour targets met (verified hours)",
                  facts.hours_targets_met, facts.hours_detail),
    ]


def decision_problems(gate: Gate, outcome: str, items: list[CheckItem]) -> list[str]:
    """Why a decision may not be recorded: an unknown outcome, or — for a passing outcome
    (proceed, passed) — an unmet checklist, listing the unmet items. The other outcome
    (extra supervision at midpoint, not passed at the final review) is the master coach's
    judgement and needs no checklist: an unmet checklist is usually why it is chosen."""
    if outcome not in OUTCOMES[gate]:
        return [f"Choose one of: {', '.join(OUTCOME_LABELS[o] for o in OUTCOMES[gate])}."]
    if not is_passing(gate, outcome):
        return []
    return [f"Not yet met: {item.label}." for item in items if not item.met]


def met_count(items: list[CheckItem]) -> tuple[int, int]:
    """(met, total) of a checklist, for summaries."""
    return sum(1 for item in items if item.met), len(items)


def is_passing(gate: Gate, outcome: str) -> bool:
    return outcome in ("proceed", "passed") and outcome in OUTCOMES[gate]


def hours_on_track(coached_hours: float, lab_hours: float, *, coached_target: float = 20.0,
                   lab_target: float = 10.0) -> bool:
    """At midpoint, on track means half of the minimum targets verified."""
    return coached_hours >= coached_target / 2 and lab_hours >= lab_target / 2
