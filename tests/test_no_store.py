"""`Cache-Control: no-store` on every page and API answer that shows session content,
evidence or assessments (issue 19): walks every GET route of those blueprints in the access
matrix, as an admin (pages and API), and checks the header on whatever the route answers."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.web import NO_STORE_BLUEPRINTS
from tests.conftest import Auth
from tests.factories import UserFactory
from tests.test_access import CASES, _objects

CONTENT_BLUEPRINTS = {"recordings", "transcripts", "consent", "assessments", "calibration",
                      "audits", "fidelity", "supervision", "practicum", "coaching",
                      "certification", "selection", "api"}
WALKED = [c for c in CASES if c.method == "GET"
          and c.endpoint.split(".")[0] in CONTENT_BLUEPRINTS]


def test_every_content_blueprint_is_marked(app) -> None:
    assert CONTENT_BLUEPRINTS <= NO_STORE_BLUEPRINTS
    assert len(WALKED) > 80


@pytest.mark.parametrize("case", WALKED, ids=lambda c: c.endpoint)
def test_content_routes_answer_no_store(client: FlaskClient, auth: Auth, case) -> None:
    objects = _objects()
    if case.setup is not None:
        objects |= case.setup()
    url = case.url(objects)
    if case.api:
        user = UserFactory(roles=[Role.ADMIN])
        _, secret = create_api_token(SystemActor("test"), user, name="no-store")
        db.session.commit()
        response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
    else:
        auth.login_as(Role.ADMIN)
        response = client.get(url)
    with response:
        directives = {d.strip() for d in (response.headers.get("Cache-Control") or "").split(",")}
        assert "no-store" in directives, (url, response.status_code)


def test_pages_without_content_stay_cacheable_by_the_browser(client: FlaskClient) -> None:
    """The mark is per blueprint, not global: static files keep their caching."""
    with client.get("/static/css/app.css") as response:
        assert "no-store" not in (response.headers.get("Cache-Control") or "")
