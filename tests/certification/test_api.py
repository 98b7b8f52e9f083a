"""GET /api/v1/certification/people/<id>: a coach reads their own status; another coach not."""

from __future__ import annotations

from datetime import date

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.certification.models import Certification
from coachprog.extensions import db
from coachprog.roles import Role
from tests.factories import PersonFactory, UserFactory


def _token(user) -> str:
    _, token = create_api_token(SystemActor("test"), user, name="t")
    db.session.commit()
    return token


def test_coach_reads_own_status_but_not_anothers(client, monkeypatch):
    from coachprog.practicum.supervision import services as supervision_services

    monkeypatch.setattr(supervision_services, "final_review", lambda pid: None)
    monkeypatch.setattr(supervision_services, "capstone_passed", lambda pid: False)
    me = PersonFactory()
    other = PersonFactory()
    user = UserFactory(roles=[Role.COACH], person=me)
    db.session.add(Certification(person_id=other.id, level="certified_internal_coach",
                                 status="revoked", issued_on=date(2026, 1, 1),
                                 valid_until=date(2027, 1, 1)))
    token = _token(user)
    headers = {"Authorization": f"Bearer {token}"}
    own = client.get(f"/api/v1/certification/people/{me.id}", headers=headers)
    assert own.status_code == 200
    body = own.get_json()
    assert body["certifications"] == []
    cic = body["criteria"]["certified_internal_coach"]
    assert cic["all_met"] is False
    assert {c["key"] for c in cic["criteria"]} == {"final_review", "practicum_hours",
                                                    "capstone", "paperwork"}
    assert client.get(f"/api/v1/certification/people/{other.id}",
                      headers=headers).status_code == 403


def test_status_carries_each_certifications_recertification_stage(client):
    from coachprog.certification import services

    me = PersonFactory()
    user = UserFactory(roles=[Role.COACH], person=me)
    today = services.today()
    db.session.add_all([
        Certification(person_id=me.id, level="certified_internal_coach", status="active",
                      issued_on=today, valid_until=date(today.year + 1, today.month, 1)),
        Certification(person_id=me.id, level="certified_internal_coach", status="superseded",
                      issued_on=date(2024, 1, 1), valid_until=date(2025, 1, 1)),
    ])
    token = _token(user)
    body = client.get(f"/api/v1/certification/people/{me.id}",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    by_status = {c["status"]: c for c in body["certifications"]}
    assert by_status["superseded"]["recertification"] is None
    active = by_status["active"]["recertification"]
    assert active["stage"] == "not_yet_open" and active["opens_on"] > today.isoformat()
