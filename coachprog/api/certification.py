"""Certification API: a coach's certifications and criteria status (read only)."""

from __future__ import annotations

from typing import Any

from coachprog.api import current_api_user, operation
from coachprog.certification import services
from coachprog.certification.recertification import services as recert_services


@operation("GET", "/certification/people/<int:person_id>",
           summary="A coach's certifications and criteria status", tags=["certification"],
           responses={200: "The coach's certifications and the criteria of each level.",
                      403: "Forbidden", 404: "No such person"})
def get_certification_status(person_id: int) -> Any:
    status = services.coach_status(current_api_user(), person_id)
    day = services.today()
    recert = {row.cert.id: row for row in recert_services.panel_rows(status.certifications,
                                                                      on=day)}
    return {
        "person_id": status.person.id,
        "name": status.person.name,
        "certifications": [
            {"id": c.id, "level": c.level, "status": c.status,
             "display_status": services.display_status(c, day),
             "issued_on": c.issued_on.isoformat(), "valid_until": c.valid_until.isoformat(),
             # Active and lapsed certifications: where their recertification stands.
             "recertification": {"stage": recert[c.id].stage.value,
                                 "label": recert[c.id].label,
                                 "opens_on": recert[c.id].opens_on.isoformat()}
             if c.id in recert else None}
            for c in status.certifications],
        "criteria": {level: {"all_met": ev.all_met, "criteria": ev.snapshot()}
                     for level, ev in status.criteria.items()},
    }
