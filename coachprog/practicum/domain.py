"""Practicum hours ledger: pure rules (targets, windows, verified-only hours, overlaps).

No Flask, no SQLAlchemy: services translate rows into `EntryFacts` and call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# Entry kinds and which total they feed.
COACHED = "coached_session"
LAB = "reflective_lab"
TRIAD = "peer_triad"
SUPERVISION = "supervision"
MENTOR = "mentor_coaching"
KINDS = (COACHED, LAB, TRIAD, SUPERVISION, MENTOR)
LAB_KINDS = frozenset({LAB, TRIAD})
DEVELOPMENT_KINDS = frozenset({SUPERVISION, MENTOR})
TRIAD_ROLES = ("coach", "client", "observer")

# Entry statuses. Only VERIFIED hours count.
PENDING = "pending"
VERIFIED = "verified"
QUERIED = "queried"
STATUSES = (PENDING, VERIFIED, QUERIED)

MAX_MINUTES = 8 * 60


@dataclass(frozen=True)
class Targets:
    """A program's practicum targets (ranges: minimum to count as met, maximum expected)."""

    coached_min: float = 20.0
    coached_max: float = 30.0
    lab_min: float = 10.0
    lab_max: float = 15.0
    weeks_min: int = 8
    weeks_max: int = 12


DEFAULT_TARGETS = Targets()


@dataclass(frozen=True)
class EntryFacts:
    """What the rules need to know about one ledger entry."""

    kind: str
    starts_at: datetime  # timezone-aware UTC
    minutes: int
    status: str = PENDING
    entry_id: int | None = None
    coachee_id: int | None = None
    is_group: bool = False
    group_size: int | None = None
    triad_role: str | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


def validate_entry(
    entry: EntryFacts, *, now: datetime, others: Iterable[EntryFacts] = ()
) -> dict[str, str]:
    """Field name -> message for every rule the entry breaks; empty when it may be saved.
    `others` are the trainee's other entries (the entry itself is skipped by id)."""
    errors: dict[str, str] = {}
    if entry.kind not in KINDS:
        errors["kind"] = "Choose an activity type."
    if entry.minutes <= 0:
        errors["minutes"] = "Duration must be more than zero minutes."
    elif entry.minutes > MAX_MINUTES:
        errors["minutes"] = "One entry can be at most 8 hours; split longer days."
    if entry.starts_at > now:
        errors["starts_at"] = "Date is in the future: log activities after they happen."
    if entry.kind == COACHED and entry.coachee_id is None:
        errors["engagement"] = "Choose the engagement this session belongs to."
    if entry.is_group and (entry.group_size is None or entry.group_size < 2):
        errors["group_size"] = "A group session needs a group size of at least 2."
    if entry.kind == TRIAD and entry.triad_role not in TRIAD_ROLES:
        errors["triad_role"] = "Say which role you played: coach, client or observer."
    if "minutes" not in errors:
        clash = first_overlap(entry, others)
        if clash is not None:
            errors["starts_at"] = (
                "Overlaps another entry of yours ("
                f"{clash.starts_at:%Y-%m-%d %H:%M}–{clash.ends_at:%H:%M} UTC)."
            )
    return errors


def overlaps(a: EntryFacts, b: EntryFacts) -> bool:
    """Half-open intervals: one ending exactly when the next starts is fine."""
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def first_overlap(entry: EntryFacts, others: Iterable[EntryFacts]) -> EntryFacts | None:
    for other in others:
        if entry.entry_id is not None and other.entry_id == entry.entry_id:
            continue
        if overlaps(entry, other):
            return other
    return None


@dataclass(frozen=True)
class Totals:
    coached_hours: float
    lab_hours: float
    development_hours: float
    pending_hours: float
    unique_coachees: int


def totals(entries: Iterable[EntryFacts], *, since: date | None = None) -> Totals:
    """Verified hours per bucket (pending/queried hours reported apart, never counted)."""
    coached = lab = dev = pending = 0
    coachees: set[int] = set()
    for e in entries:
        if since is not None and e.starts_at.date() < since:
            continue
        if e.status != VERIFIED:
            pending += e.minutes
            continue
        if e.kind == COACHED:
            coached += e.minutes
            if e.coachee_id is not None:
                coachees.add(e.coachee_id)
        elif e.kind in LAB_KINDS:
            lab += e.minutes
        elif e.kind in DEVELOPMENT_KINDS:
            dev += e.minutes
    return Totals(
        coached_hours=coached / 60,
        lab_hours=lab / 60,
        development_hours=dev / 60,
        pending_hours=pending / 60,
        unique_coachees=len(coachees),
    )


@dataclass(frozen=True)
class Window:
    start: date
    earliest_end: date
    latest_end: date
    week: int  # 1-based week number today; 0 before start
    overdue: bool  # past the latest end


def window(start: date, today: date, targets: Targets = DEFAULT_TARGETS) -> Window:
    days = (today - start).days
    week = 0 if days < 0 else days // 7 + 1
    latest_end = start + timedelta(weeks=targets.weeks_max)
    return Window(
        start=start,
        earliest_end=start + timedelta(weeks=targets.weeks_min),
        latest_end=latest_end,
        week=week,
        overdue=today >= latest_end,
    )


def missing(t: Totals, targets: Targets = DEFAULT_TARGETS, *, fraction: float = 1.0) -> list[str]:
    """What is still missing toward `fraction` of the minimum targets (0.5 at midpoint)."""
    out: list[str] = []
    need_coached = targets.coached_min * fraction - t.coached_hours
    need_lab = targets.lab_min * fraction - t.lab_hours
    if need_coached > 1e-9:
        out.append(f"{need_coached:.1f} more verified coached hours")
    if need_lab > 1e-9:
        out.append(f"{need_lab:.1f} more verified lab/peer-debrief hours")
    return out


def percent(value: float, target: float) -> int:
    """Bar width 0–100 toward a target."""
    if target <= 0:
        return 100
    return max(0, min(100, round(value / target * 100)))
