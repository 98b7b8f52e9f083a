"""Certification routes in the access matrix (collected by tests/test_access.py). The matrix
user is never the coach asked about: program staff read a coach's status; coaches (other than
the coach themselves), raters, managers and sponsors are refused."""

from __future__ import annotations

from typing import Any

from tests.access import Case, statuses
from tests.factories import PersonFactory


def matrix_person() -> dict[str, Any]:
    from coachprog.extensions import db

    person = PersonFactory(name="Status Coach")
    db.session.commit()
    return {"person_id": person.id}


def matrix_decision() -> dict[str, Any]:
    from coachprog.certification.models import CertificationDecision
    from coachprog.extensions import db

    person = PersonFactory(name="Decision Coach")
    decision = CertificationDecision(person=person, level="certified_internal_coach",
                                     kind="certification", status="pending")
    db.session.add(decision)
    db.session.commit()
    return {"person_id": person.id, "decision_id": decision.id}


def matrix_revocable() -> dict[str, Any]:
    from coachprog.extensions import db
    from tests.certification.certificates.access_cases import make_certification

    cert = make_certification(name="Revocable Coach")
    db.session.commit()
    return {"cert_id": cert.id}


STAFF = statuses(403, admin=200, master_coach=200, lead_coach=200)

CASES = [
    Case("certification.dashboard", "GET", lambda o: "/certification/",
         statuses(403, admin=200, master_coach=200)),
    Case("certification.register_list", "GET", lambda o: "/certification/register", STAFF),
    Case("certification.register_csv", "GET", lambda o: "/certification/register.csv", STAFF),
    Case("certification.coach", "GET", lambda o: f"/certification/people/{o['person_id']}",
         STAFF, setup=matrix_person),
    # Empty forms come back with errors (400) to those who may decide.
    Case("certification.open_decision", "POST",
         lambda o: f"/certification/people/{o['person_id']}/decisions",
         statuses(403, admin=400, master_coach=400), setup=matrix_person),
    Case("certification.approve_decision", "POST",
         lambda o: f"/certification/decisions/{o['decision_id']}/approve",
         statuses(403, admin=400, master_coach=400), setup=matrix_decision),
    Case("certification.override_decision", "POST",
         lambda o: f"/certification/decisions/{o['decision_id']}/override",
         statuses(403, admin=400), setup=matrix_decision),
    Case("certification.revoke_certification", "POST",
         lambda o: f"/certification/certifications/{o['cert_id']}/revoke",
         statuses(403, admin=400), setup=matrix_revocable),
    Case("api.get_certification_status", "GET",
         lambda o: f"/api/v1/certification/people/{o['person_id']}",
         statuses(403, anonymous=401, admin=200, master_coach=200, lead_coach=200),
         api=True, setup=matrix_person),
]
