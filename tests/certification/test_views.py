"""Certification pages through the Flask client: the dashboard, a coach's page (criteria with
evidence links, certifications, decision history), the decision forms (open, two approvals,
override, revoke) with their refusals beside the form, the nav link and the home panel."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from coachprog.certification import services
from coachprog.certification.domain import ApproverRole
from coachprog.certification.models import Certification, CertificationDecision
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from tests.certification.certificates.access_cases import make_certification
from tests.conftest import Auth, post_form
from tests.factories import PersonFactory, UserFactory

LEVEL = "certified_internal_coach"


@pytest.fixture
def evidence(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Every Certified Internal Coach criterion met unless a test says otherwise."""
    from coachprog.certification.domain import Measurement
    from coachprog.certification.levels import evidence as ev

    state = {"met": True}
    for name in ("final_review_passed", "practicum_hour_targets_met", "capstone_passed",
                 "paperwork_complete"):
        monkeypatch.setitem(ev.QUERIES, name, lambda ctx, spec: Measurement(
            state["met"], detail="checked" if state["met"] else "missing",
            url=f"/evidence/{spec.evidence}"))
    return state


def _post(client: FlaskClient, url: str, prefix: str, page: str, **fields: str) -> Any:
    """POST a prefixed certification form with the CSRF token from the page it is on."""
    html = client.get(page).get_data(as_text=True)
    token = re.search(rf'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', html)
    assert token, f"no {prefix} form on {page}"
    data = {f"{prefix}-csrf_token": token.group(1)}
    data.update({f"{prefix}-{k}": v for k, v in fields.items()})
    return client.post(url, data=data)


def _coach() -> Any:
    person = PersonFactory(name="Grace Hopper")
    db.session.commit()
    return person


def _page(client: FlaskClient, person_id: int) -> str:
    response = client.get(f"/certification/people/{person_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_coach_page_lists_each_criterion_with_its_evidence(client: FlaskClient, auth: Auth,
                                                           evidence: dict[str, bool]) -> None:
    evidence["met"] = False
    coach = _coach()
    auth.login_as(Role.MASTER_COACH)
    html = _page(client, coach.id)
    assert "Certification: Grace Hopper" in html
    assert 'href="/evidence/final_review_passed"' in html
    assert "Not met" in html and "unmet" in html
    assert "No certification yet." in html


def test_the_coach_sees_their_own_page_but_no_decision_forms(
        client: FlaskClient, auth: Auth, evidence: dict[str, bool]) -> None:
    coach = _coach()
    user = auth.login_as(Role.COACH, person=coach)
    html = _page(client, coach.id)
    assert "Open a certification decision" not in html
    assert f'href="/certification/people/{coach.id}">My certification' in html
    other = PersonFactory()
    db.session.commit()
    assert client.get(f"/certification/people/{other.id}").status_code == 403
    assert client.get("/certification/").status_code == 403
    assert user.person_id == coach.id


def test_unknown_coach_is_404(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    assert client.get("/certification/people/999999").status_code == 404
    assert client.get(f"/certification/people/{2**63}").status_code == 404


def test_two_people_certify_through_the_pages(client: FlaskClient, auth: Auth,
                                              evidence: dict[str, bool]) -> None:
    coach = _coach()
    master = UserFactory(roles=[Role.MASTER_COACH], display_name="Maya Master")
    admin = UserFactory(roles=[Role.ADMIN], display_name="Ada Admin")
    db.session.commit()
    page = f"/certification/people/{coach.id}"

    auth.login(master.email)
    response = _post(client, f"{page}/decisions", "open", page, level=LEVEL)
    assert response.status_code == 302
    decision = db.session.scalars(sa.select(CertificationDecision)).one()
    assert response.headers["Location"].endswith(f"#decision-{decision.id}")
    response = _post(client, f"/certification/decisions/{decision.id}/approve", "approve",
                     page, capacity="master_coach")
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "waits for the second approver" in html
    assert "Maya Master" in html

    # The same person cannot give the second approval.
    response = _post(client, f"/certification/decisions/{decision.id}/approve", "approve",
                     page, capacity="admin")
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Certification.id))) == 0

    auth.logout()
    auth.login(admin.email)
    dashboard = client.get("/certification/").get_data(as_text=True)
    assert "Grace Hopper" in dashboard and "Decisions waiting for approval" in dashboard
    response = _post(client, f"/certification/decisions/{decision.id}/approve", "approve",
                     page, capacity="admin")
    assert response.status_code == 302
    cert = db.session.scalars(sa.select(Certification)).one()
    html = client.get(page).get_data(as_text=True)
    assert "Approved by both" in html
    assert f"/certification/certificates/{cert.id}/certificate.pdf" in html
    assert f"/verify/{cert.verification_code}" in html
    assert "Ada Admin" in html and "valid" in html
    # Held now: no decision can be opened for the same level again.
    assert f'<option value="{LEVEL}"' not in html


