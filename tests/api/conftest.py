"""API helpers: users with personal tokens, and a client that sends the bearer header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.roles import Role
from tests.factories import UserFactory


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
