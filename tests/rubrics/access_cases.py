"""Rubric routes in the access matrix: readers are the people who score, supervise or are
scored (admin, master and lead coaches, raters, coaches); sponsors and managers get nothing;
only admins upload."""

from __future__ import annotations

from typing import Any

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.rubrics.services import upload_rubric
from tests.access import ADMIN_ONLY, Case, statuses
from tests.rubrics.conftest import VALID

READERS = statuses(403, admin=200, master_coach=200, lead_coach=200, rater=200, coach=200)
API_READERS = {**READERS, "anonymous": 401}


def _version() -> dict[str, Any]:
    row = upload_rubric(SystemActor("test"), "demo.yaml", VALID.encode()).version
    db.session.commit()
    return {"rubric_key": row.rubric_key, "rubric_version": row.version}


def _view_url(o: dict[str, Any]) -> str:
    return f"/rubrics/{o['rubric_key']}/v{o['rubric_version']}"


def _api_url(o: dict[str, Any]) -> str:
    return f"/api/v1/rubrics/{o['rubric_key']}/versions/{o['rubric_version']}"


CASES = [
    Case("rubrics.list_rubrics", "GET", lambda o: "/rubrics/", READERS),
    Case("rubrics.view_rubric", "GET", _view_url, READERS, setup=_version),
    Case("rubrics.upload_rubric", "GET", lambda o: "/rubrics/upload", ADMIN_ONLY),
    Case("api.list_rubric_versions", "GET", lambda o: "/api/v1/rubrics", API_READERS, api=True),
    Case("api.get_rubric_version", "GET", _api_url, API_READERS, api=True, setup=_version),
]
