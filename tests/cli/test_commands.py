"""Operator commands: seed, users."""

from __future__ import annotations

import sqlalchemy as sa

from coachprog.assessments.models import Assessment, Mark
from coachprog.auth.models import User
from coachprog.calibration.models import RaterCalibration
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.models import Person
from coachprog.seed.people import DEMO_ACCOUNTS, demo_people
from tests.factories import UserFactory


def _counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Person, User, AuditEntry, Assessment, Mark, RaterCalibration))


def test_seed_builds_a_realistic_organisation_and_prints_logins(runner, monkeypatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", "demo password for tests")
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    for email, role, _ in DEMO_ACCOUNTS:
        assert email in result.output and role.value in result.output
    assert "demo password for tests" in result.output
    assert "not seeded" not in result.output  # the demo assessments came too
    people, users, _, assessments, _, calibrations = _counts()
    # The logins, plus the external master coach who holds master@'s calibration gold marks
    # (an account with no password: nobody signs in as them).
    assert people >= 300 and users == len(DEMO_ACCOUNTS) + 1
    # 2 calibration items, 3 live assessments, 2 session reviews of the supervision demo,
    # 2 items of the audit calibration, 2 items each for the interview, the two simulations
    # and the capstone brief, the demo sprint's 3 interviews and 2 simulations, coach@'s
    # capstone brief, a session review and a capstone of each of the 3 certified coaches,
    # the 2 items of each of the 5 exercises calibrating master@ and the blind review of
    # coach@'s recorded session; rater@ and lead@ calibrated for 5 rubrics, rater@ also for
    # audits, master@ for 5
    assert assessments == 9 + 4 * 2 + 5 + 1 + 3 * 2 + 5 * 2 + 1
    assert calibrations == 3 + 4 * 2 + 5
    departments = db.session.scalars(sa.select(Person.department).distinct()).all()
    assert len(departments) >= 8
    without_manager = db.session.scalar(
        sa.select(sa.func.count(Person.id)).where(Person.manager_id.is_(None)))
    assert without_manager == 1  # only the CEO
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@demo.example"))
    reports = db.session.scalar(sa.select(sa.func.count(Person.id)).where(
        Person.manager_id == manager.person_id))
    assert reports >= 5


def test_seed_twice_adds_nothing(runner, monkeypatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", "demo password for tests")
    assert runner.invoke(args=["seed"]).exit_code == 0
    before = _counts()
    assert runner.invoke(args=["seed"]).exit_code == 0
    db.session.expire_all()
    assert _counts() == before


def test_seed_generates_and_keeps_a_password_when_none_is_given(runner, monkeypatch, auth):
    monkeypatch.delenv("COACHPROG_DEMO_PASSWORD", raising=False)
    first = runner.invoke(args=["seed", "--people", "60"])
    second = runner.invoke(args=["seed", "--people", "60"])
    password = first.output.split("password: ")[1].split()[0]
    assert password in second.output
    assert auth.login("admin@demo.example", password).status_code == 302


def test_demo_people_are_deterministic_and_valid() -> None:
    from coachprog.people.domain import records_from_rows

    rows = demo_people(320)
    assert rows == demo_people(320)
    assert records_from_rows(enumerate(rows)).errors == []


def test_create_token_prints_a_working_token(runner, client) -> None:
    user = UserFactory(roles=["admin"])
    db.session.commit()
    result = runner.invoke(args=["users", "create-token", user.email, "--name", "sync"])
    assert result.exit_code == 0
    secret = result.stdout.strip().splitlines()[0]
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200 and response.json["email"] == user.email


def test_create_token_for_unknown_user_fails(runner) -> None:
    result = runner.invoke(args=["users", "create-token", "ghost@example.com"])
    assert result.exit_code == 1
    assert "No account" in result.output


def test_create_admin_grant_and_revoke_roles(runner) -> None:
    result = runner.invoke(args=["users", "create-admin", "ops@example.com", "--name", "Ops",
                                 "--password", "operator passphrase"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["users", "grant-role", "ops@example.com", "rater"]).exit_code == 0
    user = db.session.scalar(sa.select(User).where(User.email == "ops@example.com"))
    db.session.refresh(user)
    assert user.roles == {"admin", "rater"}
    bad = runner.invoke(args=["users", "grant-role", "ops@example.com", "overlord"])
    assert bad.exit_code == 1 and "unknown role" in bad.output
    last = runner.invoke(args=["users", "revoke-role", "ops@example.com", "admin"])
    assert last.exit_code == 1 and "last admin" in last.output
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("role.granted") == 2
    assert all(e.detail["via"] == "cli" for e in db.session.scalars(sa.select(AuditEntry)))


def test_create_admin_refuses_a_weak_password(runner) -> None:
    result = runner.invoke(args=["users", "create-admin", "ops@example.com",
                                 "--password", "short"])
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output


def test_seed_keeps_a_password_a_demo_user_chose(runner, monkeypatch, auth, client):
    from tests.conftest import post_form

    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", "demo password for tests")
    assert runner.invoke(args=["seed", "--people", "60"]).exit_code == 0
    assert auth.login("coach@demo.example", "demo password for tests").status_code == 302
    post_form(client, "/account", {"current_password": "demo password for tests",
                                   "new_password": "my own chosen phrase",
                                   "confirm_password": "my own chosen phrase"})
    auth.logout()
    assert runner.invoke(args=["seed", "--people", "60"]).exit_code == 0
    assert auth.login("coach@demo.example", "my own chosen phrase").status_code == 302
    auth.logout()
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", "a new demo password")
    assert runner.invoke(args=["seed", "--people", "60"]).exit_code == 0
    assert auth.login("coach@demo.example", "a new demo password").status_code == 302
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "auth.password_reset" in actions
