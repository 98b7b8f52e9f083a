"""Every prohibited row of the use-case matrix that the system could technically do is refused
in code: one proof per row, named after the row's id (`PROOFS`). The test is parametrised over
the matrix's prohibited rows, so a new prohibited row without a proof fails here.

Each proof shows the refusal AND a control — the same person without the barred relation is
let through — so a proof cannot pass merely because nothing works.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor, can
from coachprog.coaching.engagements import services as engagement_services
from coachprog.errors import NotPermitted
from coachprog.extensions import db
from coachprog.policy import services as policy
from coachprog.policy.files import current_policy
from coachprog.recordings.consent import services as consent_rules
from coachprog.recordings.review import services as review
from coachprog.roles import Role
from tests.coaching.builders import evaluation, ready_coach
from tests.conftest import Auth
from tests.factories import PersonFactory, UserFactory
from tests.recordings.recording_builders import (
    World,
    session,
    stored_recording,
    supervisor_of,
    world,
)

SYSTEM = SystemActor("test")


def _recorded() -> tuple[World, Any]:
    w = world()
    assert w.consent is not None
    recording = stored_recording(session(w.engagement), w.consent, Path("/nonexistent"))
    return w, recording


def _opens(user: Any, recording: Any) -> bool:
    return can(user, "can_open_recording_content", recording)


def content_to_managers(client: FlaskClient, auth: Auth) -> None:
    w, recording = _recorded()
    control = supervisor_of(w.coach)
    manager = PersonFactory()
    w.coachee.manager = manager
    barred = supervisor_of(w.coach, person_id=manager.id)  # supervises, AND manages the coachee
    db.session.commit()
    assert _opens(control, recording)
    assert not _opens(barred, recording)
    auth.login(barred.email)
    assert client.get(f"/transcripts/{recording.id}").status_code == 403
    assert client.get(f"/recordings/{recording.id}/audio").status_code == 403


def content_to_sponsors(client: FlaskClient, auth: Auth) -> None:
    w, recording = _recorded()
    control = supervisor_of(w.coach)
    barred = supervisor_of(w.coach, Role.LEAD_COACH)
    barred.role_grants.append(type(barred.role_grants[0])(role=Role.SPONSOR.value))
    db.session.commit()
    assert _opens(control, recording)
    assert not _opens(barred, recording)
    auth.login(barred.email)
    assert client.get(f"/transcripts/{recording.id}").status_code == 403


def content_to_performance_reviewers(client: FlaskClient, auth: Auth) -> None:
    """The gap issue 24 closed: a supervisor who also reviews the coachee's performance
    (a matrix manager, outside the reporting line) opened the session before."""
    w, recording = _recorded()
    reviewer = PersonFactory()
    barred = supervisor_of(w.coach, person_id=reviewer.id)
    db.session.commit()
    assert _opens(barred, recording)  # control: before the review relationship
    evaluation(reviewer, w.coachee)
    db.session.commit()
    assert not _opens(barred, recording)
    auth.login(barred.email)
    assert client.get(f"/transcripts/{recording.id}").status_code == 403


def content_export_to_managers(client: FlaskClient, auth: Auth) -> None:
    w, recording = _recorded()
    manager = PersonFactory()
    w.coachee.manager = manager
    barred = supervisor_of(w.coach, person_id=manager.id)
    sponsor = UserFactory(roles=[Role.SPONSOR])
    db.session.commit()
    auth.login(w.coach_user.email)  # control: the coach may export their own session
    assert client.get(f"/transcripts/{recording.id}/export.txt").status_code == 200
    auth.logout()
    for user in (barred, sponsor):
        with pytest.raises(NotPermitted):
            review.export_transcript(user, recording.id, file_format="txt")
        db.session.rollback()
        auth.login(user.email)
        assert client.get(f"/transcripts/{recording.id}/export.txt").status_code == 403
        assert client.get(f"/transcripts/{recording.id}/export.docx").status_code == 403
        auth.logout()


CONTENT_FIELDS = {"segments", "text", "transcript", "audio", "notes", "note", "evidence_notes"}


def _properties(schema: Any, components: dict[str, Any], seen: set[str]) -> set[str]:
    if isinstance(schema, list):
        return set().union(*(_properties(s, components, seen) for s in schema)) \
            if schema else set()
    if not isinstance(schema, dict):
        return set()
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return set()
        seen.add(name)
        return _properties(components.get(name, {}), components, seen)
    found = set(schema.get("properties", {}))
    for value in schema.values():
        found |= _properties(value, components, seen)
    return found


def content_in_integration_api(client: FlaskClient, auth: Auth) -> None:
    """The integration tokens (HRIS = an admin's token, sponsors, managers) get no session
    content: the one operation that returns it refuses them, and no other operation of the
    people, recordings and program API returns a content field."""
    w, recording = _recorded()
    db.session.commit()
    for role in (Role.ADMIN, Role.SPONSOR, Role.MANAGER):
        user = UserFactory(roles=[role])
        _, secret = create_api_token(SYSTEM, user, name="integration")
        db.session.commit()
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get(f"/api/v1/recordings/{recording.id}/transcript",
                          headers=headers).status_code == 403, role
        described = client.get(f"/api/v1/recordings/{recording.id}", headers=headers)
        assert described.status_code in (200, 403, 404)
        if described.status_code == 200:
            assert not CONTENT_FIELDS & set(described.get_json()), role
    _, secret = create_api_token(SYSTEM, w.coach_user, name="coach")  # control
    db.session.commit()
    assert client.get(f"/api/v1/recordings/{recording.id}/transcript",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    spec = client.get("/api/v1/openapi.json").get_json()
    components = spec.get("components", {}).get("schemas", {})
    for path, operations in spec["paths"].items():
        if path.endswith("/transcript"):
            continue  # the content operation, refused above to every integration token
        for method, operation in operations.items():
            if method != "get" or not (path.startswith(("/api/v1/people", "/api/v1/me",
                                                        "/api/v1/recordings"))):
                continue
            fields = _properties(operation.get("responses", {}), components, set())
            assert not CONTENT_FIELDS & fields, (path, CONTENT_FIELDS & fields)


def _draft(coach: Any, coachee: Any) -> engagement_services.EngagementDraft:
    return engagement_services.EngagementDraft(coach_person_id=coach.id,
                                    coachee_employee_id=coachee.employee_id,
                                    start_date=date(2026, 1, 5), goals="Grow", kpi_name="",
                                    session_cap=6, hours_per_week=1.0)


def coach_evaluates_coachee(client: FlaskClient, auth: Auth) -> None:
    coach, coachee, other = ready_coach(), PersonFactory(), PersonFactory()
    evaluation(coach, coachee)
    db.session.commit()
    with pytest.raises(engagement_services.MatchRefused, match="evaluates the coachee"):
        engagement_services.create_engagement(SYSTEM, _draft(coach, coachee))
    db.session.rollback()
    assert engagement_services.create_engagement(SYSTEM, _draft(coach, other)).id  # control


def sensitive_flags_to_managers(client: FlaskClient, auth: Auth) -> None:
    w, recording = _recorded()
    control = supervisor_of(w.coach, Role.MASTER_COACH)
    manager = PersonFactory()
    w.coachee.manager = manager
    barred = supervisor_of(w.coach, Role.MASTER_COACH, person_id=manager.id)
    db.session.commit()
    assert can(control, "can_review_sensitive_flags", recording)
    assert not can(barred, "can_review_sensitive_flags", recording)
    assert not can(UserFactory(roles=[Role.MANAGER]), "can_review_sensitive_flags")
    assert not can(UserFactory(roles=[Role.SPONSOR]), "can_review_sensitive_flags")


def fidelity_to_managers(client: FlaskClient, auth: Auth) -> None:
    w = world()
    control = supervisor_of(w.coach)
    manager = PersonFactory()
    w.coach.manager = manager
    barred = UserFactory(roles=[Role.MANAGER, Role.LEAD_COACH], person_id=manager.id)
    db.session.commit()
    assert can(control, "can_view_fidelity_signals", w.coach)
    assert not can(barred, "can_view_fidelity_signals", w.coach)
    auth.login(barred.email)
    assert client.get(f"/fidelity/coaches/{w.coach.id}").status_code == 403


def recording_after_opt_out(client: FlaskClient, auth: Auth) -> None:
    w = world()
    db.session.commit()
    assert consent_rules.consent_refusal(w.engagement.id, need="record") is None  # control
    policy.set_opt_out(SYSTEM, w.coachee.id, "recording", opted_out=True, reason="asked")
    db.session.commit()
    refusal = consent_rules.consent_refusal(w.engagement.id, need="record")
    assert refusal is not None and "opted out of recording" in refusal


def matching_after_opt_out(client: FlaskClient, auth: Auth) -> None:
    coach, coachee, other = ready_coach(), PersonFactory(), PersonFactory()
    policy.set_opt_out(SYSTEM, coachee.id, "program", opted_out=True, reason="asked")
    db.session.commit()
    with pytest.raises(engagement_services.MatchRefused, match="opted out of the coach program"):
        engagement_services.create_engagement(SYSTEM, _draft(coach, coachee))
    db.session.rollback()
    assert engagement_services.create_engagement(SYSTEM, _draft(coach, other)).id  # control


PROOFS: dict[str, Callable[[FlaskClient, Auth], None]] = {
    "content-to-managers": content_to_managers,
    "content-to-sponsors": content_to_sponsors,
    "content-to-performance-reviewers": content_to_performance_reviewers,
    "content-export-to-managers": content_export_to_managers,
    "content-in-integration-api": content_in_integration_api,
    "coach-evaluates-coachee": coach_evaluates_coachee,
    "sensitive-flags-to-managers": sensitive_flags_to_managers,
    "fidelity-to-managers": fidelity_to_managers,
    "recording-after-opt-out": recording_after_opt_out,
    "matching-after-opt-out": matching_after_opt_out,
}


def _guarded_row_ids() -> list[str]:
    # Read from the file itself: collection happens before any app exists.
    from coachprog.policy.schema import load_use_cases

    data = (Path(__file__).resolve().parents[2] / "policy" / "use_cases.yaml").read_bytes()
    return [row.id for row in load_use_cases(data).guarded()]


@pytest.mark.parametrize("row_id", _guarded_row_ids())
def test_prohibited_row_is_refused(client: FlaskClient, auth: Auth, row_id: str) -> None:
    proof = PROOFS.get(row_id)
    assert proof is not None, (f"the prohibited row {row_id!r} has no proof here: add a "
                               "function named after it to PROOFS")
    proof(client, auth)


def test_every_proof_names_a_guarded_row(app: Flask) -> None:
    assert set(PROOFS) == {row.id for row in current_policy(app).use_cases.guarded()}
