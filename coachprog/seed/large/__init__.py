"""A large organisation for benchmarks and scale tests, on top of the demo (`flask seed
--people 10000 --coaches 2000 --sessions 100000 --hour-entries 500000 [--seed N]`).

Every module is populated consistently with what its services would have written, but through
bulk inserts (`bulk.Bulk`: Core `insert()` executemany in batches, ids handed out here) rather
than a service call per row: the services' per-row checks are what the tests cover, and at this
size they would take hours. Deterministic for a given `--seed` (up to the random tokens that
are secrets by design). Runs once per database: a second run is refused."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from coachprog.auth.models import User
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.seed.large import org as org_steps
from coachprog.seed.large import practicum, program, sessions
from coachprog.seed.large.bulk import Bulk
from coachprog.seed.large.context import Org, Sizes, prepare_scores
from coachprog.selection.models import Sprint

__all__ = ["AlreadyGenerated", "Sizes", "generate"]

MARKER_SPRINT = "Coach cohort 1"


class AlreadyGenerated(Exception):  # noqa: N818 - reads as what happened
    """The database already holds a generated organisation."""


def sizes_problem(sizes: Sizes, existing_people: int) -> str | None:
    """Why these sizes cannot be generated, in words; None when they can."""
    extra = sizes.people - existing_people
    if sizes.coaches < 1 or sizes.sessions < 0 or sizes.hour_entries < 0:
        return "Ask for at least one coach, and no negative sizes."
    needed = sizes.coaches + max(1, sizes.coaches // 20) + max(2, sizes.coaches // 50)
    # Managers take one place in twelve; coaches need coachees beside them.
    if extra * 11 // 12 < needed * 2:
        return (f"--people {sizes.people} leaves {max(extra, 0)} people beyond the demo's "
                f"{existing_people}: {sizes.coaches} coaches need at least "
                f"{existing_people + needed * 24 // 11 + 1} people in all.")
    return None


def generate(password_hash: str, sizes: Sizes, *, seed: int = 1,
             echo: Callable[[str], None] = lambda _: None,
             now: datetime | None = None) -> dict[str, int]:
    """Generate the large organisation beside the demo (which must be seeded first); returns
    rows written per table. The caller commits."""
    if db.session.scalar(sa.select(Sprint.id).where(Sprint.name == MARKER_SPRINT)) is not None:
        raise AlreadyGenerated("This database already holds a generated organisation; "
                               "generate into a fresh database.")
    existing = db.session.scalar(sa.select(sa.func.count(Person.id))) or 0
    problem = sizes_problem(sizes, existing)
    if problem:
        raise ValueError(problem)
    admin_id = db.session.scalar(sa.select(User.id).where(User.email == "admin@demo.example"))
    if admin_id is None:
        raise ValueError("Seed the demo first (admin@demo.example is missing).")
    moment = now or datetime.now(UTC)
    org = Org(rng=random.Random(seed),
              now=moment, today=moment.date(), bulk=Bulk(),
              sizes=sizes, admin_id=admin_id, password_hash=password_hash)
    prepare_scores(org, ("session-review", "interview"))
    started = time.perf_counter()

    def step(label: str, run: Callable[[], object]) -> object:
        began = time.perf_counter()
        result = run()
        echo(f"  {label:<34} {time.perf_counter() - began:7.1f} s")
        return result

    step("people", lambda: org_steps.generate_people(org, sizes.people - existing))
    step("accounts", lambda: org_steps.generate_accounts(org))
    step("calibration", lambda: org_steps.generate_calibration(org))
    step("sprints and candidates", lambda: org_steps.generate_sprints(org))
    step("paperwork and supervisors", lambda: org_steps.generate_paperwork_and_supervision(org))
    engagements = step("engagements and consents", lambda: sessions.generate_engagements(org))
    step("sessions, recordings, transcripts",
         lambda: sessions.generate_sessions(org, engagements))  # type: ignore[arg-type]
    step("drift flags", lambda: sessions.generate_drift_flags(org))
    step("practicum ledger and triads", lambda: practicum.generate_ledger(org))
    step("session reviews and gates", lambda: practicum.generate_supervision(org))
    step("audit samples and clinics", lambda: program.generate_audits(org))
    step("certifications", lambda: program.generate_certifications(org))
    step("audit log", lambda: program.generate_audit_log(org, dict(org.bulk.counts)))
    org.bulk.finish()
    echo(f"  {'total':<34} {time.perf_counter() - started:7.1f} s")
    return dict(org.bulk.counts)