def test_unmet_criteria_are_refused_until_an_admin_overrides_with_a_reason(
        client: FlaskClient, auth: Auth, evidence: dict[str, bool]) -> None:
    evidence["met"] = False
    coach = _coach()
    master = UserFactory(roles=[Role.MASTER_COACH])
    db.session.commit()
    page = f"/certification/people/{coach.id}"
    auth.login(master.email)
    assert _post(client, f"{page}/decisions", "open", page, level=LEVEL).status_code == 302
    assert "some criteria are unmet" in client.get(page).get_data(as_text=True)
    decision = db.session.scalars(sa.select(CertificationDecision)).one()
    response = _post(client, f"/certification/decisions/{decision.id}/approve", "approve",
                     page, capacity="master_coach")
    assert response.status_code == 400
    assert "Not met" in response.get_data(as_text=True)
    # Master coaches do not override.
    assert "Override the unmet criteria (admin)" not in response.get_data(as_text=True)
    html = client.get(page).get_data(as_text=True)
    token = re.search(r'name="approve-csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    response = client.post(f"/certification/decisions/{decision.id}/override",
                           data={"override-csrf_token": token.group(1),
                                 "override-reason": "Evidence held on paper"})
    assert response.status_code == 403

    auth.logout()
    auth.login_as(Role.ADMIN)
    response = _post(client, f"/certification/decisions/{decision.id}/override", "override",
                     page, reason="short")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'class="field-error"' in body and "10 characters" in body
    assert not db.session.get(CertificationDecision, decision.id).override
    response = _post(client, f"/certification/decisions/{decision.id}/override", "override",
                     page, reason="Final review held on paper, checked by the panel")
    assert response.status_code == 302
    db.session.expire_all()
    decision = db.session.get(CertificationDecision, decision.id)
    assert decision.override and decision.override_reason.startswith("Final review")
    html = client.get(page).get_data(as_text=True)
    assert "Final review held on paper" in html and "override" in html
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "certification.override")) == 1


@pytest.mark.parametrize("fields", [{}, {"capacity": "sponsor"}, {"capacity": "x" * 5000}])
def test_approve_needs_a_capacity(client: FlaskClient, auth: Auth, evidence: dict[str, bool],
                                  fields: dict[str, str]) -> None:
    coach = _coach()
    master = auth.login_as(Role.MASTER_COACH)
    decision = services.open_decision(master, coach.id, LEVEL)
    db.session.commit()
    page = f"/certification/people/{coach.id}"
    response = _post(client, f"/certification/decisions/{decision.id}/approve", "approve",
                     page, **fields)
    assert response.status_code == 400
    assert "Approve as the master coach or as the admin." in response.get_data(as_text=True)
    assert db.session.get(CertificationDecision, decision.id).master_approver_id is None


@pytest.mark.parametrize("level", ["", "grand_master", "<script>"])
def test_open_decision_refuses_an_unknown_level(client: FlaskClient, auth: Auth,
                                                evidence: dict[str, bool], level: str) -> None:
    coach = _coach()
    auth.login_as(Role.MASTER_COACH)
    page = f"/certification/people/{coach.id}"
    response = _post(client, f"{page}/decisions", "open", page, level=level)
    assert response.status_code == 400
    assert "Choose one of the levels." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CertificationDecision.id))) == 0


def test_senior_coach_needs_the_lower_level_first(client: FlaskClient, auth: Auth,
                                                  evidence: dict[str, bool]) -> None:
    coach = _coach()
    auth.login_as(Role.MASTER_COACH)
    page = f"/certification/people/{coach.id}"
    response = _post(client, f"{page}/decisions", "open", page, level="senior_coach")
    assert response.status_code == 400
    assert 'class="error-summary" role="alert"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CertificationDecision.id))) == 0


