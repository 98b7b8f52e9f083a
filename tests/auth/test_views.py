"""Sign-in, sign-out, password change, CSRF, rate limits, cookies, tokens and roles."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from coachprog.auth.models import ApiToken, User
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from tests.conftest import TEST_PASSWORD, csrf_token, post_form
from tests.factories import PersonFactory, UserFactory


def _actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_login_succeeds_and_is_audited(auth, client):
    user = UserFactory(roles=["coach"])
    db.session.commit()
    response = auth.login(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "auth.login" in _actions()
    assert client.get("/").status_code == 200


def test_login_email_is_case_insensitive(auth):
    UserFactory(email="mixed@example.com")
    db.session.commit()
    assert auth.login("  MIXED@Example.com ").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(auth):
    user = UserFactory()
    db.session.commit()
    wrong = auth.login(user.email, "not the password at all")
    unknown = auth.login("nobody@example.com", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200
    message = "That e-mail and password do not match an active account."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert _actions().count("auth.login_failed") == 2


def test_deactivated_account_cannot_sign_in(auth):
    user = UserFactory(is_active=False)
    db.session.commit()
    assert auth.login(user.email).status_code == 200


def test_password_is_never_logged_or_stored_in_clear(auth, caplog):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email, "a-secret-that-must-not-leak")
    assert "a-secret-that-must-not-leak" not in caplog.text
    details = " ".join(str(e.detail) for e in db.session.scalars(sa.select(AuditEntry)))
    assert "a-secret-that-must-not-leak" not in details
    assert user.password_hash.startswith("$argon2id$")


def test_login_redirects_only_to_local_next(auth, client):
    user = UserFactory(roles=["admin"])
    db.session.commit()
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example/", data={
        "email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    token = csrf_token(client)
    response = client.post("/login?next=/people/", data={
        "email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/people/"


def test_session_is_rotated_at_login(auth, client):
    user = UserFactory()
    db.session.commit()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        before = dict(session)
    auth.login(user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != before.get("csrf_token")


def test_session_cookie_flags(auth, client):
    user = UserFactory()
    db.session.commit()
    response = auth.login(user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in this test


def test_session_cookie_is_secure_over_https(client):
    user = UserFactory()
    db.session.commit()
    page = client.get("/login", base_url="https://localhost")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert token
    response = client.post("/login", base_url="https://localhost", headers={
        "Referer": "https://localhost/login"}, data={
        "email": user.email, "password": TEST_PASSWORD, "csrf_token": token.group(1)})
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_post_without_csrf_token_is_refused(client, auth):
    user = UserFactory()
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    auth.login(user.email)
    assert client.post("/logout").status_code == 400
    assert client.post("/account", data={"current_password": TEST_PASSWORD,
                                         "new_password": "x" * 20,
                                         "confirm_password": "x" * 20}).status_code == 400
    assert client.post("/account", data={"csrf_token": "forged"}).status_code == 400


def test_failed_logins_are_limited_per_account(app, auth):
    user = UserFactory()
    db.session.commit()
    for _ in range(5):
        assert auth.login(user.email, "wrong password!!").status_code == 200
    refused = auth.login(user.email)  # even the right password, until the window passes
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    # Another account from the same address is not locked by someone else's failures.
    other = UserFactory()
    db.session.commit()
    assert auth.login(other.email).status_code == 302


def test_limit_does_not_reveal_whether_the_account_exists(auth):
    for _ in range(5):
        auth.login("ghost@example.com", "wrong password!!")
    refused = auth.login("ghost@example.com", "wrong password!!")
    assert refused.status_code == 429


def test_failed_logins_are_limited_per_ip(app, auth):
    app.config["COACHPROG_LOGIN_LIMIT_IP"] = "3 per 15 minutes"
    try:
        for n in range(3):
            assert auth.login(f"spray{n}@example.com", "wrong password!!").status_code == 200
        assert auth.login("spray9@example.com", "wrong password!!").status_code == 429
    finally:
        app.config["COACHPROG_LOGIN_LIMIT_IP"] = "20 per 15 minutes"


def test_successful_logins_do_not_count_toward_the_limit(auth):
    user = UserFactory()
    db.session.commit()
    for _ in range(7):
        assert auth.login(user.email).status_code == 302
        auth.logout()


def test_logout_ends_the_session(auth, client):
    auth.login_as("admin")
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/people/").status_code == 302
    assert "auth.logout" in _actions()


def test_change_password_keeps_this_session_and_ends_others(app, auth, client):
    user = auth.login_as("coach")
    other_device = app.test_client()
    assert other_device.post("/login", data={
        "email": user.email, "password": TEST_PASSWORD,
        "csrf_token": csrf_token(other_device)}).status_code == 302
    response = post_form(client, "/account", {
        "current_password": TEST_PASSWORD, "new_password": "a much longer passphrase",
        "confirm_password": "a much longer passphrase"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302
    assert other_device.post("/login", data={
        "email": user.email, "password": "a much longer passphrase",
        "csrf_token": csrf_token(other_device)}).status_code == 302
    assert "auth.password_changed" in _actions()


def test_change_password_errors_sit_next_to_fields(auth, client):
    auth.login_as("coach")
    wrong = post_form(client, "/account", {"current_password": "not it at all",
                                           "new_password": "a much longer passphrase",
                                           "confirm_password": "a much longer passphrase"})
    assert 'id="current_password-error"' in wrong.get_data(as_text=True)
    weak = post_form(client, "/account", {"current_password": TEST_PASSWORD,
                                          "new_password": "short", "confirm_password": "short"})
    assert "at least 12 characters" in weak.get_data(as_text=True)
    mismatch = post_form(client, "/account", {"current_password": TEST_PASSWORD,
                                              "new_password": "a much longer passphrase",
                                              "confirm_password": "a different passphrase"})
    assert "The two entries differ." in mismatch.get_data(as_text=True)


def test_api_token_is_shown_once_and_stored_hashed(auth, client):
    user = auth.login_as("coach")
    page = post_form(client, "/account/tokens", {"name": "HRIS sync"})
    secret = re.search(r'id="new-token">([^<]+)<', page.get_data(as_text=True)).group(1)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.token_hash != secret and secret not in token.token_hash
    assert secret not in client.get("/account/tokens").get_data(as_text=True)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json["email"] == user.email


def test_api_token_needs_a_name(auth, client):
    auth.login_as("coach")
    page = post_form(client, "/account/tokens", {"name": "  "})
    assert "id=\"name-error\"" in page.get_data(as_text=True)


def test_revoked_api_token_stops_working(auth, client):
    user = auth.login_as("coach")
    page = post_form(client, "/account/tokens", {"name": "temp"})
    secret = re.search(r'id="new-token">([^<]+)<', page.get_data(as_text=True)).group(1)
    token_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.user_id == user.id))
    assert post_form(client, f"/account/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/me", headers={
        "Authorization": f"Bearer {secret}"}).status_code == 401
    assert "api_token.revoked" in _actions()


def test_admin_grants_and_revokes_roles_with_audit(auth, client):
    auth.login_as("admin")
    target = UserFactory()
    db.session.commit()
    response = post_form(client, f"/admin/users/{target.id}", {"role": "lead_coach"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).roles == {"lead_coach"}
    response = post_form(client, f"/admin/users/{target.id}/roles/lead_coach/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).roles == frozenset()
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action.in_(["role.granted", "role.revoked"])).order_by(AuditEntry.id)).all()
    assert [(e.action, e.detail["role"], e.object_id) for e in entries] == [
        ("role.granted", "lead_coach", str(target.id)),
        ("role.revoked", "lead_coach", str(target.id)),
    ]
    assert all(e.ip == "127.0.0.1" for e in entries)


def test_granting_a_role_twice_and_unknown_roles_are_refused(auth, client):
    auth.login_as("admin")
    target = UserFactory(roles=["rater"])
    db.session.commit()
    again = post_form(client, f"/admin/users/{target.id}", {"role": "rater"},
                      follow_redirects=True)
    assert "already holds the role rater" in again.get_data(as_text=True)
    unknown = post_form(client, f"/admin/users/{target.id}", {"role": "overlord"})
    assert unknown.status_code == 200
    assert "Not a valid choice" in unknown.get_data(as_text=True)
    bad = post_form(client, f"/admin/users/{target.id}/roles/overlord/revoke",
                    follow_redirects=True)
    assert "unknown role" in bad.get_data(as_text=True)


def test_the_last_admin_cannot_lose_the_role(auth, client):
    admin = auth.login_as("admin")
    response = post_form(client, f"/admin/users/{admin.id}/roles/admin/revoke",
                         follow_redirects=True)
    assert "The last admin cannot lose the admin role" in response.get_data(as_text=True)
    db.session.expire_all()
    assert "admin" in db.session.get(User, admin.id).roles


def test_admin_creates_an_account_linked_to_a_person(auth, client):
    auth.login_as("admin")
    person = PersonFactory(employee_id="E777")
    db.session.commit()
    response = post_form(client, "/admin/users/new", {
        "email": "New.Coach@Example.com", "display_name": "New Coach", "employee_id": "E777",
        "password": "a long enough password", "role": "coach"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new.coach@example.com"))
    assert user.person_id == person.id
    assert user.roles == {"coach"}


@pytest.mark.parametrize(("fields", "message"), [
    ({"employee_id": "NOPE"}, "No person with employee id NOPE"),
    ({"password": "short"}, "at least 12 characters"),
    ({"email": "not-an-email"}, "Invalid email address"),
])
def test_account_creation_reports_bad_input(auth, client, fields, message):
    auth.login_as("admin")
    form = {"email": "x@example.com", "display_name": "X", "employee_id": "",
            "password": "a long enough password", "role": ""} | fields
    response = post_form(client, "/admin/users/new", form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_duplicate_account_is_refused(auth, client):
    auth.login_as("admin")
    UserFactory(email="taken@example.com")
    db.session.commit()
    response = post_form(client, "/admin/users/new", {
        "email": "taken@example.com", "display_name": "X", "password": "a long enough password",
        "role": ""})
    assert "already exists" in response.get_data(as_text=True)


def test_security_headers_are_sent(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_copied_session_cookie_is_useless_after_sign_out(app, auth, client):
    auth.login_as("admin")
    with client.session_transaction() as session:
        stolen = dict(session)
    auth.logout()
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(stolen)
    assert thief.get("/account").status_code == 302


def test_linking_a_second_account_to_the_same_person_is_refused(auth, client):
    auth.login_as("admin")
    person = PersonFactory(employee_id="E900")
    UserFactory(person_id=person.id, email="first@example.com")
    db.session.commit()
    response = post_form(client, "/admin/users/new", {
        "email": "second@example.com", "display_name": "Second", "employee_id": "E900",
        "password": "a long enough password", "role": ""})
    assert response.status_code == 200
    assert "already has an account (first@example.com)" in response.get_data(as_text=True)


def test_someone_elses_token_answers_like_a_missing_one(auth, client):
    from coachprog.auth.services import create_api_token
    from coachprog.authority import SystemActor

    other = UserFactory()
    token, _ = create_api_token(SystemActor("test"), other, name="theirs")
    db.session.commit()
    auth.login_as("coach")
    assert post_form(client, f"/account/tokens/{token.id}/revoke").status_code == 404
    assert post_form(client, "/account/tokens/999999/revoke").status_code == 404


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/no-such-page", 404), ("GET", "/logout", 405), ("GET", "/people/999999", 404)])
def test_pages_answer_errors_as_html_and_the_api_as_problems(auth, client, method, path,
                                                            status):
    auth.login_as("admin")
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    api = client.get("/api/v1/no-such-resource")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "query", ["endpoint=x", "_external=1", "_anchor=x&q=a", "page=" + "9" * 30])
def test_crafted_query_strings_do_not_break_list_pages(auth, client, query):
    auth.login_as("admin")
    for path in ("/people/", "/admin/audit"):
        assert client.get(f"{path}?{query}").status_code == 200


@pytest.mark.parametrize("query", ["endpoint=x", "_external=1", "_anchor=x&q=a"])
def test_crafted_query_strings_do_not_break_download_links(auth, client, query):
    auth.login_as("admin")
    for path in ("/admin/audit", "/certification/register"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200, path
