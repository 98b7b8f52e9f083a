"""Certification routes in the access matrix (collected by tests/test_access.py). The matrix
user is never the coach asked about: program staff read a coach's status; coaches (other than
the coach themselves), raters, managers and sponsors are refused."""

from __future__ import annotations

from typing import Any

from tests.access import Case, statuses
from tests.certification.access_cases_certificates import CERTIFICATE_CASES
from tests.certification.access_cases_recert import RECERT_CASES
from tests.factories import PersonFactory


def matrix_person() -> dict[str, Any]:
    from coachprog.extensions import db

    person = PersonFactory(name="Status Coach")
    db.session.commit()
    return {"person_id": person.id}


CASES = [
    Case("api.get_certification_status", "GET",
         lambda o: f"/api/v1/certification/people/{o['person_id']}",
         statuses(403, anonymous=401, admin=200, master_coach=200, lead_coach=200),
         api=True, setup=matrix_person),
]
CASES += CERTIFICATE_CASES
CASES += RECERT_CASES
