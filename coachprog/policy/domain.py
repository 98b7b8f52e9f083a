"""The published policy — the use-case matrix and the data-use policy — and opt-outs, as plain
rules (stdlib only).

Policy (issue 24): both documents are versioned files in the repository; every signed-in user
acknowledges the current versions before using the app. A prohibited use the system could
technically do is refused in code by a named guard. A coachee or coach may opt out of
recording, of analytics or of the whole program, and every domain honours it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from coachprog.glossary import LabelledEnum, labels


class Category(LabelledEnum):
    PERMITTED = "permitted", "Permitted"
    WITH_CONTROLS = "permitted_with_controls", "Permitted with controls"
    HUMAN_DECISION = "human_decision_required", "A person must decide"
    PROHIBITED = "prohibited", "Prohibited"


CATEGORY_LABELS: dict[Category, str] = labels(Category)


@dataclass(frozen=True)
class UseCase:
    id: str
    use: str
    category: Category
    controls: tuple[str, ...] = ()
    guard: str | None = None  # the code guard that refuses a prohibited use
    not_possible: str | None = None  # why a prohibited use cannot happen in this system

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]


@dataclass(frozen=True)
class UseCaseMatrix:
    version: int
    effective: date
    title: str
    summary: str
    rows: tuple[UseCase, ...]

    def prohibited(self) -> tuple[UseCase, ...]:
        return tuple(row for row in self.rows if row.category is Category.PROHIBITED)

    def guarded(self) -> tuple[UseCase, ...]:
        """Prohibited rows the system could technically do: each names its guard."""
        return tuple(row for row in self.prohibited() if row.guard)


@dataclass(frozen=True)
class Retention:
    """How long a kind of data is kept: a period (`days` or `hours`) that code enforces,
    named by `setting` (a configuration key or a module constant), or words (`kept`)."""

    kept: str = ""
    days: int | None = None
    hours: int | None = None
    after: str = ""
    setting: str | None = None
    job: str | None = None

    def period_words(self) -> str:
        if self.days is not None:
            text = f"{self.days} days"
        elif self.hours is not None:
            text = f"{self.hours} hours"
        else:
            return self.kept
        return f"{text} after {self.after}" if self.after else text


@dataclass(frozen=True)
class DataKind:
    id: str
    name: str
    collected: str
    purpose: str
    seen_by: tuple[str, ...]
    retention: Retention


@dataclass(frozen=True)
class DataUsePolicy:
    version: int
    effective: date
    title: str
    summary: str
    processed_where: str
    processing_note: str
    kinds: tuple[DataKind, ...]


@dataclass(frozen=True)
class PolicyVersions:
    """The versions a user acknowledges together."""

    use_cases: int
    data_use: int

    def key(self) -> str:
        return f"use-cases:{self.use_cases}/data-use:{self.data_use}"


def needs_acknowledgement(current: PolicyVersions,
                          acknowledged: Iterable[tuple[int, int]]) -> bool:
    """Whether a user who acknowledged these (use-cases, data-use) version pairs must
    acknowledge again: yes unless one pair is the current one (a new version of either
    document asks again)."""
    return (current.use_cases, current.data_use) not in set(acknowledged)


# --- opt-outs -----------------------------------------------------------------------------------


class OptOutKind(LabelledEnum):
    RECORDING = "recording", "Recording"
    ANALYTICS = "analytics", "Analytics"
    PROGRAM = "program", "The program"


OPT_OUT_LABELS: dict[OptOutKind, str] = labels(OptOutKind)

OPT_OUT_EFFECTS: dict[OptOutKind, str] = {
    OptOutKind.RECORDING: "No new recordings of your sessions, and no new consent to record them.",
    OptOutKind.ANALYTICS: "No fidelity signals from your sessions, and you are left out of "
                          "program counts (sponsor, impact and coverage figures).",
    OptOutKind.PROGRAM: "You are not offered new coaching engagements, as coach or coachee.",
}


def parse_opt_out_kind(value: str) -> OptOutKind:
    try:
        return OptOutKind(value.strip().lower())
    except ValueError:
        valid = ", ".join(kind.value for kind in OptOutKind)
        raise ValueError(f"unknown opt-out {value!r}; one of {valid}") from None


def implied_kinds(kinds: Iterable[OptOutKind]) -> frozenset[OptOutKind]:
    """What a set of opt-outs means in effect: leaving the program also means no recording
    and no analytics (someone out of the program is not recorded or counted)."""
    chosen = frozenset(kinds)
    if OptOutKind.PROGRAM in chosen:
        return frozenset(OptOutKind)
    return chosen


def opt_out_refusal(kind: OptOutKind, who: str) -> str:
    """The words a refusal gives for someone's opt-out."""
    if kind is OptOutKind.RECORDING:
        return (f"{who} opted out of recording, so no new recording of their sessions and no "
                "new consent to record them can be made.")
    if kind is OptOutKind.PROGRAM:
        return f"{who} opted out of the coach program, so they are not offered new engagements."
    return f"{who} opted out of analytics, so their data is left out of signals and counts."


@dataclass(frozen=True)
class OptOutCounts:
    """Current opt-outs by kind (each person once per kind) for the program scorecard."""

    by_kind: Mapping[str, int] = field(default_factory=dict)

    @property
    def people(self) -> int:
        return sum(self.by_kind.values())
