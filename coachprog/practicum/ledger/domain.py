"""Practicum hours ledger: pure rules (targets, windows, verified-only hours, overlaps).

Policy (issue 6): a trainee logs coached sessions, reflective labs, peer triads, supervision and
mentor coaching; one entry lasts more than 0 and at most 8 hours, never lies in the future and
never overlaps another of the trainee's entries. Only entries their supervisor verified count
toward the program's targets (defaults 20–30 coached hours, 10–15 lab/peer-debrief hours, an
8–12 week window). Times are stored as UTC instants; the trainee types local wall-clock time.

No Flask, no SQLAlchemy: services translate rows into `EntryFacts` and call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Entry kinds and which total they feed.
COACHED = "coached_session"
LAB = "reflective_lab"
TRIAD = "peer_triad"
SUPERVISION = "supervision"
MENTOR = "mentor_coaching"
KINDS = (COACHED, LAB, TRIAD, SUPERVISION, MENTOR)
KIND_LABELS = {
    COACHED: "Coached session",
    LAB: "Reflective lab",
    TRIAD: "Peer triad",
    SUPERVISION: "Supervision",
    MENTOR: "Mentor coaching",
}
LAB_KINDS = frozenset({LAB, TRIAD})
DEVELOPMENT_KINDS = frozenset({SUPERVISION, MENTOR})
TRIAD_ROLES = ("coach", "client", "observer")
SUPERVISION_FORMATS = ("one_to_one", "group")

# Entry statuses. Only VERIFIED hours count.
PENDING = "pending"
VERIFIED = "verified"
QUERIED = "queried"
STATUSES = (PENDING, VERIFIED, QUERIED)

MAX_MINUTES = 8 * 60
MAX_GROUP_SIZE = 50
MIDPOINT_FRACTION = 0.5


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


def target_problems(t: Targets) -> dict[str, str]:
    """Field -> message when a program's targets make no sense."""
    errors: dict[str, str] = {}
    if not 0 < t.coached_min <= t.coached_max:
        errors["coached_min"] = ("Coached hours: the minimum must be above 0 and at most the "
                                 "maximum.")
    if not 0 < t.lab_min <= t.lab_max:
        errors["lab_min"] = "Lab hours: the minimum must be above 0 and at most the maximum."
    if not 1 <= t.weeks_min <= t.weeks_max <= 104:
        errors["weeks_min"] = "Weeks: the minimum must be at least 1 and at most the maximum."
    return errors


@dataclass(frozen=True)
class EntryFacts:
    """What the rules need to know about one ledger entry."""

    kind: str
    starts_at: datetime  # timezone-aware
    minutes: int
    status: str = PENDING
    entry_id: int | None = None
    coachee: str | None = None  # the coachee's pseudonym (coached sessions only)
    is_group: bool = False
    group_size: int | None = None
    triad_role: str | None = None
    pro_bono: bool = False

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


def coachee_key(pseudonym: str | None) -> str | None:
    """Pseudonyms compare without case or surrounding/repeated spaces ("Client  a" = "client A")."""
    if pseudonym is None:
        return None
    key = " ".join(pseudonym.split()).casefold()
    return key or None


def validate_entry(
    entry: EntryFacts, *, now: datetime, others: Iterable[EntryFacts] = (),
    enrolled_on: date | None = None, zone: str = "UTC",
) -> dict[str, str]:
    """Field name -> message for every rule the entry breaks; empty when it may be saved.
    `others` are the trainee's other entries (the entry itself is skipped by id); practice
    counts only from the enrolment's start date (`enrolled_on`, a day in `zone`)."""
    errors: dict[str, str] = {}
    if entry.kind not in KINDS:
        errors["kind"] = "Choose an activity type."
    if entry.minutes <= 0:
        errors["minutes"] = "Duration must be more than zero minutes."
    elif entry.minutes > MAX_MINUTES:
        errors["minutes"] = "One entry can be at most 8 hours; split longer days."
    if entry.starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    if entry.starts_at > now:
        errors["starts_at"] = "The date is in the future: log activities after they happen."
    elif entry.minutes > 0 and entry.ends_at > now:
        errors["starts_at"] = "This activity has not finished yet: log it once it has."
    elif enrolled_on is not None and to_local(entry.starts_at, zone).date() < enrolled_on:
        errors["starts_at"] = (f"The date is before the enrolment on {enrolled_on:%Y-%m-%d}: "
                               "only practice since then counts.")
    if entry.kind == COACHED and coachee_key(entry.coachee) is None:
        errors["coachee"] = "Give the coachee's pseudonym (never their name)."
    if entry.is_group and (entry.group_size is None or entry.group_size < 2):
        errors["group_size"] = "A group session needs a group size of at least 2."
    elif entry.group_size is not None and entry.group_size > MAX_GROUP_SIZE:
        errors["group_size"] = f"A group has at most {MAX_GROUP_SIZE} people."
    if entry.kind == TRIAD and entry.triad_role not in TRIAD_ROLES:
        errors["triad_role"] = "Say which role you played: coach, client or observer."
    if "minutes" not in errors and "starts_at" not in errors:
        clash = first_overlap(entry, others)
        if clash is not None:
            start = clash.starts_at.astimezone(UTC)
            end = clash.ends_at.astimezone(UTC)
            errors["starts_at"] = (
                f"Overlaps another entry of yours ({start:%Y-%m-%d %H:%M}–{end:%H:%M} UTC)."
            )
    return errors


