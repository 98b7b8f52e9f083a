"""API helpers: users with personal tokens, a client that sends the bearer header, the problem
details every refusal must be, and a small directory to list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.roles import Role
from tests.factories import UserFactory
from tests.people.conftest import ORG_ROWS, csv_text, load


class Api:
    """The test client speaking JSON with one bearer token (or none)."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        sent = {"Accept": "application/json"}
        if self.token is not None:
            sent["Authorization"] = f"Bearer {self.token}"
        sent.update(headers or {})
        return sent

    def get(self, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.get(url, headers=self._headers(headers), **kwargs)

    def post(self, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.post(url, headers=self._headers(headers), **kwargs)


@pytest.fixture
def make_token() -> Callable[..., tuple[Any, str]]:
    """make_token("admin", person_id=...) -> (user, secret), committed."""

    def make(*roles: str, **user_fields: Any) -> tuple[Any, str]:
        user = UserFactory(roles=[Role(r) for r in roles], **user_fields)
        _, secret = create_api_token(SystemActor("test"), user, name="integration")
        db.session.commit()
        return user, secret

    return make


@pytest.fixture
def api_as(client: FlaskClient, make_token: Callable[..., tuple[Any, str]]) -> Callable[..., Api]:
    """api_as("admin") -> an Api client carrying a fresh token of a user with those roles."""

    def make(*roles: str, **user_fields: Any) -> Api:
        _, secret = make_token(*roles, **user_fields)
        return Api(client, secret)

    return make


@pytest.fixture
def anonymous_api(client: FlaskClient) -> Api:
    return Api(client, None)


PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["type"] == f"https://coachprog.invalid/problems/{status}"
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def people_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person)) or 0


def item(employee_id: str, manager: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"employee_id": employee_id, "name": f"Name {employee_id}",
            "email": f"{employee_id.lower()}@example.com", "department": "Ops",
            "title": "Agent", "manager_employee_id": manager, "active": True, **fields}


@pytest.fixture
def org() -> None:
    """The small organisation of `tests.people.conftest.ORG_ROWS` (two lines, one inactive)."""
    load(csv_text(*ORG_ROWS))
