"""Where the scorecard's recorded counts come from (issue 23 × issue 24).

The program is an aggregator: it reads the lower domains that record these counts and
registers them with its own scorecard registry at app start. Each source answers for the
program's window `[since, until]`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from coachprog.governance.policy.services import count_opt_outs
from coachprog.program.scorecard.services import register_scorecard_source


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


def opt_outs(since: date, until: date) -> int:
    # Opt-outs standing at the end of the window, one per person and kind (recording,
    # analytics, program): what the program must currently honour.
    return count_opt_outs(on=_end_of(until)).people


register_scorecard_source("opt_outs", opt_outs)
