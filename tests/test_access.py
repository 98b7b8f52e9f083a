"""The access matrix: every registered route × every role (and anonymous) → expected status.

A route that is not listed here fails `test_every_route_is_in_the_matrix`, so a new page cannot
ship without deciding who may use it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.jobs.models import Job
from coachprog.roles import Role
from tests.access import (
    ADMIN_ONLY,
    CHAIN_PREFIXES,
    DIRECTORY,
    ROLES,
    Case,
    coach_person_of,
    make_chain_supervisor,
    statuses,
)
from tests.conftest import Auth, csrf_token
from tests.factories import PersonFactory, UserFactory

CASES = [
    Case("home.index", "GET", lambda o: "/", statuses(200)),
    # Without a key nothing is hidden: back home with the reason.
    Case("home.dismiss", "POST", lambda o: "/home/dismiss", statuses(302)),
    Case("auth.login", "GET", lambda o: "/login", statuses(302, anonymous=200)),
    Case("auth.logout", "POST", lambda o: "/logout", statuses(302)),
    Case("auth.account", "GET", lambda o: "/account", statuses(200)),
    Case("auth.api_tokens", "GET", lambda o: "/account/tokens", statuses(200)),
    Case("auth.revoke_api_token", "POST",
         lambda o: f"/account/tokens/{o['token_id']}/revoke", statuses(404)),
    Case("auth.list_users", "GET", lambda o: "/admin/users", ADMIN_ONLY),
    Case("auth.create_user", "GET", lambda o: "/admin/users/new", ADMIN_ONLY),
    Case("auth.view_user", "GET", lambda o: f"/admin/users/{o['user_id']}", ADMIN_ONLY),
    Case("auth.revoke_role", "POST", lambda o: f"/admin/users/{o['user_id']}/roles/rater/revoke",
         statuses(403, admin=302)),
    Case("people.list_people", "GET", lambda o: "/people/", {**DIRECTORY, "manager": 200}),
    Case("people.view_person", "GET", lambda o: f"/people/{o['person_id']}", DIRECTORY),
    Case("people.import_people", "GET", lambda o: "/people/import", ADMIN_ONLY),
    # Form posts: the same rule must hold for the POST side (empty forms come back with errors).
    Case("auth.login", "POST", lambda o: "/login", statuses(302, anonymous=200)),
    Case("auth.account", "POST", lambda o: "/account", statuses(200)),
    Case("auth.api_tokens", "POST", lambda o: "/account/tokens", statuses(200),
         body={"name": "matrix"}),
    Case("auth.create_user", "POST", lambda o: "/admin/users/new", ADMIN_ONLY),
    Case("auth.view_user", "POST", lambda o: f"/admin/users/{o['user_id']}",
         statuses(403, admin=302), body={"role": "coach"}),
    Case("people.import_people", "POST", lambda o: "/people/import", statuses(403, admin=400)),
    Case("jobs.view_job", "GET", lambda o: f"/jobs/{o['job_id']}", ADMIN_ONLY),
    Case("jobs.job_status", "GET", lambda o: f"/jobs/{o['job_id']}/status", ADMIN_ONLY),
    Case("governance.list_audit_entries", "GET", lambda o: "/admin/audit", ADMIN_ONLY),
    Case("governance.export_audit_entries", "GET", lambda o: "/admin/audit.csv", ADMIN_ONLY),
    Case("openapi.spec", "GET", lambda o: "/api/v1/openapi.json", statuses(200, anonymous=200)),
    Case("static", "GET", lambda o: "/static/css/app.css", statuses(200, anonymous=200)),
    Case("api.get_me", "GET", lambda o: "/api/v1/me", statuses(200, anonymous=401), api=True),
    Case("api.list_people", "GET", lambda o: "/api/v1/people",
         {**DIRECTORY, "manager": 200, "anonymous": 401}, api=True),
    Case("api.get_person", "GET", lambda o: f"/api/v1/people/{o['employee_id']}",
         {**DIRECTORY, "anonymous": 401}, api=True),
    Case("api.bulk_upsert_people", "POST", lambda o: "/api/v1/people/bulk",
         statuses(403, anonymous=401, admin=200), api=True,
         body={"people": [{"employee_id": "X1", "name": "Xia Lopez",
                           "email": "xia@example.com"}]}),
]


def _domain_cases() -> list[Case]:
    cases: list[Case] = []
    here = Path(__file__).parent
    # Sub-packages' tests nest as the code does (tests/practicum/supervision/access_cases.py).
    for path in sorted(here.glob("**/access_cases.py")):
        parts = path.relative_to(here).with_suffix("").parts
        module = importlib.import_module(".".join(("tests", *parts)))
        cases.extend(module.CASES)
    return cases


_FOUNDATION = list(CASES)
CASES = [*CASES, *_domain_cases()]


def _objects() -> dict[str, Any]:
    """Objects owned by someone else, so ownership never grants access by accident."""
    owner = UserFactory(roles=[Role.RATER])
    person = PersonFactory()
    token, _ = create_api_token(SystemActor("test"), owner, name="someone else's")
    job = Job(kind="people_import", status="succeeded", payload={}, result={"total": 0,
              "created": 0, "updated": 0, "unchanged": 0}, created_by_id=owner.id)
    db.session.add(job)
    db.session.commit()
    return {"user_id": owner.id, "person_id": person.id, "employee_id": person.employee_id,
            "token_id": token.id, "job_id": job.id}


def _request(client: FlaskClient, auth: Auth, case: Case, role: str) -> int:
    objects = _objects()
    if case.setup is not None:
        objects |= case.setup()
    url = case.url(objects)
    if case.api:
        headers = {}
        if role != "anonymous":
            user = UserFactory(roles=[Role(role)])
            _, secret = create_api_token(SystemActor("test"), user, name="matrix")
            db.session.commit()
            headers["Authorization"] = f"Bearer {secret}"
        with client.open(url, method=case.method, headers=headers, json=case.body) as response:
            return response.status_code
    if role != "anonymous":
        auth.login_as(role)
    if case.method == "POST":
        token = csrf_token(client, "/login" if role == "anonymous" else "/account")
        return client.post(url, data={**(case.body or {}), "csrf_token": token}).status_code
    with client.open(url, method=case.method) as response:
        return response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.endpoint)
def test_route_answers_role_with_expected_status(
    client: FlaskClient, auth: Auth, case: Case, role: str
) -> None:
    assert _request(client, auth, case, role) == case.expected[role]


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    listed = {case.endpoint for case in CASES}
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert registered - listed == set(), "add these routes to the access matrix"
    assert listed - registered == set(), "these matrix entries name no route"


def test_matrix_covers_every_method_of_every_route(app: Flask) -> None:
    listed = {(case.endpoint, case.method) for case in CASES}
    foundation = {case.endpoint for case in CASES if case in _FOUNDATION}
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        for method in methods:
            if (rule.endpoint, method) in listed:
                continue
            # Foundation routes list every method. A domain form route with a GET row has its
            # POST side (other roles refused, bad input) in that domain's view tests.
            assert rule.endpoint not in foundation, (rule.endpoint, method)
            assert method == "POST" and (rule.endpoint, "GET") in listed, (rule.endpoint, method)


def test_ownership_and_reporting_line_grant_what_roles_alone_do_not(auth, client) -> None:
    """The positive cases the role matrix cannot show: one's own record, a manager's report,
    the owner of a job."""
    manager_person = PersonFactory()
    report = PersonFactory(manager=manager_person)
    stranger = PersonFactory()
    manager = auth.login_as("manager", person_id=manager_person.id)
    assert client.get(f"/people/{report.id}").status_code == 200
    assert client.get(f"/people/{manager_person.id}").status_code == 200
    assert client.get(f"/people/{stranger.id}").status_code == 403
    job = Job(kind="people_import", status="running", payload={}, created_by_id=manager.id)
    db.session.add(job)
    db.session.commit()
    assert client.get(f"/jobs/{job.id}/status").status_code == 200


CHAIN_CASES = [c for c in CASES if c.setup is not None and c.endpoint.startswith(CHAIN_PREFIXES)]


@pytest.mark.parametrize("case", CHAIN_CASES, ids=lambda c: f"{c.method} {c.endpoint}")
def test_chain_lead_coach_is_refused_every_route_about_the_coach(
    client: FlaskClient, auth: Auth, case: Case
) -> None:
    """The chain actor: in the coach's management chain, holding lead_coach, and (from before
    a reorganisation) assigned as the coach's supervisor. Every practicum, supervision and
    recordings route about that coach refuses them."""
    objects = _objects()
    assert case.setup is not None
    objects |= case.setup()
    coach_id = coach_person_of(objects)
    if coach_id is None:
        pytest.skip("this route's setup makes no coach (an admin-only listing)")
    user, _ = make_chain_supervisor(coach_id)
    url = case.url(objects)
    if case.api:
        _, secret = create_api_token(SystemActor("test"), user, name="chain")
        db.session.commit()
        with client.open(url, method=case.method, json=case.body,
                         headers={"Authorization": f"Bearer {secret}"}) as response:
            status = response.status_code
    else:
        assert auth.login(user.email).status_code == 302
        if case.method == "POST":
            token = csrf_token(client, "/account")
            status = client.post(url, data={**(case.body or {}), "csrf_token": token}).status_code
        else:
            with client.open(url, method=case.method) as response:
                status = response.status_code
    assert status in (403, 404), (case.endpoint, url, status)