def validate_batch(
    entries: Sequence[EntryFacts], *, now: datetime, existing: Iterable[EntryFacts] = ()
) -> dict[int, dict[str, str]]:
    """Row index -> field errors for several new entries logged at once: each is checked
    against the stored entries and against the rows before it in the same batch."""
    stored = list(existing)
    problems: dict[int, dict[str, str]] = {}
    accepted: list[EntryFacts] = []
    for index, entry in enumerate(entries):
        errors = validate_entry(entry, now=now, others=[*stored, *accepted])
        if errors:
            problems[index] = errors
        else:
            accepted.append(entry)
    return problems


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


def to_utc(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of a local wall-clock time in `zone` (IANA name; unknown means UTC).
    In a DST gap or fold the first reading (fold=0) wins, as zoneinfo defines."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def to_local(value: datetime, zone: str) -> datetime:
    """A stored UTC instant as wall-clock time in `zone` (unknown means UTC)."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return value.astimezone(tz)


@dataclass(frozen=True)
class Totals:
    coached_hours: float
    lab_hours: float
    development_hours: float
    pending_hours: float  # logged, not (yet) verified: pending or queried
    unique_coachees: int
    paid_hours: float = 0.0  # verified coached hours, paid or internal
    pro_bono_hours: float = 0.0  # verified coached hours, pro bono


def totals(entries: Iterable[EntryFacts], *, since: date | None = None) -> Totals:
    """Verified hours per bucket (pending/queried hours reported apart, never counted).
    Minutes are summed as integers and divided once, so no rounding drifts."""
    coached = lab = dev = pending = paid = pro_bono = 0
    coachees: set[str] = set()
    for e in entries:
        if since is not None and e.starts_at.astimezone(UTC).date() < since:
            continue
        if e.status != VERIFIED:
            pending += e.minutes
            continue
        if e.kind == COACHED:
            coached += e.minutes
            if e.pro_bono:
                pro_bono += e.minutes
            else:
                paid += e.minutes
            key = coachee_key(e.coachee)
            if key is not None:
                coachees.add(key)
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
        paid_hours=paid / 60,
        pro_bono_hours=pro_bono / 60,
    )


def coached_target_met(t: Totals, targets: Targets = DEFAULT_TARGETS) -> bool:
    return t.coached_hours + 1e-9 >= targets.coached_min


def lab_target_met(t: Totals, targets: Targets = DEFAULT_TARGETS) -> bool:
    return t.lab_hours + 1e-9 >= targets.lab_min


@dataclass(frozen=True)
class Window:
    start: date
    earliest_end: date
    latest_end: date
    midpoint: date
    week: int  # 1-based week number today; 0 before start
    overdue: bool  # on or past the latest end

    @property
    def weeks_total(self) -> int:
        return (self.latest_end - self.start).days // 7


def window(start: date, today: date, targets: Targets = DEFAULT_TARGETS) -> Window:
    """The practicum window: it may end from `weeks_min` weeks after the start and must by
    `weeks_max`; the midpoint gate falls halfway to the earliest end."""
    days = (today - start).days
    week = 0 if days < 0 else days // 7 + 1
    latest_end = start + timedelta(weeks=targets.weeks_max)
    earliest_end = start + timedelta(weeks=targets.weeks_min)
    return Window(
        start=start,
        earliest_end=earliest_end,
        latest_end=latest_end,
        midpoint=start + (earliest_end - start) // 2,
        week=week,
        overdue=today >= latest_end,
    )


def _hours(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def missing(t: Totals, targets: Targets = DEFAULT_TARGETS, *, fraction: float = 1.0) -> list[str]:
    """What is still missing toward `fraction` of the minimum targets (0.5 at midpoint)."""
    out: list[str] = []
    need_coached = targets.coached_min * fraction - t.coached_hours
    need_lab = targets.lab_min * fraction - t.lab_hours
    if need_coached > 1e-9:
        out.append(f"{_hours(need_coached)} more verified coached hours")
    if need_lab > 1e-9:
        out.append(f"{_hours(need_lab)} more verified lab/peer-debrief hours")
    return out


@dataclass(frozen=True)
class GateStatus:
    gate: str  # "midpoint" | "final"
    label: str  # "Hours on track" | "Hour targets met"
    met: bool
    missing: list[str]


def gate_hours(t: Totals, targets: Targets = DEFAULT_TARGETS) -> list[GateStatus]:
    """The hours side of each gate: on track at midpoint (half the minimums), met at final."""
    mid = missing(t, targets, fraction=MIDPOINT_FRACTION)
    final = missing(t, targets)
    return [
        GateStatus("midpoint", "Hours on track", not mid, mid),
        GateStatus("final", "Hour targets met", not final, final),
    ]


def percent(value: float, target: float) -> int:
    """Bar width 0–100 toward a target."""
    if target <= 0:
        return 100
    return max(0, min(100, round(value / target * 100)))


def format_minutes(minutes: int) -> str:
    """90 -> "1 h 30 min"; 60 -> "1 h"; 45 -> "45 min"."""
    hours, rest = divmod(max(0, minutes), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"