def test_a_decided_decision_cannot_be_approved_again(client: FlaskClient, auth: Auth,
                                                     evidence: dict[str, bool]) -> None:
    coach = _coach()
    master = UserFactory(roles=[Role.MASTER_COACH])
    admin = UserFactory(roles=[Role.ADMIN])
    decision = services.open_decision(master, coach.id, LEVEL)
    services.approve_decision(master, decision.id, ApproverRole.MASTER_COACH)
    services.approve_decision(admin, decision.id, ApproverRole.ADMIN)
    db.session.commit()
    auth.login_as(Role.MASTER_COACH)
    page = f"/certification/people/{coach.id}"
    html = client.get(page).get_data(as_text=True)
    token = re.search(r'name="open-csrf_token" type="hidden" value="([^"]+)"', html)
    assert token  # senior coach can still be opened
    response = client.post(f"/certification/decisions/{decision.id}/approve",
                           data={"approve-csrf_token": token.group(1),
                                 "approve-capacity": "master_coach"})
    assert response.status_code == 400
    assert "no longer open" in response.get_data(as_text=True)
    assert client.post("/certification/decisions/999999/approve",
                       data={"approve-csrf_token": token.group(1)}).status_code == 404


def test_revoke_needs_a_reason_and_shows_at_once(client: FlaskClient, auth: Auth) -> None:
    cert = make_certification(person=PersonFactory(name="Revoked Coach"))
    db.session.commit()
    page = f"/certification/people/{cert.person_id}"
    auth.login_as(Role.ADMIN)
    response = _post(client, f"/certification/certifications/{cert.id}/revoke", "revoke",
                     page, reason="  ")
    assert response.status_code == 400
    assert "Give the reason." in response.get_data(as_text=True)
    assert db.session.get(Certification, cert.id).status == "active"
    response = _post(client, f"/certification/certifications/{cert.id}/revoke", "revoke",
                     page, reason="Breach of the confidentiality agreement")
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "revoked" in html and "Breach of the confidentiality agreement" in html
    verify = client.get(f"/verify/{cert.verification_code}").get_data(as_text=True)
    assert "revoked" in verify.lower()
    # Revoked: no second revocation form.
    assert f"/certification/certifications/{cert.id}/revoke" not in html
    assert post_form(client, "/certification/certifications/999999/revoke").status_code == 404


def test_a_missing_csrf_token_changes_nothing(client: FlaskClient, auth: Auth,
                                              evidence: dict[str, bool]) -> None:
    coach = _coach()
    auth.login_as(Role.MASTER_COACH)
    response = client.post(f"/certification/people/{coach.id}/decisions",
                           data={"open-level": LEVEL})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(CertificationDecision.id))) == 0


def test_dashboard_lists_due_soon_overdue_and_lapsed(client: FlaskClient, auth: Auth) -> None:
    today = services.today()
    soon = make_certification(person=PersonFactory(name="Soon Coach"),
                              issued_on=today - timedelta(days=340),
                              valid_until=today + timedelta(days=20))
    late = make_certification(person=PersonFactory(name="Late Coach"),
                              issued_on=today - timedelta(days=400),
                              valid_until=today - timedelta(days=3))
    make_certification(person=PersonFactory(name="Current Coach"),
                       issued_on=today, valid_until=today + timedelta(days=365))
    db.session.commit()
    auth.login_as(Role.ADMIN)
    html = client.get("/certification/").get_data(as_text=True)
    assert "Soon Coach" in html and "in 20 days" in html
    assert "Late Coach" in html and "by 3 days" in html
    assert "Current Coach" not in html
    home = client.get("/").get_data(as_text=True)
    assert "Certifications overdue or lapsed" in home
    assert "Recertifications due soon" in home
    assert soon.id != late.id


