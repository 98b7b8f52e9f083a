"""Ledger rules without an app: hour arithmetic, targets, windows, verified-only, overlaps,
time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from coachprog.practicum.ledger import domain as d
from coachprog.practicum.ledger.domain import EntryFacts, Targets

NOW = datetime(2026, 3, 27, 17, 0, tzinfo=UTC)


def coached(minutes: int = 60, *, days_ago: int = 1, status: str = d.VERIFIED,
            coachee: str = "Client A", **kw: object) -> EntryFacts:
    return EntryFacts(kind=d.COACHED, starts_at=NOW - timedelta(days=days_ago),
                      minutes=minutes, status=status, coachee=coachee, **kw)  # type: ignore[arg-type]


def test_validate_entry_accepts_a_plain_past_session() -> None:
    assert d.validate_entry(coached(), now=NOW) == {}


def test_validate_entry_refuses_zero_and_over_eight_hours() -> None:
    assert "more than zero" in d.validate_entry(coached(0), now=NOW)["minutes"]
    assert "at most 8 hours" in d.validate_entry(coached(481), now=NOW)["minutes"]
    assert d.validate_entry(coached(480), now=NOW) == {}


def test_validate_entry_refuses_future_and_unfinished() -> None:
    future = EntryFacts(kind=d.LAB, starts_at=NOW + timedelta(minutes=1), minutes=30)
    assert "future" in d.validate_entry(future, now=NOW)["starts_at"]
    running = EntryFacts(kind=d.LAB, starts_at=NOW - timedelta(minutes=10), minutes=30)
    assert "not finished" in d.validate_entry(running, now=NOW)["starts_at"]


def test_validate_entry_needs_pseudonym_group_size_and_triad_role() -> None:
    assert "pseudonym" in d.validate_entry(coached(coachee="  "), now=NOW)["coachee"]
    assert "at least 2" in d.validate_entry(coached(is_group=True, group_size=1),
                                             now=NOW)["group_size"]
    triad = EntryFacts(kind=d.TRIAD, starts_at=NOW - timedelta(days=1), minutes=60)
    assert "coach, client or observer" in d.validate_entry(triad, now=NOW)["triad_role"]
    bad_kind = EntryFacts(kind="gardening", starts_at=NOW - timedelta(days=1), minutes=60)
    assert "kind" in d.validate_entry(bad_kind, now=NOW)


def test_validate_entry_refuses_overlap_but_not_touching_or_itself() -> None:
    first = coached(60, entry_id=1)
    clash = EntryFacts(kind=d.LAB, starts_at=first.starts_at + timedelta(minutes=30),
                       minutes=60)
    assert "Overlaps" in d.validate_entry(clash, now=NOW, others=[first])["starts_at"]
    after = EntryFacts(kind=d.LAB, starts_at=first.ends_at, minutes=60)
    assert d.validate_entry(after, now=NOW, others=[first]) == {}
    assert d.validate_entry(first, now=NOW, others=[first]) == {}


def test_validate_batch_checks_rows_against_each_other() -> None:
    a = coached(60)
    b = EntryFacts(kind=d.LAB, starts_at=a.starts_at + timedelta(minutes=15), minutes=30)
    assert list(d.validate_batch([a, b], now=NOW)) == [1]


def test_totals_count_only_verified_hours_by_bucket() -> None:
    entries = [
        coached(90, coachee="Client A"), coached(60, coachee="client  a", days_ago=2),
        coached(60, coachee="Client B", days_ago=3, pro_bono=True),
        coached(600 // 10, coachee="Client C", status=d.PENDING, days_ago=4),
        EntryFacts(kind=d.LAB, starts_at=NOW - timedelta(days=5), minutes=45,
                   status=d.VERIFIED),
        EntryFacts(kind=d.TRIAD, starts_at=NOW - timedelta(days=6), minutes=75,
                   status=d.VERIFIED, triad_role="coach"),
        EntryFacts(kind=d.SUPERVISION, starts_at=NOW - timedelta(days=7), minutes=60,
                   status=d.VERIFIED),
        EntryFacts(kind=d.MENTOR, starts_at=NOW - timedelta(days=8), minutes=30,
                   status=d.QUERIED),
    ]
    t = d.totals(entries)
    assert t.coached_hours == 3.5
    assert t.paid_hours == 2.5 and t.pro_bono_hours == 1.0
    assert t.lab_hours == 2.0
    assert t.development_hours == 1.0
    assert t.pending_hours == 1.5
    assert t.unique_coachees == 2  # "Client A" and "client  a" are one coachee


def test_totals_since_skips_older_entries() -> None:
    entries = [coached(60, days_ago=1), coached(60, days_ago=40)]
    assert d.totals(entries, since=(NOW - timedelta(days=10)).date()).coached_hours == 1.0


def test_targets_met_missing_and_gates() -> None:
    none = d.totals([])
    assert d.missing(none) == ["20 more verified coached hours",
                               "10 more verified lab/peer-debrief hours"]
    half = d.Totals(coached_hours=10, lab_hours=5, development_hours=0, pending_hours=0,
                    unique_coachees=3)
    gates = d.gate_hours(half)
    assert [(g.gate, g.met) for g in gates] == [("midpoint", True), ("final", False)]
    assert gates[1].missing == ["10 more verified coached hours",
                                "5 more verified lab/peer-debrief hours"]
    full = d.Totals(20, 10, 0, 0, 5)
    assert d.coached_target_met(full) and d.lab_target_met(full)
    custom = Targets(coached_min=25, coached_max=35)
    assert not d.coached_target_met(full, custom)
    assert d.missing(half, fraction=0.5) == []


def test_target_problems_refuse_inverted_ranges() -> None:
    assert d.target_problems(d.DEFAULT_TARGETS) == {}
    assert set(d.target_problems(Targets(coached_min=30, coached_max=20, weeks_min=0))) == {
        "coached_min", "weeks_min"}


def test_window_weeks_and_overdue() -> None:
    start = date(2026, 1, 5)
    w = d.window(start, date(2026, 1, 4))
    assert w.week == 0 and not w.overdue
    w = d.window(start, date(2026, 1, 12))
    assert w.week == 2
    assert w.earliest_end == date(2026, 3, 2) and w.latest_end == date(2026, 3, 30)
    assert w.midpoint == date(2026, 2, 2)
    assert w.weeks_total == 12
    assert d.window(start, date(2026, 3, 30)).overdue
    assert not d.window(start, date(2026, 3, 29)).overdue


def test_to_utc_handles_zones_and_dst() -> None:
    # 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
    assert d.to_utc(date(2026, 1, 15), time(9), "Europe/Berlin") == datetime(
        2026, 1, 15, 8, tzinfo=UTC)
    assert d.to_utc(date(2026, 7, 15), time(9), "Europe/Berlin") == datetime(
        2026, 7, 15, 7, tzinfo=UTC)
    assert d.to_utc(date(2026, 1, 15), time(9), "Not/AZone") == datetime(
        2026, 1, 15, 9, tzinfo=UTC)
    assert d.to_local(datetime(2026, 7, 15, 7, tzinfo=UTC), "Europe/Berlin").hour == 9


def test_percent_and_format_minutes() -> None:
    assert d.percent(5, 20) == 25 and d.percent(40, 20) == 100 and d.percent(1, 0) == 100
    assert d.format_minutes(90) == "1 h 30 min"
    assert d.format_minutes(60) == "1 h" and d.format_minutes(45) == "45 min"


# --- properties --------------------------------------------------------------------------------

statuses = st.sampled_from(d.STATUSES)
kinds = st.sampled_from(d.KINDS)
minutes = st.integers(min_value=1, max_value=d.MAX_MINUTES)
entries_strategy = st.lists(st.builds(
    lambda kind, m, status, offset, who: EntryFacts(
        kind=kind, starts_at=NOW - timedelta(minutes=offset), minutes=m, status=status,
        coachee=who if kind == d.COACHED else None),
    kinds, minutes, statuses, st.integers(0, 60 * 24 * 90), st.sampled_from("ABCD")),
    max_size=40)


@given(entries_strategy)
def test_property_totals_partition_all_logged_minutes(entries: list[EntryFacts]) -> None:
    t = d.totals(entries)
    total_minutes = sum(e.minutes for e in entries)
    counted = t.coached_hours + t.lab_hours + t.development_hours + t.pending_hours
    assert round(counted * 60) == total_minutes
    assert abs(t.paid_hours + t.pro_bono_hours - t.coached_hours) < 1e-9


@given(entries_strategy)
def test_property_unverified_entries_never_change_verified_hours(
        entries: list[EntryFacts]) -> None:
    verified = [e for e in entries if e.status == d.VERIFIED]
    a, b = d.totals(entries), d.totals(verified)
    assert (a.coached_hours, a.lab_hours, a.development_hours, a.unique_coachees) == (
        b.coached_hours, b.lab_hours, b.development_hours, b.unique_coachees)


@given(st.integers(0, 10_000), minutes, st.integers(-600, 600), minutes)
def test_property_overlap_is_symmetric_and_matches_interval_arithmetic(
        start_a: int, len_a: int, shift: int, len_b: int) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    a = EntryFacts(kind=d.LAB, starts_at=base + timedelta(minutes=start_a), minutes=len_a)
    b = EntryFacts(kind=d.LAB, starts_at=a.starts_at + timedelta(minutes=shift), minutes=len_b)
    assert d.overlaps(a, b) == d.overlaps(b, a)
    expected = max(start_a, start_a + shift) < min(start_a + len_a, start_a + shift + len_b)
    assert d.overlaps(a, b) == expected


@given(st.lists(minutes, min_size=1, max_size=10))
def test_property_back_to_back_entries_are_all_accepted(lengths: list[int]) -> None:
    start = NOW - timedelta(days=3)
    batch = []
    for m in lengths:
        batch.append(EntryFacts(kind=d.LAB, starts_at=start, minutes=m))
        start += timedelta(minutes=m)
    assert d.validate_batch(batch, now=NOW) == {}


@given(st.floats(0, 100), st.floats(0, 100), st.floats(0.5, 60), st.floats(0.5, 60))
def test_property_targets_met_exactly_when_nothing_missing(
        coached_h: float, lab_h: float, c_min: float, l_min: float) -> None:
    targets = Targets(coached_min=c_min, coached_max=c_min * 1.5, lab_min=l_min,
                      lab_max=l_min * 1.5)
    t = d.Totals(coached_h, lab_h, 0, 0, 0)
    final = d.gate_hours(t, targets)[1]
    both = d.coached_target_met(t, targets) and d.lab_target_met(t, targets)
    assert final.met == (not d.missing(t, targets))
    if final.met:
        assert both
    assert 0 <= d.percent(coached_h, c_min) <= 100


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
       st.integers(-400, 400), st.integers(1, 20), st.integers(0, 10))
def test_property_window_is_ordered_and_week_counts_from_start(
        start: date, offset: int, w_min: int, extra: int) -> None:
    targets = Targets(weeks_min=w_min, weeks_max=w_min + extra)
    today = start + timedelta(days=offset)
    w = d.window(start, today, targets)
    assert w.start <= w.midpoint <= w.earliest_end <= w.latest_end
    assert w.week == (0 if offset < 0 else offset // 7 + 1)
    assert w.overdue == (today >= w.latest_end)


# Hypothesis takes naive bounds and draws naive values; the test makes them UTC.
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),  # noqa: DTZ001
       st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata",
                        "Australia/Lord_Howe"]))
def test_property_local_round_trip_to_utc(moment: datetime, zone: str) -> None:
    instant = moment.replace(tzinfo=UTC)
    local = d.to_local(instant, zone)
    back = d.to_utc(local.date(), local.time(), zone)
    # Outside a DST fold the wall-clock time names exactly one instant.
    if local.fold == 0:
        assert back == instant
    assert back.tzinfo is UTC or back.utcoffset() == timedelta(0)


def test_entries_before_the_enrolment_are_refused_in_the_trainees_zone() -> None:
    # 23:30 UTC on the day before is already the enrolment day in Berlin.
    late = EntryFacts(kind=d.LAB, starts_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
                      minutes=20)
    assert "before the enrolment on 2026-03-02" in d.validate_entry(
        late, now=NOW, enrolled_on=date(2026, 3, 2))["starts_at"]
    assert d.validate_entry(late, now=NOW, enrolled_on=date(2026, 3, 2),
                            zone="Europe/Berlin") == {}
    assert d.validate_entry(late, now=NOW, enrolled_on=date(2026, 3, 1)) == {}
