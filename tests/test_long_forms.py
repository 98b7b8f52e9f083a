"""Long forms and pages come in titled sections with a contents list at the top (issue 21:
8,000 px single-page forms): every link of the list reaches a section on the page, on the
seeded demo as each role meets it, and a refused form's error summary still links to its
fields. The fields keep their names, so what the forms post is unchanged."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from coachprog.assessments.models import Assessment, RaterAssignment
from coachprog.auth import services as auth_services
from coachprog.extensions import db
from tests.conftest import Auth, csrf_token

PASSWORD = "demo password for the long forms"
CONTENTS = re.compile(r'<nav class="contents"[^>]*>(.*?)</nav>', re.S)
SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.S)
HREF = re.compile(r'href="#([^"]+)"')
IDS = re.compile(r'\sid="([^"]+)"')


@pytest.fixture
def demo(runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", PASSWORD)
    result = runner.invoke(args=["seed", "--people", "120"])
    assert result.exit_code == 0, result.output


def _person_id(email: str) -> int:
    user = auth_services.get_user_by_email(email)
    assert user is not None and user.person_id is not None
    return user.person_id


def _open_assignment(email: str, title: str) -> int:
    return db.session.scalar(sa.select(RaterAssignment.id).join(Assessment).join(
        RaterAssignment.rater).where(Assessment.title == title,
                                     RaterAssignment.status == "assigned").filter_by(
        email=email))


def _moderated(title: str) -> int:
    return db.session.scalar(sa.select(Assessment.id).where(Assessment.title == title,
                                                            Assessment.status == "moderation"))


def _pages() -> list[tuple[str, str, int]]:
    """(demo login, page, least number of sections its contents list names)."""
    assignment = _open_assignment("rater@demo.example", "Demo session review 1")
    return [
        ("rater@demo.example", f"/assessments/assignments/{assignment}", 5),
        ("master@demo.example",
         f"/assessments/{_moderated('Demo session review 3')}/moderation", 4),
        ("coach@demo.example", "/rubrics/session-review/v1", 5),
        ("coach@demo.example", f"/practicum/{_person_id('coach@demo.example')}/capstone/new", 4),
        ("admin@demo.example",
         f"/coaching/coaches/{_person_id('coach@demo.example')}/paperwork/edit", 3),
        ("admin@demo.example", "/sprints/impact", 5),
    ]


def _sections(html: str) -> list[str]:
    found = CONTENTS.search(html)
    assert found, "no contents list"
    return HREF.findall(found.group(1))


def test_long_forms_have_a_contents_list_whose_links_reach_their_sections(
        demo: None, app: Flask) -> None:
    clients: dict[str, FlaskClient] = {}
    for email, url, least in _pages():
        if email not in clients:
            clients[email] = app.test_client()
            assert Auth(clients[email]).login(email, PASSWORD).status_code == 302
        response = clients[email].get(url)
        assert response.status_code == 200, (email, url)
        html = response.get_data(as_text=True)
        targets = _sections(html)
        assert len(targets) >= least, (url, targets)
        ids = IDS.findall(html)
        # Each link reaches exactly one section.
        assert [t for t in targets if ids.count(t) != 1] == [], url


def test_a_refused_long_form_keeps_its_contents_and_links_problems_to_fields(
        demo: None, client: FlaskClient) -> None:
    assert Auth(client).login("coach@demo.example", PASSWORD).status_code == 302
    url = f"/practicum/{_person_id('coach@demo.example')}/capstone/new"
    refused = client.post(url, data={"csrf_token": csrf_token(client, url),
                                     "action": "submit", "mode": "markdown",
                                     "kpi_name": "", "kpi_baseline": ""})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    summary = SUMMARY.search(html)
    assert summary and 'role="alert"' in summary.group(0)
    ids = IDS.findall(html)
    problems = HREF.findall(summary.group(0))
    assert "kpi_name" in problems and [p for p in problems if p not in ids] == []
    assert [t for t in _sections(html) if t not in ids] == []
