"""GET /api/v1/me: who the token belongs to."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Integer, List, String

from coachprog.api import current_api_user, operation


class MeOut(Schema):
    id = Integer()
    email = String()
    display_name = String()
    roles = List(String())
    employee_id = String(allow_none=True)


@operation("GET", "/me", out=MeOut,
           summary="The account the bearer token belongs to", tags=["me"])
def get_me() -> Any:
    user = current_api_user()
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "roles": sorted(user.roles),
        "employee_id": user.person.employee_id if user.person else None,
    }
