"""/api/v1/audits: samples with verification, one's assigned audits (blind), coverage, and
corrective actions — the pages' rules, problem+json errors (401, 403, 404, 422)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coachprog.audits import actions
from coachprog.audits.models import Audit, CorrectiveAction
from coachprog.audits.sampling import services as sampling_services
from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.roles import Role
from tests.api.conftest import Api
from tests.audits.builders import ADMIN, auditor, coaches, supervisor
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("clock")
PROBLEM = "application/problem+json"


def _api(client, user=None, role: Role | None = None) -> Api:
    if user is None:
        user = UserFactory(roles=[role or Role.ADMIN])
    _, secret = create_api_token(SystemActor("test"), user, name="t")
    db.session.commit()
    return Api(client, secret)


def _world() -> list:
    coaches(6, supervisor())
    coaches(4, supervisor())
    masters = [auditor(), auditor()]
    db.session.commit()
    return masters


def _drawn(seed: int = 3):
    masters = _world()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=seed)
    db.session.commit()
    return masters, sample


def test_admin_lists_and_gets_samples_with_verification(client) -> None:
    _, sample = _drawn()
    api = _api(client)
    listing = api.get("/api/v1/audits/samples")
    assert listing.status_code == 200, listing.get_json()
    (item,) = listing.get_json()["items"]
    assert item["id"] == sample.id and item["quarter"] == "2026Q4" and item["current"]
    assert item["seed"] == 3 and item["method_version"] == "stratified-es-1"
    assert sorted(item["drawn"]) == sorted(sample.drawn) and item["population_size"] == 10
    assert api.get("/api/v1/audits/samples?quarter=2026q4").get_json()["items"][0]["id"] \
        == sample.id
    assert api.get("/api/v1/audits/samples?quarter=2026Q3").get_json()["items"] == []
    detail = api.get(f"/api/v1/audits/samples/{sample.id}").get_json()
    assert detail["verification"]["matches"] is True
    assert detail["verification"]["method_known"] is True
    assert sorted(detail["verification"]["stored"]) == sorted(sample.drawn)
    assert len(detail["population"]) == 10 and {"coach_id", "stratum", "weight"} <= set(
        detail["population"][0])
    names = {a.coach.name for a in sample.audits}
    assert {a["coach_name"] for a in detail["audits"]} == names  # admins see names
    assert all(a["auditor_user_id"] for a in detail["audits"])


def test_verification_reports_a_tampered_record(client) -> None:
    _, sample = _drawn()
    sample.drawn = sorted(sample.drawn)[:-1]
    db.session.commit()
    check = _api(client).get(f"/api/v1/audits/samples/{sample.id}").get_json()["verification"]
    assert check["matches"] is False and len(check["recomputed"]) == len(check["stored"]) + 1


@pytest.mark.parametrize("quarter", ["2026Q5", "2026-4", "x" * 17])
def test_samples_refuse_a_bad_quarter(client, quarter) -> None:
    _drawn()
    response = _api(client).get(f"/api/v1/audits/samples?quarter={quarter}")
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert "quarter" in response.get_json()["errors"]


def test_samples_are_for_admins_only(client) -> None:
    masters, sample = _drawn()
    for user in (masters[0], UserFactory(roles=[Role.SPONSOR])):
        api = _api(client, user)
        for url in ("/api/v1/audits/samples", f"/api/v1/audits/samples/{sample.id}"):
            response = api.get(url)
            assert response.status_code == 403 and response.mimetype == PROBLEM
    assert Api(client, None).get("/api/v1/audits/samples").status_code == 401
    assert Api(client, "not-a-token").get("/api/v1/audits/samples").status_code == 401
    for bad_id in (sample.id + 99, 2**70):
        missing = _api(client).get(f"/api/v1/audits/samples/{bad_id}")
        assert missing.status_code == 404 and missing.mimetype == PROBLEM


def test_auditor_lists_only_assigned_audits_under_a_pseudonym(client) -> None:
    masters, sample = _drawn()
    by_auditor: dict[int, list[Audit]] = {}
    for audit in sample.audits:
        by_auditor.setdefault(audit.auditor_user_id, []).append(audit)
    names = [a.coach.name for a in sample.audits]
    for master in masters:
        response = _api(client, master).get("/api/v1/audits/mine")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        items = response.get_json()["items"]
        assert {i["id"] for i in items} == {a.id for a in by_auditor.get(master.id, [])}
        assert all(i["coach"] == f"Coach A-{i['id']:04d}" for i in items)
        assert all(i["url"] == f"/audits/audits/{i['id']}" for i in items)
        assert not any(name in text for name in names)
        assert "coach_person_id" not in text
    # An admin may ask too, and gets only audits assigned to them (none).
    assert _api(client).get("/api/v1/audits/mine").get_json()["items"] == []
    for role in (Role.COACH, Role.LEAD_COACH, Role.SPONSOR, Role.MANAGER):
        assert _api(client, role=role).get("/api/v1/audits/mine").status_code == 403
    assert Api(client, None).get("/api/v1/audits/mine").status_code == 401


def test_coverage_per_group_for_admins_and_aggregates_for_sponsors(client, clock) -> None:
    _drawn()
    clock[0] = datetime(2027, 1, 4, tzinfo=UTC)
    admin = _api(client).get("/api/v1/audits/coverage?quarter=2026Q4")
    assert admin.status_code == 200
    body = admin.get_json()
    assert body["quarter"] == "2026Q4" and body["has_sample"] and body["quarter_over"]
    assert body["population"] == 10 and body["audited"] == 0 and body["breach"] is True
    assert body["overdue"] == body["sampled"] >= 2
    assert all(not g["suppressed"] and g["sampled"] >= 1 for g in body["groups"])
    sponsor = _api(client, role=Role.SPONSOR).get("/api/v1/audits/coverage?quarter=2026Q4")
    groups = sponsor.get_json()["groups"]
    assert groups and all(g["suppressed"] and g["sampled"] is None and g["outcomes"] == {}
                          for g in groups)
    # Every group is small and no group is left to withhold with them: the sampled, audited and
    # overdue totals would give them away (issue 19), so they are withheld; the rest stays.
    totals = sponsor.get_json()
    assert (totals["sampled"], totals["audited"], totals["overdue"]) == (None, None, None)
    assert totals["population"] == 10 and totals["breach"] is True
    # No quarter: the current one (no sample drawn for it).
    current = _api(client).get("/api/v1/audits/coverage").get_json()
    assert current["quarter"] == "2027Q1" and current["has_sample"] is False


def test_coverage_refuses_bad_quarters_and_other_roles(client) -> None:
    _drawn()
    bad = _api(client).get("/api/v1/audits/coverage?quarter=2026Q0")
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    assert "quarter" in bad.get_json()["errors"]
    for role in (Role.COACH, Role.LEAD_COACH, Role.RATER, Role.MANAGER):
        assert _api(client, role=role).get("/api/v1/audits/coverage").status_code == 403
    assert Api(client, None).get("/api/v1/audits/coverage").status_code == 401


def _with_action(masters: list, sample) -> tuple[Audit, CorrectiveAction, object, object]:
    audit: Audit = sample.audits[0]
    mine = next(m for m in masters if m.id == audit.auditor_user_id)
    other = next(m for m in masters if m.id != audit.auditor_user_id)
    audit.outcome, audit.findings = "needs_development", "Advising crept in."
    db.session.flush()
    coach_user = UserFactory(roles=[Role.COACH], person_id=audit.coach_person_id)
    action = actions.add_action(ADMIN, audit.id, kind="retraining", description="Refresher",
                                 owner_user_id=coach_user.id, due_on=date(2026, 12, 1))
    db.session.commit()
    return audit, action, mine, other


def test_auditor_lists_and_closes_their_audits_actions(client) -> None:
    masters, sample = _drawn()
    audit, action, mine, other = _with_action(masters, sample)
    coach_name = audit.coach.name
    api = _api(client, mine)
    listing = api.get("/api/v1/audits/actions")
    assert listing.status_code == 200
    (item,) = listing.get_json()["items"]
    label = f"Coach A-{audit.id:04d}"
    assert item["id"] == action.id and item["audit_id"] == audit.id and item["coach"] == label
    assert item["owner"] == f"The coach ({label})" and item["status"] == "open"
    assert item["owned_by_me"] is False and item["overdue"] is False
    assert coach_name not in listing.get_data(as_text=True)
    assert api.get("/api/v1/audits/actions?owned=true").get_json()["items"] == []
    assert api.get("/api/v1/audits/actions?status=done").get_json()["items"] == []
    assert _api(client, other).get("/api/v1/audits/actions").get_json()["items"] == []
    admin_item = _api(client).get("/api/v1/audits/actions").get_json()["items"][0]
    assert admin_item["coach"] == coach_name  # admins see the name

    url = f"/api/v1/audits/actions/{action.id}/close"
    assert _api(client, other).post(url, json={"status": "done", "note": "x"}).status_code \
        == 403
    empty = api.post(url, json={"status": "done", "note": "  "})
    assert empty.status_code == 422 and empty.mimetype == PROBLEM
    assert "note" in empty.get_json()["errors"]
    bad = api.post(url, json={"status": "reopened", "note": "x"})
    assert bad.status_code == 422 and "status" in bad.get_json()["errors"]
    assert api.post(url, json={"note": "x"}).status_code == 422
    garbled = api.post(url, data="{not json", content_type="application/json")
    assert garbled.status_code in (400, 422) and garbled.mimetype == PROBLEM
    long_note = api.post(url, json={"status": "done", "note": "x" * 10_001})
    assert long_note.status_code == 422 and "note" in long_note.get_json()["errors"]
    assert db.session.get(CorrectiveAction, action.id).status == "open"  # nothing changed
    done = api.post(url, json={"status": "done", "note": "Completed the refresher."})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "done" and done.get_json()["closed_at"]
    again = api.post(url, json={"status": "cancelled", "note": "Twice"})
    assert again.status_code == 422 and "already closed" in again.get_json()["detail"]
    assert api.get("/api/v1/audits/actions?status=done").get_json()["items"][0]["id"] \
        == action.id


def test_actions_refuse_bad_queries_unknown_ids_and_other_roles(client) -> None:
    masters, sample = _drawn()
    _, action, _, _ = _with_action(masters, sample)
    api = _api(client)
    assert api.get("/api/v1/audits/actions?status=later").status_code == 422
    assert api.get("/api/v1/audits/actions?owned=maybe").status_code == 422
    for bad_id in (action.id + 99, 2**70):
        missing = api.post(f"/api/v1/audits/actions/{bad_id}/close",
                           json={"status": "done", "note": "x"})
        assert missing.status_code == 404 and missing.mimetype == PROBLEM
    # The action's owner is a coach: the audit pages give coaches no access, nor does the API.
    owner = db.session.get(CorrectiveAction, action.id).owner
    coach_api = _api(client, owner)
    assert coach_api.get("/api/v1/audits/actions").status_code == 403
    assert coach_api.post(f"/api/v1/audits/actions/{action.id}/close",
                          json={"status": "done", "note": "x"}).status_code == 403
    assert Api(client, None).post(f"/api/v1/audits/actions/{action.id}/close",
                                  json={"status": "done", "note": "x"}).status_code == 401


def test_openapi_documents_the_audit_routes(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/audits/samples", "/api/v1/audits/samples/{sample_id}",
                 "/api/v1/audits/mine", "/api/v1/audits/coverage", "/api/v1/audits/actions",
                 "/api/v1/audits/actions/{action_id}/close"):
        assert path in paths
    schemas = spec["components"]["schemas"]
    assert {"SampleDetailOut", "ActionDetailOut", "ActionOut", "CoverageOut"} <= set(schemas)
