"""Load test: simulated people signing in and reading their main pages, against a running
server (several processes, PostgreSQL and Redis) holding the generated organisation.

locust is a bench tool, not a project dependency: it pins its own Flask and gevent, so it
lives in a virtualenv of its own (see docs/performance.md, "Load"):

    python3.11 -m venv /tmp/loadvenv && /tmp/loadvenv/bin/pip install locust
    COACHPROG_DEMO_PASSWORD=... /tmp/loadvenv/bin/locust -f bench/load.py --headless \\
        -u 20 -r 5 -t 60s --host http://127.0.0.1:5000 --csv /tmp/load

Each simulated user is one demo login (round robin over the roles), signs in through the real
form (CSRF token included) and then requests the pages `bench/pages.py` measures for that role,
with a short think time. Failures are any status ≥ 400 on a page the role may open.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from pathlib import Path

from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The demo logins of bench/pages.py (it imports the app only inside its functions).
from pages import DEMO_LOGINS

PAGES = {
    "admin": ["/", "/people/", "/admin/users", "/sprints/", "/assessments/", "/practicum/",
              "/supervision/program", "/recordings/", "/audits/", "/audits/coverage",
              "/certification/", "/certification/register", "/coaching/coaches"],
    "master_coach": ["/", "/assessments/", "/practicum/", "/supervision/", "/recordings/",
                     "/certification/", "/audits/structure"],
    "lead_coach": ["/", "/practicum/", "/supervision/", "/recordings/", "/fidelity/"],
    "coach": ["/", "/recordings/", "/fidelity/", "/sprints/"],
    "rater": ["/", "/assessments/", "/audits/mine"],
    "sponsor": ["/", "/audits/coverage"],
    "manager": ["/", "/people/", "/sprints/"],
}
_ROLES = itertools.cycle(DEMO_LOGINS)
# Several server processes without a proxy (bench/load_run.py): each person keeps to one.
_HOSTS = itertools.cycle([h for h in os.environ.get("COACHPROG_LOAD_HOSTS", "").split(",") if h])
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Person(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.role = next(_ROLES)
        host = next(_HOSTS, None)
        if host:
            self.client.base_url = host
        page = self.client.get("/login", name="/login")
        token = _CSRF.search(page.text)
        response = self.client.post("/login", name="/login [POST]", allow_redirects=False, data={
            "email": DEMO_LOGINS[self.role], "password": os.environ["COACHPROG_DEMO_PASSWORD"],
            "csrf_token": token.group(1) if token else ""})
        if response.status_code != 302:
            response.failure(f"{self.role} could not sign in ({response.status_code})")

    @task
    def read_pages(self) -> None:
        for url in PAGES[self.role]:
            with self.client.get(url, name=f"{self.role} {url}", catch_response=True) as page:
                if page.status_code >= 400:
                    page.failure(f"{page.status_code}")
