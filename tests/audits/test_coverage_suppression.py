"""Audit coverage for sponsors (aggregates only) with complementary suppression (issue 19):
one supervisor group under 5 sampled coaches takes the next-smallest with it, so the totals
minus the groups shown never give its figures away — on the page and in the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask.testing import FlaskClient

from coachprog.audits import coverage
from coachprog.audits.models import Audit, AuditSample
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.roles import Role
from tests.conftest import Auth
from tests.factories import PersonFactory

SIZES = {"Group Large": 9, "Group Middle": 6, "Group Small": 2}
# Sponsors see neutral labels, largest group first (issue 21: no supervisor's name).
NEUTRAL = {"Group Large": "Supervisor group 1", "Group Middle": "Supervisor group 2",
           "Group Small": "Supervisor group 3"}


def _sample() -> None:
    """A 2026Q4 sample: 9, 6 and 2 sampled coaches in three supervisor groups, one audited in
    each group."""
    population, coaches = [], []
    for stratum, size in SIZES.items():
        for _ in range(size):
            person = PersonFactory()
            population.append({"coach_id": person.id, "stratum": stratum})
            coaches.append((person.id, stratum))
    sample = AuditSample(quarter="2026Q4", seed=1, method_version="test", percent=20.0,
                         population=population, drawn=[c for c, _ in coaches])
    db.session.add(sample)
    db.session.flush()
    done: set[str] = set()
    for coach_id, stratum in coaches:
        outcome = None if stratum in done else "meets"
        done.add(stratum)
        db.session.add(Audit(sample_id=sample.id, quarter="2026Q4", coach_person_id=coach_id,
                             outcome=outcome))
    db.session.commit()


def test_a_small_group_takes_the_next_smallest_with_it_for_sponsors(app) -> None:
    _sample()
    cov = coverage.coverage(SystemActor("tests"), "2026Q4", aggregates_only=True)
    by_name = {g.name: g for g in cov.groups}
    assert set(by_name) == set(NEUTRAL.values())
    assert by_name[NEUTRAL["Group Small"]].suppressed
    assert by_name[NEUTRAL["Group Middle"]].suppressed
    assert not by_name[NEUTRAL["Group Large"]].suppressed
    assert cov.sampled == 17 and cov.audited == 3
    shown = [g for g in cov.groups if not g.suppressed]
    # Total minus shown is the two withheld groups together, never one of them.
    assert cov.sampled - sum(g.sampled for g in shown) == 8
    detail = coverage.coverage(SystemActor("tests"), "2026Q4")
    assert not any(g.suppressed for g in detail.groups)


def test_the_coverage_page_and_api_show_no_derivable_group(
        client: FlaskClient, auth: Auth, app) -> None:
    _sample()
    from coachprog.db import set_clock

    set_clock(lambda: datetime(2026, 11, 2, tzinfo=UTC))
    try:
        auth.login_as(Role.SPONSOR)
        page = client.get("/audits/coverage?quarter=2026Q4").get_data(as_text=True)
    finally:
        set_clock(None)
    rows = re.findall(r"<tr><td>(Supervisor group \d+)</td>\s*(.*?)</tr>", page, re.S)
    shown = {name: cells for name, cells in rows if "not shown" not in cells}
    assert set(shown) == {NEUTRAL["Group Large"]}
    assert "<td>9</td>" in shown[NEUTRAL["Group Large"]]
    assert "<dt>Sampled</dt><dd>17</dd>" in page
