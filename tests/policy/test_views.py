"""The policy pages, the acknowledgement gate after sign-in, opt-out pages and the retention
register."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.db import set_clock
from coachprog.errors import NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.jobs.batch import record_run
from coachprog.jobs.models import BatchRun
from coachprog.policy import services
from coachprog.policy.files import current_policy
from coachprog.policy.models import OptOut, PolicyAcknowledgement
from coachprog.roles import Role
from tests.conftest import TEST_PASSWORD, Auth, csrf_token, post_form
from tests.factories import PersonFactory, UserFactory

SYSTEM = SystemActor("test")


def _new_user(**fields: object) -> object:
    user = UserFactory(roles=[Role.COACH], acknowledged=False, **fields)
    db.session.commit()
    return user


def test_first_sign_in_goes_to_the_acknowledgement_before_anything_else(
        client: FlaskClient, auth: Auth) -> None:
    user = _new_user()
    response = auth.login(user.email, acknowledge=False)
    assert response.status_code == 302
    home = client.get("/recordings/")
    assert home.status_code == 302
    assert home.headers["Location"].startswith("/governance/acknowledge?next=/recordings/")
    # The policy itself stays readable, and signing out works.
    assert client.get("/governance/use-cases").status_code == 200
    assert client.get("/governance/data-use").status_code == 200
    page = client.get("/governance/acknowledge").get_data(as_text=True)
    assert "Please read how your data is used" in page and "Prohibited" in page
    assert "Session recordings (audio)" in page and "90 days" in page


def test_acknowledging_records_the_versions_and_time_and_lets_them_through(
        app: Flask, client: FlaskClient, auth: Auth) -> None:
    user = _new_user()
    auth.login(user.email, acknowledge=False)
    token = csrf_token(client, "/governance/acknowledge")
    response = client.post("/governance/acknowledge?next=/recordings/",
                           data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/recordings/"
    versions = current_policy(app).versions
    row = db.session.scalars(sa.select(PolicyAcknowledgement)).one()
    assert (row.user_id, row.use_cases_version, row.data_use_version) == (
        user.id, versions.use_cases, versions.data_use)
    assert row.acknowledged_at is not None
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "policy.acknowledged")).one()
    assert entry.actor_id == user.id and entry.detail["use_cases_version"] == versions.use_cases
    assert client.get("/recordings/").status_code == 200
    # Acknowledging again changes nothing and is not audited twice.
    client.post("/governance/acknowledge", data={"csrf_token": token})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyAcknowledgement)) == 1


def test_a_new_version_asks_again_at_the_next_sign_in(
        app: Flask, client: FlaskClient, auth: Auth, monkeypatch: pytest.MonkeyPatch) -> None:
    auth.login_as("coach")  # acknowledged the current versions
    assert client.get("/").status_code == 200
    policy = current_policy(app)
    bumped = replace(policy, use_cases=replace(policy.use_cases,
                                               version=policy.use_cases.version + 1))
    monkeypatch.setitem(app.extensions, "coachprog.policy", bumped)
    response = client.get("/")
    assert response.status_code == 302 and "/governance/acknowledge" in response.headers[
        "Location"]
    page = client.get("/governance/acknowledge").get_data(as_text=True)
    assert "They have changed since you acknowledged them" in page


def test_api_tokens_are_never_gated(client: FlaskClient) -> None:
    user = UserFactory(roles=[Role.ADMIN], acknowledged=False)
    _, secret = create_api_token(SYSTEM, user, name="hris")
    db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_a_form_post_before_acknowledging_is_refused_into_the_gate(
        client: FlaskClient, auth: Auth) -> None:
    user = _new_user()
    auth.login(user.email, acknowledge=False)
    token = csrf_token(client, "/governance/acknowledge")
    response = client.post("/account/tokens", data={"name": "x", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/governance/acknowledge"


# --- opt-outs ---------------------------------------------------------------------------------


def test_a_person_opts_out_and_back_in_on_their_own_page(client: FlaskClient,
                                                         auth: Auth) -> None:
    person = PersonFactory()
    auth.login_as("coach", person_id=person.id)
    page = client.get("/governance/my-opt-outs").get_data(as_text=True)
    assert "Opt out of recording" in page and "Taking part" in page
    response = post_form(client, "/governance/my-opt-outs",
                         {"kind": "recording", "opted_out": "yes"})
    assert response.status_code == 302
    assert services.is_opted_out(person.id, services.domain.OptOutKind.RECORDING)
    assert "Opt back in to recording" in client.get("/governance/my-opt-outs").get_data(
        as_text=True)
    post_form(client, "/governance/my-opt-outs", {"kind": "recording", "opted_out": "no"})
    assert not services.is_opted_out(person.id, services.domain.OptOutKind.RECORDING)
    post_form(client, "/governance/my-opt-outs", {"kind": "program", "opted_out": "yes"})
    page = client.get("/governance/my-opt-outs").get_data(as_text=True)
    assert page.count("Out, because you left the program") == 2  # recording and analytics
    post_form(client, "/governance/my-opt-outs", {"kind": "program", "opted_out": "no"})
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("policy.opted%")).order_by(AuditEntry.id)).all()
    assert actions == ["policy.opted_out", "policy.opted_in", "policy.opted_out",
                       "policy.opted_in"]


def test_a_bad_opt_out_post_is_refused_in_words(client: FlaskClient, auth: Auth) -> None:
    auth.login_as("coach", person_id=PersonFactory().id)
    response = post_form(client, "/governance/my-opt-outs", {"kind": "everything",
                                                             "opted_out": "yes"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and "Choose recording, analytics or the program" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OptOut)) == 0


def test_an_admin_records_an_opt_out_on_someones_behalf_with_a_reason(
        client: FlaskClient, auth: Auth) -> None:
    person = PersonFactory(name="Ada Nguyen")
    auth.login_as("admin")
    missing = post_form(client, "/governance/opt-outs",
                        {"employee_id": person.employee_id, "kind": "analytics",
                         "opted_out": "yes", "reason": ""})
    assert missing.status_code == 200 and 'role="alert"' in missing.get_data(as_text=True)
    unknown = post_form(client, "/governance/opt-outs",
                        {"employee_id": "NOPE", "kind": "analytics", "opted_out": "yes",
                         "reason": "asked by e-mail"})
    assert "No person has that employee id" in unknown.get_data(as_text=True)
    done = post_form(client, "/governance/opt-outs",
                     {"employee_id": person.employee_id, "kind": "analytics",
                      "opted_out": "yes", "reason": "asked by e-mail on 2026-12-01"})
    assert done.status_code == 302
    page = client.get("/governance/opt-outs").get_data(as_text=True)
    assert "Ada Nguyen" in page and "asked by e-mail on 2026-12-01" in page
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "policy.opted_out")).one()
    assert entry.detail["on_behalf"] is True and entry.detail["reason"].startswith("asked")


def test_nobody_but_an_admin_records_for_someone_else() -> None:
    person, other = PersonFactory(), PersonFactory()
    coach = UserFactory(roles=[Role.COACH], person_id=person.id)
    db.session.commit()
    with pytest.raises(NotPermitted):
        services.set_opt_out(coach, other.id, "recording", opted_out=True, reason="because")


def test_count_opt_outs_counts_current_ones_by_kind_and_as_of_a_time() -> None:
    a, b, c = PersonFactory(), PersonFactory(), PersonFactory()
    start = datetime(2026, 10, 1, tzinfo=UTC)
    set_clock(lambda: start)
    try:
        services.set_opt_out(SYSTEM, a.id, "recording", opted_out=True, reason="asked")
        services.set_opt_out(SYSTEM, b.id, "recording", opted_out=True, reason="asked")
        services.set_opt_out(SYSTEM, c.id, "program", opted_out=True, reason="asked")
        set_clock(lambda: start + timedelta(days=10))
        services.set_opt_out(SYSTEM, b.id, "recording", opted_out=False, reason="back")
        db.session.commit()
        now = services.count_opt_outs()
        assert now.by_kind == {"recording": 1, "analytics": 0, "program": 1}
        assert now.people == 2
        before = services.count_opt_outs(on=start + timedelta(days=5))
        assert before.by_kind["recording"] == 2
        assert services.count_opt_outs(kind="program").by_kind == {"program": 1}
    finally:
        set_clock(None)


# --- the retention register -------------------------------------------------------------------


def test_the_retention_register_shows_each_kind_its_job_and_last_run(
        app: Flask, client: FlaskClient, auth: Auth, monkeypatch: pytest.MonkeyPatch) -> None:
    record_run("retention-purge", {"audio_deleted": 2, "transcripts_deleted": 0})
    record_run("retention-purge", {"audio_deleted": 3, "transcripts_deleted": 1}, failures=1)
    record_run("certification-tick", {"lapsed": 4, "reminders": 0, "messages": 0})
    db.session.commit()
    monkeypatch.setitem(app.config, "COACHPROG_RETENTION_AUDIO_DAYS", 30)
    auth.login_as("admin")
    page = client.get("/governance/retention").get_data(as_text=True)
    assert "Session recordings (audio)" in page and "Transcripts" in page
    assert "Retention purge" in page and "Certification tick" in page
    assert "Audio deleted: 3" in page and "1 failed" in page  # the latest run, not the first
    assert "Lapsed: 4" in page
    assert "30 days (COACHPROG_RETENTION_AUDIO_DAYS)" in page
    assert "differs from the published policy" in page
    assert "Audit log" in page and "Nothing deletes it on a schedule" in page


def test_a_retention_purge_and_a_certification_tick_record_their_runs(
        runner: object) -> None:
    result = runner.invoke(args=["retention", "purge"])  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["certification", "tick"])  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    runs = db.session.scalars(sa.select(BatchRun).order_by(BatchRun.id)).all()
    assert [run.batch for run in runs] == ["retention-purge", "certification-tick"]
    assert runs[0].counts["audio_deleted"] == 0 and runs[1].counts["lapsed"] == 0


def test_sign_in_page_still_works_for_someone_who_never_acknowledged(
        client: FlaskClient) -> None:
    user = _new_user()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