def test_dashboard_lists_are_pages_with_counts_on_the_home_panel(
        app: Any, client: FlaskClient, auth: Auth, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 20: each dashboard list is a page of its own (`?due_page=`), with its total and
    links that keep the other lists' pages; the home panel counts in SQL."""
    monkeypatch.setitem(app.config, "COACHPROG_PAGE_SIZE", 2)
    today = services.today()
    for n, days in enumerate((-9, -3, 5, 20, 40)):  # two overdue, three due soon
        make_certification(person=PersonFactory(name=f"Due Coach {n}"),
                           issued_on=today - timedelta(days=300),
                           valid_until=today + timedelta(days=days))
    make_certification(person=PersonFactory(name="Current Coach"),
                       issued_on=today, valid_until=today + timedelta(days=365))
    db.session.commit()
    auth.login_as(Role.ADMIN)
    first = client.get("/certification/").get_data(as_text=True)
    assert "Due Coach 0" in first and "Due Coach 1" in first and "Due Coach 2" not in first
    assert "1–2 of 5" in first and "/certification/?due_page=2" in first
    third = client.get("/certification/?due_page=3&pending_page=2").get_data(as_text=True)
    assert "Due Coach 4" in third and "Due Coach 0" not in third
    assert "Current Coach" not in third
    assert "due_page=2&amp;pending_page=2" in third  # the previous link keeps the other page
    home = client.get("/").get_data(as_text=True)
    late = re.search(r'count">(\d+)</strong>\s*<a[^>]*>Certifications overdue or lapsed', home)
    soon = re.search(r'count">(\d+)</strong>\s*<a[^>]*>Recertifications due soon', home)
    assert late and late.group(1) == "2" and soon and soon.group(1) == "3"


def test_dashboard_empty_states_explain_themselves(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.MASTER_COACH)
    html = client.get("/certification/").get_data(as_text=True)
    assert "No certification is due" in html and "No decision is waiting." in html
    assert 'href="/certification/">Certification</a>' in html


def test_the_coach_home_panel_says_when_their_recertification_is_due(
        client: FlaskClient, auth: Auth) -> None:
    today = services.today()
    person = PersonFactory()
    make_certification(person=person, issued_on=today - timedelta(days=350),
                       valid_until=today + timedelta(days=15))
    db.session.commit()
    auth.login_as(Role.COACH, person=person)
    home = client.get("/").get_data(as_text=True)
    assert "Your recertification is due on" in home and "(15 days)" in home


@pytest.mark.parametrize("role", [Role.SPONSOR, Role.MANAGER, Role.RATER, Role.LEAD_COACH])
def test_non_deciders_cannot_open_or_approve(client: FlaskClient, auth: Auth,
                                             evidence: dict[str, bool], role: Role) -> None:
    coach = _coach()
    auth.login_as(role)
    assert post_form(client, f"/certification/people/{coach.id}/decisions",
                     {"open-level": LEVEL}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(CertificationDecision.id))) == 0


def test_dashboard_lists_who_passed_the_final_review_until_a_decision_is_opened(
        client: FlaskClient, auth: Auth, evidence: dict[str, bool]) -> None:
    from coachprog.practicum.supervision.models import GateDecision

    passed, failed, retried = (PersonFactory(name=n) for n in ("Pia Passed", "Finn Failed",
                                                               "Rita Retried"))
    db.session.flush()
    db.session.add_all([
        GateDecision(trainee_person_id=passed.id, gate="final", outcome="passed"),
        GateDecision(trainee_person_id=failed.id, gate="final", outcome="not_passed"),
        GateDecision(trainee_person_id=retried.id, gate="midpoint", outcome="proceed"),
    ])
    db.session.commit()
    master = auth.login_as(Role.MASTER_COACH)
    html = client.get("/certification/").get_data(as_text=True)
    assert "Pia Passed" in html
    assert "Finn Failed" not in html and "Rita Retried" not in html
    services.open_decision(master, passed.id, LEVEL)
    db.session.commit()
    html = client.get("/certification/").get_data(as_text=True)
    assert "Nobody is waiting" in html
    assert "Pia Passed" in html  # now under the decisions waiting for approval


def test_engagements_of_lapsed_or_revoked_coaches_are_flagged_for_the_admin(
        client: FlaskClient, auth: Auth) -> None:
    from tests.coaching.builders import engagement, ready_coach

    lapsed_coach, revoked_coach, fine_coach = (ready_coach(name=n) for n in (
        "Lapsed Lena", "Revoked Rob", "Current Cora"))
    make_certification(person=lapsed_coach, status="lapsed")
    make_certification(person=revoked_coach, status="revoked")
    make_certification(person=fine_coach, valid_until=services.today() + timedelta(days=300))
    flagged = [engagement(lapsed_coach, PersonFactory()), engagement(revoked_coach,
                                                                     PersonFactory())]
    engagement(fine_coach, PersonFactory())
    db.session.commit()
    auth.login_as(Role.ADMIN)
    html = client.get("/certification/").get_data(as_text=True)
    assert "Lapsed Lena" in html and "Revoked Rob" in html and "Current Cora" not in html
    for row in flagged:
        assert f"/coaching/engagements/{row.id}" in html
    assert "Certification revoked" in html and "Certification lapsed" in html
    home = client.get("/").get_data(as_text=True)
    assert "Engagements whose coach lapsed or was revoked" in home

    # Master coaches decide certifications but the engagements are the admin's to settle.
    auth.logout()
    auth.login_as(Role.MASTER_COACH)
    html = client.get("/certification/").get_data(as_text=True)
    assert "Engagements of coaches who lapsed" not in html
