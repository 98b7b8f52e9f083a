"""Recertification as an evidence review: pure rules.

Policy (issue 8):
- A certification is recertified on the evidence of its cycle: the window from the day it was
  issued (or last renewed) until now. The evidence is at least one observed or recorded
  session scored in the window, a client outcomes brief, a peer review by another certified
  coach, and continuing development hours (verified supervision and mentor coaching; the
  minimum is in rubrics/certification/levels.yaml, default 10 hours).
- Recertification opens within the reminder window before the due date (60 days by default),
  stays open once the due date has passed, and stays open after the certification lapsed: a
  lapsed coach who recertifies is restored to active. Revoked and superseded certifications
  are never recertified (a revoked coach starts again through a certification decision).
- A master coach scores the evidence with the recertification rubric; the decision is then
  approved by two people (the rule in `domain.approval_problems`). Approval renews: a new
  certification issued today with a fresh verification code, due one cycle after the old due
  date when renewed early (no time lost) or after today when renewed late; the old
  certification is superseded.
- An outcomes brief and a peer review are text, long enough to be evidence, short enough to be
  read, and they must not identify clients (no e-mail addresses).

Only the standard library and the certification domain: the time-dependent rules take `today`
(the services pass the injectable clock's date).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from coachprog.certification.domain import (
    DEFAULT_CYCLE_MONTHS,
    DEFAULT_REMINDER_DAYS,
    CertStatus,
    days_left,
    renewed_due_date,
)
from coachprog.glossary import LabelledEnum, labels

DEFAULT_DEVELOPMENT_HOURS = 10.0
MIN_BRIEF_CHARS = 300
MAX_BRIEF_CHARS = 10_000
MIN_PEER_REVIEW_CHARS = 150
MAX_PEER_REVIEW_CHARS = 5_000
MIN_WITHDRAW_REASON = 10

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

RECERTIFIABLE = frozenset({CertStatus.ACTIVE.value, CertStatus.LAPSED.value})


class Stage(LabelledEnum):
    """Where a coach's recertification stands (the page's headline)."""

    # before the window
    NOT_YET_OPEN = "not_yet_open", "Not open yet"
    # window open, evidence incomplete
    GATHERING = "gathering", "Gathering evidence"
    # evidence complete, no review yet
    READY_FOR_REVIEW = "ready_for_review", "Evidence complete: ready for the review"
    # rubric assessment open
    REVIEW_IN_PROGRESS = "review_in_progress", "Evidence review being scored"
    # scored, did not pass: withdraw and start again
    REVIEW_NOT_PASSED = "review_not_passed", "Evidence review did not pass"
    # scored and passed: two approvals to go
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting two approvals"
    # revoked or superseded
    NOT_RECERTIFIABLE = "not_recertifiable", "Cannot be recertified"


STAGE_LABELS: dict[Stage, str] = labels(Stage)


# --- the cycle window ------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleWindow:
    """The days whose evidence counts for this cycle: `start` to `end`, both included. Empty
    when `start` is after `end` (a certification dated in the future)."""

    start: date
    end: date

    @property
    def empty(self) -> bool:
        return self.start > self.end

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def contains_instant(self, at: datetime) -> bool:
        """An instant (timezone-aware) falls in the window by its UTC date."""
        return self.contains(at.astimezone(UTC).date())

    def start_instant(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    def end_instant(self) -> datetime:
        """The first instant after the window (exclusive bound for queries)."""
        return self.start_instant() + timedelta(days=(self.end - self.start).days + 1) \
            if not self.empty else self.start_instant()


def cycle_window(issued_on: date, last_recertified_on: date | None, today: date) -> CycleWindow:
    """Since the certification was issued or last renewed, until today."""
    start = last_recertified_on if last_recertified_on is not None else issued_on
    return CycleWindow(start=start, end=today)


# --- may this certification be recertified now? ---------------------------------------------


def opens_on(valid_until: date, reminder_days: Iterable[int] = DEFAULT_REMINDER_DAYS) -> date:
    """The first day recertification may be started: the largest reminder before the due date."""
    return valid_until - timedelta(days=max(reminder_days, default=0))


def eligibility_problems(status: str, valid_until: date, today: date,
                         reminder_days: Iterable[int] = DEFAULT_REMINDER_DAYS) -> list[str]:
    """Why this certification cannot be recertified today (empty: it can). Overdue and lapsed
    certifications can; revoked and superseded ones cannot."""
    if status == CertStatus.REVOKED.value:
        return ["A revoked certification is not recertified; the coach would need a new "
                "certification decision."]
    if status == CertStatus.SUPERSEDED.value:
        return ["This certification has been replaced; recertify the current one."]
    if status not in RECERTIFIABLE:
        return [f"A certification that is {status} is not recertified."]
    first = opens_on(valid_until, reminder_days)
    if today < first:
        return [f"Recertification opens on {first.isoformat()}, "
                f"{days_left(valid_until, first)} days before the due date "
                f"({valid_until.isoformat()})."]
    return []


def is_overdue(valid_until: date, today: date) -> bool:
    return today > valid_until


# --- evidence people write ------------------------------------------------------------------


def _text_problems(text: str, *, what: str, minimum: int, maximum: int) -> list[str]:
    body = text.strip()
    problems: list[str] = []
    if not body:
        return [f"Write the {what}."]
    if len(body) < minimum:
        problems.append(f"The {what} is {len(body)} characters; write at least {minimum}.")
    if len(body) > maximum:
        problems.append(f"The {what} is {len(body)} characters; keep it to {maximum}.")
    if _CONTROL.search(body):
        problems.append(f"The {what} contains control characters; paste it as plain text.")
    if _EMAIL.search(body):
        problems.append(f"The {what} contains an e-mail address: describe clients without "
                        f"identifying them.")
    return problems


def clean_text(text: str) -> str:
    """What is stored: trimmed, with Windows line ends made plain."""
    return text.replace("\r\n", "\n").strip()


def outcomes_brief_problems(text: str) -> list[str]:
    """A client outcomes brief: what changed for clients in the cycle and how it is known."""
    return _text_problems(text, what="outcomes brief", minimum=MIN_BRIEF_CHARS,
                          maximum=MAX_BRIEF_CHARS)


@dataclass(frozen=True)
class HeldCertification:
    """One certification a prospective peer holds: enough to tell whether it is current."""

    status: str
    valid_until: date


def is_certified(held: Iterable[HeldCertification], today: date) -> bool:
    """Holds an active certification that is not past its due date."""
    return any(c.status == CertStatus.ACTIVE.value and today <= c.valid_until for c in held)


def peer_problems(*, reviewer_person_id: int | None, coach_person_id: int,
                  reviewer_held: Iterable[HeldCertification], today: date) -> list[str]:
    """Who may write a coach's peer review: another coach holding a current certification."""
    if reviewer_person_id is None:
        return ["A peer review is written by a coach: your account is not linked to a person "
                "in the directory."]
    if reviewer_person_id == coach_person_id:
        return ["A peer review is written by another coach, not by the coach themselves."]
    if not is_certified(reviewer_held, today):
        return ["A peer review is written by a certified coach: you hold no current "
                "certification."]
    return []


