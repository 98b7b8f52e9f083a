"""Page and API-list latency, SQL statements and weight, per role, on a generated organisation.

    COACHPROG_DATABASE_URL=sqlite:////tmp/big.db COACHPROG_DEMO_PASSWORD=... \\
        .venv/bin/python bench/pages.py [--repeat 5] [--budget 4] [--role admin ...]

The database must hold the demo (`flask seed`), usually with a large organisation beside it
(`flask seed --people 10000 --coaches 2000 --sessions 100000 --hour-entries 500000`). Each demo
login signs in through the real sign-in form (Flask test client, in process: no network, no
server threads) and requests every page of `PAGES` it may see; API lists are called with a
bearer token made for the run (revoked at the end). Each page is requested up to `--repeat`
times, fewer when they take longer than `--budget` seconds together, after one warm-up
request; p50/p95 are over those timings, statements and bytes from the last request. A page a
role may not open (403, or a redirect) is left out of the table.

`tests/test_statement_counts.py` renders the same list on two organisation sizes and asserts
the statement counts are equal.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import re
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEMO_LOGINS = {
    "admin": "admin@demo.example",
    "master_coach": "master@demo.example",
    "lead_coach": "lead@demo.example",
    "coach": "coach@demo.example",
    "rater": "rater@demo.example",
    "sponsor": "sponsor@demo.example",
    "manager": "manager@demo.example",
}

# (role, url): every role's main pages and the API lists. {sample} is the current quarter's
# audit sample, {sprint} the newest open sprint.
PAGES: list[tuple[str, str]] = [
    *[("admin", url) for url in (
        "/", "/people/", "/admin/users", "/admin/audit", "/admin/outbox", "/admin/erasure",
        "/sprints/",
        "/sprints/{sprint}", "/sprints/{sprint}/candidates", "/sprints/{sprint}/conflicts?page=2",
        "/sprints/{sprint}/candidates?stage=interview&q=e&page=2", "/sprints/impact",
        "/assessments/", "/calibration/",
        "/calibration/drift", "/rubrics/", "/coaching/coaches", "/coaching/engagements",
        "/recordings/", "/recordings/supervisors", "/recordings/supervisors?q=e&page=2",
        "/consent/texts", "/practicum/",
        "/supervision/program", "/audits/", "/audits/structure", "/audits/coverage",
        "/audits/samples/{sample}", "/audits/samples/{sample}?page=2&population_page=2",
        "/certification/", "/certification/?due_page=2&flagged_page=2&pending_page=2",
        "/api/v1/people", "/api/v1/assessments",
        "/api/v1/sprints", "/api/v1/candidates",
        "/api/v1/audits/samples", "/api/v1/audits/samples/{sample}", "/api/v1/audits/actions",
        "/api/v1/audits/coverage", "/api/v1/rubrics", "/program/",
        "/api/v1/program/metrics", "/governance/opt-outs", "/governance/retention",
        "/safeguarding/escalations/", "/safeguarding/escalations/counts",
        "/safeguarding/incidents/", "/governance/bias-audit/?quarter=2026Q4")],
    *[("master_coach", url) for url in (
        "/", "/people/", "/assessments/", "/calibration/", "/coaching/coaches", "/recordings/",
        "/practicum/", "/supervision/", "/supervision/program", "/audits/structure",
        "/certification/", "/fidelity/", "/transcripts/flags", "/api/v1/assessments",
        "/safeguarding/escalations/")],
    *[("lead_coach", url) for url in (
        "/", "/people/", "/assessments/", "/coaching/coaches", "/recordings/", "/practicum/",
        "/supervision/", "/fidelity/", "/api/v1/assessments")],
    *[("coach", url) for url in (
        "/", "/coaching/engagements", "/recordings/", "/supervision/mine", "/api/v1/me",
        "/governance/use-cases", "/governance/my-opt-outs")],
    *[("rater", url) for url in (
        "/", "/assessments/", "/audits/mine", "/api/v1/assessments", "/api/v1/audits/mine")],
    *[("sponsor", url) for url in ("/", "/sprints/", "/audits/coverage", "/program/",
                                   "/governance/bias-audit/?quarter=2026Q4",
                                   "/safeguarding/escalations/counts")],
    *[("manager", url) for url in ("/", "/people/", "/sprints/nominations")],
]


@dataclass
class Measure:
    role: str
    url: str
    status: int
    timings: list[float]
    statements: int
    size: int

    @property
    def p50(self) -> float:
        return statistics.median(self.timings) * 1000

    @property
    def p95(self) -> float:
        ordered = sorted(self.timings)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


def ids() -> dict[str, Any]:
    """The ids the page templates name."""
    import sqlalchemy as sa

    from coachprog.audits.models import AuditSample
    from coachprog.extensions import db
    from coachprog.selection.models import Sprint

    sample = db.session.scalar(sa.select(sa.func.max(AuditSample.id)).where(
        AuditSample.superseded_at.is_(None)))
    sprint = db.session.scalar(sa.select(sa.func.max(Sprint.id)).where(Sprint.status == "open"))
    return {"sample": sample or 0, "sprint": sprint or 0}


@contextlib.contextmanager
def counting(engine: Any) -> Iterator[list[int]]:
    """How many statements the block sends from this thread (a worker thread running jobs
    meanwhile is not the request's)."""
    import threading

    import sqlalchemy as sa

    seen = [0]
    here = threading.get_ident()

    def count(*_: Any) -> None:
        if threading.get_ident() == here:
            seen[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def sign_in(client: Any, email: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on /login")
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token.group(1)})
    if response.status_code != 302:
        raise RuntimeError(f"{email} could not sign in ({response.status_code}): is "
                           "COACHPROG_DEMO_PASSWORD the demo password?")
    # The first sign-in after a new policy version goes to its acknowledgement (issue 24):
    # acknowledge it as the person would, so the pages measured are the pages themselves.
    home = client.get("/")
    if home.status_code == 302 and "/governance/acknowledge" in home.headers["Location"]:
        page = client.get("/governance/acknowledge").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("no CSRF token on the acknowledgement page")
        client.post("/governance/acknowledge", data={"csrf_token": token.group(1)})


def api_token(email: str) -> tuple[int, str]:
    import sqlalchemy as sa

    from coachprog.auth import services
    from coachprog.auth.models import User
    from coachprog.authority import SystemActor
    from coachprog.extensions import db

    user = db.session.scalar(sa.select(User).where(User.email == email))
    token, secret = services.create_api_token(SystemActor("bench"), user, name="bench pages")
    db.session.commit()
    return token.id, secret


def revoke(token_id: int) -> None:
    from coachprog.auth import services
    from coachprog.authority import SystemActor
    from coachprog.extensions import db

    services.revoke_api_token(SystemActor("bench"), token_id)
    db.session.commit()


def fetch(client: Any, engine: Any, url: str, headers: dict[str, str]) -> tuple[int, int, int]:
    """Status, statements and bytes of one request."""
    with counting(engine) as seen:
        response = client.get(url, headers=headers)
        size = len(response.get_data())
    return response.status_code, seen[0], size


def measure_role(app: Any, role: str, urls: list[str], password: str, *, repeat: int = 5,
                 budget: float = 4.0, warm: bool = True) -> list[Measure]:
    """Sign in as the role's demo login and measure each url; `repeat=0`: one request each,
    no timing (statement counts only)."""
    from coachprog.extensions import db

    email = DEMO_LOGINS[role]
    client = app.test_client()
    # Signed in outside an app context of our own: inside one, every request would share its
    # `g`, which keeps the CSRF token from before the sign-in renewed it (the acknowledgement
    # after sign-in would then be refused as an expired form).
    sign_in(client, email, password)
    with app.app_context():
        token_id, secret = api_token(email)
        engine = db.engine
    results: list[Measure] = []
    try:
        for url in urls:
            headers = {"Authorization": f"Bearer {secret}"} if url.startswith("/api/") else {}
            if warm or repeat == 0:
                status, statements, size = fetch(client, engine, url, headers)
            timings: list[float] = []
            spent = 0.0
            while len(timings) < repeat and (spent < budget or not timings):
                began = time.perf_counter()
                status, statements, size = fetch(client, engine, url, headers)
                took = time.perf_counter() - began
                timings.append(took)
                spent += took
            results.append(Measure(role, url, status, timings or [0.0], statements, size))
    finally:
        with app.app_context():
            revoke(token_id)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=4.0,
                        help="seconds of requests per page before stopping early")
    parser.add_argument("--role", action="append", choices=sorted(DEMO_LOGINS))
    parser.add_argument("--only", help="measure only pages whose url as written in PAGES "
                        "(e.g. /sprints/{sprint}) contains this text")
    args = parser.parse_args()
    password = os.environ.get("COACHPROG_DEMO_PASSWORD")
    if not password:
        parser.error("set COACHPROG_DEMO_PASSWORD to the demo password")

    import logging

    from coachprog import create_app

    app = create_app()
    logging.getLogger("coachprog").setLevel(logging.WARNING)
    # As `flask serve` does before serving: what start-up made is moved out of the collector's
    # reach, so full collections during the timed requests do not walk it (the bench measures
    # the server the project ships).
    gc.collect()
    gc.freeze()
    with app.app_context():
        filled = ids()
    roles = args.role or list(DEMO_LOGINS)
    print(f"{'role':<13} {'page':<34} {'st':>3} {'p50 ms':>8} {'p95 ms':>8} {'n':>2} "
          f"{'SQL':>6} {'KiB':>7}")
    for role in roles:
        urls = [url.format(**filled) for r, url in PAGES
                if r == role and (not args.only or args.only in url)]
        for m in measure_role(app, role, urls, password, repeat=args.repeat,
                              budget=args.budget):
            print(f"{m.role:<13} {m.url:<34} {m.status:>3} {m.p50:8.1f} {m.p95:8.1f} "
                  f"{len(m.timings):>2} {m.statements:>6} {m.size / 1024:7.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
