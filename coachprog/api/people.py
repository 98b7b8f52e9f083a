"""People resources: the directory for integrations (HRIS sync)."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Date, Dict, Integer, List, Nested, Raw, String
from apiflask.validators import Length, OneOf

from coachprog.api import current_api_user, operation
from coachprog.api.lists import page_of, paging
from coachprog.api.schemas import PageQueryIn, page
from coachprog.extensions import db
from coachprog.people import services
from coachprog.people.data_rights import services as data_rights
from coachprog.people.domain import records_from_rows
from coachprog.people.models import Person
from coachprog.problems import problem

MAX_BULK = 50_000


class PersonOut(Schema):
    id = Integer()
    employee_id = String()
    name = String()
    email = String()
    department = String()
    title = String()
    manager_employee_id = String(allow_none=True)
    active = Boolean()
    location = String()
    hired_on = Date(allow_none=True)


class PersonDetailOut(PersonOut):
    """One person. A schema of its own because APIFlask registers PersonOut twice (once
    nested in PeoplePage, once as a response) otherwise, with a warning and a `PersonOut1`."""


PeoplePage = page("PeoplePage", PersonOut)


class PeopleQueryIn(PageQueryIn):
    q = String(load_default="", validate=Length(max=100),
               metadata={"description": "Matches name, e-mail or employee id."})
    department = String(load_default="", validate=Length(max=200))
    status = String(load_default="active", validate=OneOf(["active", "inactive", "all"]))


class PersonIn(Schema):
    # Loosely typed on purpose: the domain validates values and reports each problem by item.
    employee_id = Raw(required=True)
    name = Raw(required=True)
    email = Raw(required=True)
    department = Raw(load_default="")
    title = Raw(load_default="")
    manager_employee_id = Raw(load_default=None, allow_none=True)
    active = Raw(load_default=True)
    # Optional, for the bias audit's breakdowns: left out, the stored value stays as it is.
    location = Raw(allow_none=True, metadata={"description": "Office or site; blank clears it."})
    hired_on = Raw(allow_none=True, metadata={
        "description": "Start date as YYYY-MM-DD (e.g. 2019-04-01); blank or null clears it."})


class BulkUpsertIn(Schema):
    people = List(Nested(PersonIn), required=True, validate=Length(min=1, max=MAX_BULK))


class BulkUpsertOut(Schema):
    created = Integer()
    updated = Integer()
    unchanged = Integer()
    total = Integer()


def _person_out(person: Person) -> dict[str, Any]:
    return {
        "id": person.id, "employee_id": person.employee_id, "name": person.name,
        "email": person.email, "department": person.department, "title": person.title,
        "manager_employee_id": person.manager.employee_id if person.manager else None,
        "active": person.active, "location": person.location, "hired_on": person.hired_on,
    }


@operation("GET", "/people", query=PeopleQueryIn, out=PeoplePage,
           summary="List people", tags=["people"], responses=[403])
def list_people(query: dict[str, Any]) -> Any:
    status = {"active": True, "inactive": False, "all": None}[query["status"]]
    people, total = services.list_people(current_api_user(), services.PeopleQuery(
        q=query["q"], department=query["department"], active=status, **paging(query)))
    return page_of(query, people, total, _person_out)


# `path:` because employee ids may contain "/" (e.g. "de/ber/17"); a plain converter would
# answer 404 for such a person.
@operation("GET", "/people/<path:employee_id>", out=PersonDetailOut,
           summary="One person by employee id", tags=["people"], responses=[403, 404])
def get_person(employee_id: str) -> Any:
    return _person_out(services.get_person_by_employee_id(current_api_user(), employee_id))


@operation("POST", "/people/bulk", body=BulkUpsertIn, out=BulkUpsertOut,
           summary="Create or update people by employee id, all or nothing", tags=["people"],
           description="Same rules as the CSV import: every problem is reported as "
           "`people.<index>.<field>` and nothing is written unless every item is valid.",
           responses=[403, 422])
def bulk_upsert_people(body: dict[str, Any]) -> Any:
    plan = records_from_rows(enumerate(body["people"]), unit="item")
    try:
        summary = services.import_people(current_api_user(), plan, source="api")
    except services.ImportRejected as rejected:
        db.session.rollback()
        errors: dict[str, list[str]] = {}
        for error in rejected.errors:
            errors.setdefault(f"people.{error.line}.{error.field or 'item'}", []).append(
                error.message)
        detail = rejected.message
        if rejected.more:
            detail += f" Only the first {len(rejected.errors)} problems are listed."
        return problem(422, detail, errors=errors)
    db.session.commit()
    return summary.as_dict()


class PersonalDataOut(Schema):
    format = String()
    generated_at = String()
    subject = Dict(keys=String(), values=Raw())
    sections = Dict(keys=String(), values=Raw())


@operation("GET", "/personal-data/<path:employee_id>", out=PersonalDataOut,
           summary="Everything held about one person (an access request)", tags=["people"],
           description="Every domain's section of the person's data, as the person's own "
           "download gives it. Admins only; each export is recorded in the audit log.",
           responses=[403, 404])
def export_person_data(employee_id: str) -> Any:
    export = data_rights.export_person_data(current_api_user(), employee_id)
    db.session.commit()  # the audit entry of the export
    return export
