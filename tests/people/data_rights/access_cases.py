"""A person's data routes in the access matrix (tests/test_access.py): everyone signed in
downloads their own data; erasure requests and exports of someone else are for admins."""

from __future__ import annotations

from typing import Any

from coachprog.extensions import db
from tests.access import ADMIN_ONLY, Case, statuses


def _pending_request() -> dict[str, Any]:
    # Imported late: the matrix module is collected before the app exists.
    from coachprog.people.data_rights.models import ErasureRequest
    from coachprog.roles import Role
    from tests.factories import PersonFactory, UserFactory

    asker = UserFactory(roles=[Role.ADMIN])
    person = PersonFactory()
    request = ErasureRequest(person_id=person.id, reason="Asked on 2026-12-01 (ticket 9).",
                             status="pending", requested_by_id=asker.id)
    db.session.add(request)
    db.session.commit()
    return {"request_id": request.id}


CASES = [
    Case("data_rights.my_data", "GET", lambda o: "/account/data", statuses(200)),
    Case("data_rights.download_my_data", "GET", lambda o: "/account/data/download.json",
         statuses(200)),
    Case("data_rights.list_erasures", "GET", lambda o: "/admin/erasure", ADMIN_ONLY),
    # An empty request form comes back with its problems.
    Case("data_rights.list_erasures", "POST", lambda o: "/admin/erasure",
         statuses(403, admin=400)),
    Case("data_rights.view_erasure", "GET", lambda o: f"/admin/erasure/{o['request_id']}",
         ADMIN_ONLY, setup=_pending_request),
    # Without the confirmation ticked nothing is erased: the form comes back (400).
    Case("data_rights.approve_erasure", "POST",
         lambda o: f"/admin/erasure/{o['request_id']}/approve", statuses(403, admin=400),
         setup=_pending_request),
    Case("data_rights.cancel_erasure", "POST",
         lambda o: f"/admin/erasure/{o['request_id']}/cancel", statuses(403, admin=302),
         setup=_pending_request),
    Case("api.export_person_data", "GET",
         lambda o: f"/api/v1/personal-data/{o['employee_id']}",
         statuses(403, anonymous=401, admin=200), api=True),
]
