"""Where the scorecard's recorded counts come from (issue 23 × issue 24).

The program is an aggregator: it reads the lower domains that record these counts and
registers them with its own scorecard registry at app start. Each source answers for the
program's window `[since, until]`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from coachprog.bias_audit.services import count_bias_reviews
from coachprog.policy.services import count_opt_outs
from coachprog.program.scorecard.services import register_scorecard_source
from coachprog.safeguarding.scorecard import (
    count_adverse_effects,
    count_escalations,
    count_privacy_incidents,
)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


def opt_outs(since: date, until: date) -> int:
    # Opt-outs standing at the end of the window, one per person and kind (recording,
    # analytics, program): what the program must currently honour.
    return count_opt_outs(on=_end_of(until)).people


def _after(day: date) -> date:
    # The safeguarding and bias-audit counts take [start, end); the window includes `until`.
    return day + timedelta(days=1)


def escalations(since: date, until: date) -> int:
    return count_escalations(since, _after(until))["raised"]


def privacy_incidents(since: date, until: date) -> int:
    return count_privacy_incidents(since, _after(until))["total"]


def adverse_effects(since: date, until: date) -> int:
    return count_adverse_effects(since, _after(until))["total"]


def bias_reviews(since: date, until: date) -> int:
    return count_bias_reviews(since, _after(until))["opened"]


register_scorecard_source("opt_outs", opt_outs)
register_scorecard_source("escalations", escalations)
register_scorecard_source("privacy_incidents", privacy_incidents)
register_scorecard_source("adverse_effects", adverse_effects)
register_scorecard_source("bias_reviews", bias_reviews)