def peer_review_problems(text: str) -> list[str]:
    return _text_problems(text, what="peer review", minimum=MIN_PEER_REVIEW_CHARS,
                          maximum=MAX_PEER_REVIEW_CHARS)


def withdraw_problems(reason: str) -> list[str]:
    if len(reason.strip()) < MIN_WITHDRAW_REASON:
        return [f"Give the reason for withdrawing (at least {MIN_WITHDRAW_REASON} "
                f"characters)."]
    return []


# --- the rubric-scored review -----------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFacts:
    """The recertification rubric assessment behind a decision: None status means none."""

    status: str | None
    passed: bool | None = None


def review_problems(review: ReviewFacts) -> list[str]:
    """Why the evidence review does not yet allow approval."""
    if review.status is None:
        return ["The evidence review has not been started."]
    if review.status != "closed":
        return [f"The evidence review is not scored yet (its assessment is {review.status})."]
    if not review.passed:
        return ["The evidence review did not pass the recertification rubric: withdraw this "
                "recertification, gather further evidence and start a new review."]
    return []


def stage(*, status: str, valid_until: date, today: date, evidence_complete: bool,
          review: ReviewFacts | None,
          reminder_days: Iterable[int] = DEFAULT_REMINDER_DAYS) -> Stage:
    """The headline of the recertification page. `review` is None while no recertification
    decision is pending."""
    if status not in RECERTIFIABLE:
        return Stage.NOT_RECERTIFIABLE
    if review is not None:
        if review.status != "closed":
            return Stage.REVIEW_IN_PROGRESS
        return Stage.AWAITING_APPROVAL if review.passed else Stage.REVIEW_NOT_PASSED
    if eligibility_problems(status, valid_until, today, reminder_days):
        return Stage.NOT_YET_OPEN
    return Stage.READY_FOR_REVIEW if evidence_complete else Stage.GATHERING


# --- renewal ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Renewal:
    issued_on: date
    valid_until: date
    late: bool  # renewed after the due date (overdue or lapsed): restored from today


def plan_renewal(previous_due: date, today: date,
                 cycle_months: int = DEFAULT_CYCLE_MONTHS) -> Renewal:
    """The renewed certification: issued today, due one cycle after the old due date (early)
    or after today (late)."""
    return Renewal(issued_on=today,
                   valid_until=renewed_due_date(previous_due, today, cycle_months),
                   late=today > previous_due)
