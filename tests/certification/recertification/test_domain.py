"""Recertification rules without the app: the cycle window, when recertification opens, who may
be recertified (active, lapsed; never revoked or superseded), the text rules for the outcomes
brief and the peer review (length, control characters, e-mail addresses), the peer rule, the
page's stage and the renewal plan (early: no time lost; late: from today)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.certification import domain as d
from coachprog.certification.recertification import domain as r

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
statuses = st.sampled_from([s.value for s in d.CertStatus])
BRIEF = "Clients moved their goals forward this cycle. " * 8  # 376 characters
REVIEW = "I observed two sessions and discussed a third with the coach. " * 3


# --- the cycle window -------------------------------------------------------------------------


def test_cycle_starts_at_issue_or_last_renewal():
    assert r.cycle_window(date(2026, 1, 5), None, date(2026, 12, 1)) == r.CycleWindow(
        date(2026, 1, 5), date(2026, 12, 1))
    assert r.cycle_window(date(2025, 1, 5), date(2026, 2, 1), date(2026, 12, 1)).start == \
        date(2026, 2, 1)


def test_window_includes_both_ends_and_reads_instants_in_utc():
    w = r.CycleWindow(date(2026, 1, 1), date(2026, 1, 31))
    assert w.contains(date(2026, 1, 1)) and w.contains(date(2026, 1, 31))
    assert not w.contains(date(2025, 12, 31)) and not w.contains(date(2026, 2, 1))
    late_evening_west = datetime(2025, 12, 31, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert w.contains_instant(late_evening_west)  # 01:00 UTC on 1 January
    assert w.start_instant() == datetime(2026, 1, 1, tzinfo=UTC)
    assert w.end_instant() == datetime(2026, 2, 1, tzinfo=UTC)


def test_future_dated_window_is_empty():
    w = r.cycle_window(date(2026, 5, 1), None, date(2026, 4, 30))
    assert w.empty and not w.contains(date(2026, 5, 1))
    assert w.end_instant() == w.start_instant()


@given(start=dates, length=st.integers(0, 800), probe=st.integers(-5, 805))
def test_property_window_contains_exactly_the_days_between(start, length, probe):
    w = r.CycleWindow(start, start + timedelta(days=length))
    day = start + timedelta(days=probe)
    assert w.contains(day) == (0 <= probe <= length)
    # The instants agree with the days: [start_instant, end_instant).
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    assert (w.start_instant() <= at < w.end_instant()) == w.contains(day)


# --- opening window and eligibility -----------------------------------------------------------


def test_opens_at_the_largest_reminder_before_the_due_date():
    assert r.opens_on(date(2027, 3, 2)) == date(2027, 3, 2) - timedelta(days=60)
    assert r.opens_on(date(2027, 3, 2), (7, 30)) == date(2027, 1, 31)
    assert r.opens_on(date(2027, 3, 2), ()) == date(2027, 3, 2)


def test_active_certification_opens_sixty_days_before_due():
    due = date(2027, 3, 2)
    problems = r.eligibility_problems("active", due, due - timedelta(days=61))
    assert len(problems) == 1 and "opens on 2027-01-01" in problems[0]
    assert "60 days before" in problems[0]
    assert r.eligibility_problems("active", due, due - timedelta(days=60)) == []
    assert r.eligibility_problems("active", due, due) == []


def test_overdue_and_lapsed_stay_open():
    due = date(2027, 3, 2)
    assert r.eligibility_problems("active", due, due + timedelta(days=1)) == []
    assert r.eligibility_problems("lapsed", due, due + timedelta(days=400)) == []
    assert r.is_overdue(due, due + timedelta(days=1)) and not r.is_overdue(due, due)


def test_revoked_superseded_and_unknown_are_never_recertified():
    due = date(2027, 3, 2)
    assert "revoked" in r.eligibility_problems("revoked", due, due)[0]
    assert "replaced" in r.eligibility_problems("superseded", due, due)[0]
    assert "pending" in r.eligibility_problems("pending", due, due)[0]


@given(status=statuses, due=dates, offset=st.integers(-500, 500))
def test_property_eligible_only_when_recertifiable_and_open(status, due, offset):
    today = due + timedelta(days=offset)
    eligible = not r.eligibility_problems(status, due, today)
    assert eligible == (status in r.RECERTIFIABLE and offset >= -60)


# --- text rules -------------------------------------------------------------------------------


def test_brief_needs_text_of_the_right_length():
    assert r.outcomes_brief_problems("") == ["Write the outcomes brief."]
    assert r.outcomes_brief_problems("   \n ") == ["Write the outcomes brief."]
    short = r.outcomes_brief_problems("Too short.")
    assert short == ["The outcomes brief is 10 characters; write at least 300."]
    assert r.outcomes_brief_problems(BRIEF) == []
    assert "keep it to 10000" in r.outcomes_brief_problems("x" * 10_001)[0]
    assert r.outcomes_brief_problems("x" * 10_000) == []


def test_brief_length_counts_without_surrounding_whitespace():
    exact = "x" * r.MIN_BRIEF_CHARS
    assert r.outcomes_brief_problems(f"  {exact}\n\n") == []
    assert r.outcomes_brief_problems(f"  {exact[1:]}  ") != []


@pytest.mark.parametrize("address", ["ana.lopez@example.com", "a+b@mail.example.org",
                                     "X_Y@sub.domain.co"])
def test_email_addresses_identify_clients_and_are_refused(address):
    problems = r.outcomes_brief_problems(f"{BRIEF} Contact: {address}.")
    assert problems == ["The outcomes brief contains an e-mail address: describe clients "
                        "without identifying them."]
    assert "e-mail" in r.peer_review_problems(f"{REVIEW} {address}")[0]


def test_at_signs_that_are_not_addresses_pass():
    assert r.outcomes_brief_problems(f"{BRIEF} Met @ the office, 3 @ 5 pm.") == []


def test_control_characters_are_refused_but_tabs_and_newlines_pass():
    assert "control characters" in r.outcomes_brief_problems(BRIEF + "\x00")[0]
    assert "control characters" in r.peer_review_problems(REVIEW + "\x1b[0m")[0]
    assert r.outcomes_brief_problems(BRIEF.replace(". ", ".\n\t")) == []


def test_every_problem_is_reported_at_once():
    problems = r.peer_review_problems("short \x07 me@example.com")
    assert len(problems) == 3


def test_peer_review_bounds():
    assert r.peer_review_problems("") == ["Write the peer review."]
    assert r.peer_review_problems("y" * 149)[0].endswith("write at least 150.")
    assert r.peer_review_problems("y" * 150) == []
    assert r.peer_review_problems("y" * 5_001)[0].endswith("keep it to 5000.")


def test_clean_text_trims_and_normalises_line_ends():
    assert r.clean_text("  a\r\nb\r\n ") == "a\nb"


@given(text=st.text(max_size=400))
def test_property_clean_text_is_idempotent_and_problems_stable(text):
    cleaned = r.clean_text(text)
    assert r.clean_text(cleaned) == cleaned
    assert "\r\n" not in cleaned
    if "\r" not in text:  # a lone CR is a control character either way
        assert bool(r.peer_review_problems(cleaned)) == bool(r.peer_review_problems(text))


@given(local=st.from_regex(r"[a-z0-9._]{1,12}", fullmatch=True),
       domain=st.from_regex(r"[a-z0-9]{1,10}\.[a-z]{2,4}", fullmatch=True))
def test_property_any_address_in_a_good_brief_is_refused(local, domain):
    assert any("e-mail" in p for p in r.outcomes_brief_problems(f"{BRIEF} {local}@{domain}"))


def test_withdraw_needs_a_reason():
    assert r.withdraw_problems("") != []
    assert r.withdraw_problems("   too short  ") != []  # 9 characters once trimmed
    assert r.withdraw_problems("  ten chars! ") == []
    assert r.withdraw_problems("Coach on leave until spring.") == []


# --- the peer rule ----------------------------------------------------------------------------


def test_peer_must_be_another_currently_certified_coach():
    today = date(2026, 6, 1)
    current = [r.HeldCertification("active", date(2026, 12, 1))]
    assert r.peer_problems(reviewer_person_id=None, coach_person_id=1, reviewer_held=current,
                           today=today)[0].startswith("A peer review is written by a coach")
    assert "another coach" in r.peer_problems(reviewer_person_id=1, coach_person_id=1,
                                              reviewer_held=current, today=today)[0]
    assert r.peer_problems(reviewer_person_id=2, coach_person_id=1, reviewer_held=current,
                           today=today) == []
    for held in ([], [r.HeldCertification("lapsed", date(2026, 12, 1))],
                 [r.HeldCertification("revoked", date(2026, 12, 1))],
                 [r.HeldCertification("superseded", date(2026, 12, 1))],
                 [r.HeldCertification("active", date(2026, 5, 31))]):
        assert "no current certification" in r.peer_problems(
            reviewer_person_id=2, coach_person_id=1, reviewer_held=held, today=today)[0]


def test_certified_on_the_due_date_itself():
    assert r.is_certified([r.HeldCertification("active", date(2026, 6, 1))], date(2026, 6, 1))
    assert not r.is_certified([r.HeldCertification("active", date(2026, 6, 1))],
                              date(2026, 6, 2))


# --- the review and the stage -----------------------------------------------------------------


def test_review_problems():
    assert "not been started" in r.review_problems(r.ReviewFacts(None))[0]
    assert "not scored yet" in r.review_problems(r.ReviewFacts("open"))[0]
    assert "moderation" in r.review_problems(r.ReviewFacts("moderation"))[0]
    assert "did not pass" in r.review_problems(r.ReviewFacts("closed", passed=False))[0]
    assert r.review_problems(r.ReviewFacts("closed", passed=True)) == []


DUE = date(2027, 3, 2)


@pytest.mark.parametrize(("status", "today", "complete", "review", "expected"), [
    ("active", DUE - timedelta(days=61), True, None, r.Stage.NOT_YET_OPEN),
    ("active", DUE - timedelta(days=60), False, None, r.Stage.GATHERING),
    ("active", DUE - timedelta(days=10), True, None, r.Stage.READY_FOR_REVIEW),
    ("lapsed", DUE + timedelta(days=90), False, None, r.Stage.GATHERING),
    ("lapsed", DUE + timedelta(days=90), True, None, r.Stage.READY_FOR_REVIEW),
    ("active", DUE, True, r.ReviewFacts("open"), r.Stage.REVIEW_IN_PROGRESS),
    ("active", DUE, True, r.ReviewFacts("moderation"), r.Stage.REVIEW_IN_PROGRESS),
    ("active", DUE, True, r.ReviewFacts("closed", passed=False), r.Stage.REVIEW_NOT_PASSED),
    ("active", DUE, True, r.ReviewFacts("closed", passed=True), r.Stage.AWAITING_APPROVAL),
    ("revoked", DUE, True, r.ReviewFacts("closed", passed=True), r.Stage.NOT_RECERTIFIABLE),
    ("superseded", DUE, True, None, r.Stage.NOT_RECERTIFIABLE),
])
def test_stage(status, today, complete, review, expected):
    assert r.stage(status=status, valid_until=DUE, today=today, evidence_complete=complete,
                   review=review) is expected


def test_every_stage_has_a_label():
    assert set(r.STAGE_LABELS) == set(r.Stage)


@given(status=statuses, due=dates, offset=st.integers(-400, 400), complete=st.booleans(),
       review=st.one_of(st.none(), st.builds(r.ReviewFacts,
                                             st.sampled_from([None, "open", "moderation",
                                                              "closed"]),
                                             st.one_of(st.none(), st.booleans()))))
def test_property_stage_agrees_with_the_rules(status, due, offset, complete, review):
    today = due + timedelta(days=offset)
    s = r.stage(status=status, valid_until=due, today=today, evidence_complete=complete,
                review=review)
    if status not in r.RECERTIFIABLE:
        assert s is r.Stage.NOT_RECERTIFIABLE
    elif review is None:
        opened = not r.eligibility_problems(status, due, today)
        assert (s is r.Stage.NOT_YET_OPEN) == (not opened)
        if opened:
            assert s is (r.Stage.READY_FOR_REVIEW if complete else r.Stage.GATHERING)
    else:
        # Approval is possible exactly when the review has nothing against it.
        assert (s is r.Stage.AWAITING_APPROVAL) == (not r.review_problems(review))


# --- renewal ----------------------------------------------------------------------------------


def test_early_renewal_loses_no_time():
    plan = r.plan_renewal(date(2027, 3, 2), date(2027, 1, 15))
    assert plan == r.Renewal(issued_on=date(2027, 1, 15), valid_until=date(2028, 3, 2),
                             late=False)


def test_renewal_on_the_due_date_is_not_late():
    plan = r.plan_renewal(date(2027, 3, 2), date(2027, 3, 2))
    assert plan.valid_until == date(2028, 3, 2) and not plan.late


def test_late_renewal_runs_from_today():
    plan = r.plan_renewal(date(2027, 3, 2), date(2027, 5, 10), cycle_months=18)
    assert plan == r.Renewal(issued_on=date(2027, 5, 10), valid_until=date(2028, 11, 10),
                             late=True)


def test_renewal_clamps_to_month_end_and_checks_the_cycle():
    assert r.plan_renewal(date(2027, 2, 28), date(2028, 2, 29)).valid_until == \
        date(2029, 2, 28)
    with pytest.raises(ValueError, match="12–18 months"):
        r.plan_renewal(date(2027, 3, 2), date(2027, 3, 1), cycle_months=24)


@given(due=dates, offset=st.integers(-60, 400), months=st.integers(12, 18))
def test_property_renewal_keeps_remaining_time_and_never_goes_back(due, offset, months):
    today = due + timedelta(days=offset)
    plan = r.plan_renewal(due, today, months)
    assert plan.issued_on == today
    assert plan.late == (today > due)
    assert plan.valid_until > due and plan.valid_until > today
    if plan.late:
        assert plan.valid_until == d.due_date(today, months)
    else:
        # No time lost: the whole remainder of the old cycle is kept, plus one cycle.
        assert plan.valid_until == d.due_date(due, months)
        assert (plan.valid_until - today) >= (due - today)


def test_stage_walks_through_the_flow_in_order():
    """One cycle as the page sees it: not open, gathering, ready, scored, approved-to-be."""
    steps = [
        (DUE - timedelta(days=90), False, None),
        (DUE - timedelta(days=50), False, None),
        (DUE - timedelta(days=20), True, None),
        (DUE - timedelta(days=15), True, r.ReviewFacts("open")),
        (DUE - timedelta(days=10), True, r.ReviewFacts("closed", passed=True)),
    ]
    seen = [r.stage(status="active", valid_until=DUE, today=day, evidence_complete=complete,
                    review=review) for day, complete, review in steps]
    assert seen == [r.Stage.NOT_YET_OPEN, r.Stage.GATHERING, r.Stage.READY_FOR_REVIEW,
                    r.Stage.REVIEW_IN_PROGRESS, r.Stage.AWAITING_APPROVAL]
    # Lapsing while gathering keeps the recertification open.
    assert r.stage(status="lapsed", valid_until=DUE, today=DUE + timedelta(days=1),
                   evidence_complete=False, review=None) is r.Stage.GATHERING


@given(text=st.text(alphabet=st.characters(codec="utf-8"), min_size=140, max_size=600))
def test_property_accepted_text_is_within_bounds_and_names_no_address(text):
    if not r.peer_review_problems(text):
        body = text.strip()
        assert r.MIN_PEER_REVIEW_CHARS <= len(body) <= r.MAX_PEER_REVIEW_CHARS
        assert not r._EMAIL.search(body) and not r._CONTROL.search(body)
