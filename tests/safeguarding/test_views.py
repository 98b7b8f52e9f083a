"""Safeguarding pages through the Flask client: raising a concern (good and bad input), working a
case as someone the path names, a case invisible to anyone else, counts for sponsors, and
privacy incidents and adverse effects recorded and closed."""

from __future__ import annotations

import sqlalchemy as sa

from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.safeguarding.escalations.models import EscalationCase
from coachprog.safeguarding.incidents.models import Incident
from tests.conftest import post_form
from tests.factories import PersonFactory
from tests.safeguarding.builders import PATH_ADMIN, manual_case


def test_a_coach_raises_a_concern_and_is_thanked_not_shown_it(client, auth) -> None:
    person = PersonFactory()
    db.session.commit()
    auth.login_as(Role.COACH, person_id=person.id)
    page = client.get("/safeguarding/escalations/raise")
    assert page.status_code == 200 and "Mental-health crisis" in page.get_data(as_text=True)
    response = post_form(client, "/safeguarding/escalations/raise",
                         {"category": "mental_health_crisis",
                          "summary": "Coachee A.B. spoke of not wanting to go on."})
    assert response.status_code == 302
    case = db.session.scalar(sa.select(EscalationCase))
    assert case is not None and case.coach_person_id == person.id
    assert client.get(f"/safeguarding/escalations/{case.id}").status_code == 403
    assert client.get("/safeguarding/escalations/").status_code == 403


def test_raising_with_bad_input_says_why(client, auth) -> None:
    auth.login_as(Role.COACH)
    response = post_form(client, "/safeguarding/escalations/raise",
                         {"category": "weather", "summary": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary" role="alert"' in html
    assert "Choose a category." in html and "Say in a few words" in html
    assert db.session.scalar(sa.select(sa.func.count(EscalationCase.id))) == 0


def test_someone_the_path_names_works_the_case_to_closure(client, auth) -> None:
    case = manual_case("harassment")
    db.session.commit()
    case_id, step_ids = case.id, [s.id for s in case.steps]
    auth.login_as(Role.ADMIN, email=PATH_ADMIN)
    page = client.get(f"/safeguarding/escalations/{case_id}")
    assert page.status_code == 200 and "shouted at daily" in page.get_data(as_text=True)
    assert f"Case {case_id}" in client.get("/safeguarding/escalations/").get_data(as_text=True)
    assert post_form(client, f"/safeguarding/escalations/{case_id}/take").status_code == 302
    refused = post_form(client, f"/safeguarding/escalations/{case_id}/steps/{step_ids[0]}",
                        {"note": "", "not_needed": "y"})
    assert refused.status_code == 400
    assert 'role="alert"' in refused.get_data(as_text=True)
    for step_id in step_ids:
        assert post_form(client, f"/safeguarding/escalations/{case_id}/steps/{step_id}",
                         {"note": "Done."}).status_code == 302
    refused = post_form(client, f"/safeguarding/escalations/{case_id}/close", {})
    assert refused.status_code == 400 and "Choose how the case ended." in refused.get_data(
        as_text=True)
    assert post_form(client, f"/safeguarding/escalations/{case_id}/close",
                     {"outcome": "resolved", "note": "Handled in supervision."}
                     ).status_code == 302
    db.session.expire_all()
    assert db.session.get(EscalationCase, case_id).status == "closed"
    assert post_form(client, f"/safeguarding/escalations/{case_id}/reopen",
                     {"reason": ""}).status_code == 400


def test_a_case_is_invisible_to_anyone_the_path_does_not_name(client, auth) -> None:
    case = manual_case("harassment")
    db.session.commit()
    for role in (Role.ADMIN, Role.MASTER_COACH, Role.LEAD_COACH, Role.SPONSOR, Role.MANAGER):
        auth.login_as(role)
        assert client.get(f"/safeguarding/escalations/{case.id}").status_code == 403
        assert post_form(client, f"/safeguarding/escalations/{case.id}/take").status_code == 403
        auth.logout()


def test_a_sponsor_sees_counts_only(client, auth) -> None:
    for _ in range(6):
        manual_case("harassment")
    db.session.commit()
    auth.login_as(Role.SPONSOR)
    page = client.get("/safeguarding/escalations/counts")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Harassment" in html and "shouted" not in html
    assert client.get("/safeguarding/escalations/").status_code == 403
    assert client.get("/safeguarding/incidents/").status_code == 403


def test_an_incident_is_recorded_and_closed(client, auth) -> None:
    auth.login_as(Role.COACH)
    refused = post_form(client, "/safeguarding/incidents/record",
                        {"kind": "adverse_effect", "severity": "high", "title": "Upset",
                         "description": "Coachee upset after session.",
                         "occurred_on": "2026-11-30"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "needs its follow-up now" in html
    assert 'class="error-summary" role="alert"' in html
    assert post_form(client, "/safeguarding/incidents/record", {
        "kind": "adverse_effect", "severity": "high", "title": "Upset after a session",
        "description": "Coachee upset after session.", "occurred_on": "2026-11-30",
        "follow_up": "Lead coach calls the coach.", "follow_up_due": "2026-12-02",
    }).status_code == 302
    row = db.session.scalar(sa.select(Incident))
    assert row is not None and row.severity == "high"
    assert client.get(f"/safeguarding/incidents/{row.id}").status_code == 403
    auth.logout()
    auth.login_as(Role.ADMIN)
    assert "Upset after a session" in client.get("/safeguarding/incidents/").get_data(
        as_text=True)
    assert post_form(client, f"/safeguarding/incidents/{row.id}", {"note": ""}).status_code \
        == 400
    assert post_form(client, f"/safeguarding/incidents/{row.id}",
                     {"note": "Coach supported; coachee fine."}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, row.id).status == "closed"
