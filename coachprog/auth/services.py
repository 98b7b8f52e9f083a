"""Use cases for accounts: sign-in, passwords, role grants and personal API tokens.

Services take the actor, check the permission authority, change models and flush; the caller
(view, API, CLI) commits once.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from coachprog.auth.domain import password_problems
from coachprog.auth.models import ApiToken, PasswordReset, RoleGrant, User
from coachprog.authority import can, require
from coachprog.db import fetch_page, get_or_404, utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db, limiter
from coachprog.governance import services as audit
from coachprog.notifications import services as notifications
from coachprog.roles import Role, parse_role
from coachprog.validation import parse_id

TOKEN_PREFIX = "cp_"  # noqa: S105 - a marker, not a secret


def password_hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("coachprog.password_hasher")
    if hasher is None:
        if current_app.config.get("COACHPROG_PASSWORD_HASH") == "argon2id-fast":
            # Tests only: argon2id with the smallest parameters keeps the suite quick.
            hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        else:
            hasher = PasswordHasher()  # RFC 9106 low-memory profile (argon2id)
        current_app.extensions["coachprog.password_hasher"] = hasher
    return hasher


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def _new_session_token() -> str:
    return secrets.token_hex(16)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def load_user_from_session(session_id: str) -> User | None:
    """Flask-Login loader: the cookie carries `id:session_token`; a rotated token ends it."""
    raw_id, _, token = session_id.partition(":")
    user_id = parse_id(raw_id)
    if user_id is None or not token:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose e-mail and password match, else None (never says which one was wrong)."""
    hasher = password_hasher()
    user = get_user_by_email(email) if email else None
    if user is None or not user.is_active:
        # Verify against a throwaway hash so an unknown e-mail takes as long as a wrong password.
        _burn_time(hasher, password)
        audit.record(
            "auth.login_failed", actor=None, object_type="user", detail={"reason": "credentials"}
        )
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        audit.record("auth.login_failed", actor=None, object_type="user", object_id=user.id)
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    audit.record("auth.login", actor=user, object_type="user", object_id=user.id)
    db.session.flush()
    return user


def _burn_time(hasher: PasswordHasher, password: str) -> None:
    dummy = current_app.extensions.get("coachprog.dummy_hash")
    if dummy is None:
        dummy = hasher.hash(secrets.token_hex(16))
        current_app.extensions["coachprog.dummy_hash"] = dummy
    with contextlib.suppress(VerificationError):
        hasher.verify(dummy, password)


def record_logout(user: User) -> None:
    """Sign out: the session cookie lives in the browser, so rotating the token is what makes
    a copied cookie useless afterwards (it also signs out the user's other sessions)."""
    user.session_token = _new_session_token()
    audit.record("auth.logout", actor=user, object_type="user", object_id=user.id)


def change_password(actor: User, *, current_password: str, new_password: str) -> None:
    """Change the actor's own password; every other session of theirs ends."""
    require(actor, "can_manage_own_account")
    hasher = password_hasher()
    try:
        hasher.verify(actor.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise DomainError(
            "Your current password is not right.",
            field_errors={"current_password": ["Your current password is not right."]},
        ) from None
    problems = password_problems(new_password, email=actor.email)
    if new_password == current_password:
        problems.append("Choose a password different from the current one.")
    if problems:
        raise DomainError("Choose a stronger password.", field_errors={"new_password": problems})
    actor.password_hash = hasher.hash(new_password)
    actor.password_changed_at = utcnow()
    actor.session_token = _new_session_token()
    audit.record("auth.password_changed", actor=actor, object_type="user", object_id=actor.id)
    db.session.flush()


def create_user(
    actor: Any,
    *,
    email: str,
    display_name: str,
    password: str,
    roles: tuple[Role, ...] = (),
    person_id: int | None = None,
    check_password: bool = True,
) -> User:
    require(actor, "can_manage_roles")
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise DomainError(f"An account for {email} already exists.")
    if person_id is not None and (holder := db.session.scalar(
            sa.select(User).where(User.person_id == person_id))) is not None:
        raise DomainError("That person already has an account.", field_errors={
            "employee_id": [f"This person already has an account ({holder.email})."]})
    if check_password and (problems := password_problems(password, email=email)):
        raise DomainError("Choose a stronger password.", field_errors={"password": problems})
    user = User(
        email=email,
        display_name=display_name.strip() or email,
        password_hash=hash_password(password),
        person_id=person_id,
        session_token=_new_session_token(),
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=actor, object_type="user", object_id=user.id,
                 detail={"email": email})
    for role in roles:
        grant_role(actor, user, role)
    return user


def list_users(actor: Any, *, page: int = 1, per_page: int = 50,
               q: str = "") -> tuple[list[User], int]:
    """One page of the accounts by name (those whose name or e-mail contains `q`), and how
    many there are."""
    require(actor, "can_view_users")
    query = sa.select(User)
    if q.strip():
        query = query.where(sa.or_(User.display_name.icontains(q.strip(), autoescape=True),
                                   User.email.icontains(q.strip(), autoescape=True)))
    return fetch_page(query.order_by(User.display_name, User.id), page=page, per_page=per_page)


def get_user(actor: Any, user_id: int) -> User:
    require(actor, "can_view_users")
    return get_or_404(User, user_id, what="user")


PersonLookup = Callable[[Any, str], int]
# The directory (coachprog.people) sits above auth: it registers how an employee id becomes a
# person's id (raising NotFound when none has it) at app start.
_person_lookups: list[PersonLookup] = []


def register_person_lookup(lookup: PersonLookup) -> None:
    _person_lookups[:] = [lookup]


def person_id_for_employee_id(actor: Any, employee_id: str) -> int | None:
    """The person an account is linked to, named by employee id; blank means none."""
    employee_id = employee_id.strip()
    if not employee_id:
        return None
    try:
        return _person_lookups[0](actor, employee_id)
    except NotFound:
        raise DomainError("No such employee.", field_errors={
            "employee_id": [f"No person with employee id {employee_id}."]}) from None


def grant_role(actor: Any, user: User, role: Role | str) -> RoleGrant:
    require(actor, "can_manage_roles")
    role = _checked_role(role)
    if role.value in user.roles:
        raise DomainError(f"{user.email} already holds the role {role.value}.")
    grant = RoleGrant(user=user, role=role.value, granted_by_id=getattr(actor, "id", None))
    user.role_grants.append(grant)
    audit.record("role.granted", actor=actor, object_type="user", object_id=user.id,
                 detail={"role": role.value, "email": user.email})
    db.session.flush()
    return grant


def revoke_role(actor: Any, user: User, role: Role | str) -> None:
    require(actor, "can_manage_roles")
    role = _checked_role(role)
    grant = next((g for g in user.role_grants if g.role == role.value), None)
    if grant is None:
        raise DomainError(f"{user.email} does not hold the role {role.value}.")
    if role is Role.ADMIN and _active_admin_count() <= 1:
        raise DomainError("The last admin cannot lose the admin role: grant it to someone first.")
    user.role_grants.remove(grant)
    audit.record("role.revoked", actor=actor, object_type="user", object_id=user.id,
                 detail={"role": role.value, "email": user.email})
    db.session.flush()


def _checked_role(role: Role | str) -> Role:
    if isinstance(role, Role):
        return role
    try:
        return parse_role(role)
    except ValueError as exc:
        raise DomainError(str(exc)) from None


def _active_admin_count() -> int:
    query = (
        sa.select(sa.func.count(sa.distinct(RoleGrant.user_id)))
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role == Role.ADMIN.value, User.is_active.is_(True))
    )
    return db.session.scalar(query) or 0


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(actor: Any, user: User, *, name: str) -> tuple[ApiToken, str]:
    """Create a personal access token for `user`; the secret is returned once, never stored."""
    if getattr(actor, "id", None) != user.id:
        require(actor, "can_manage_roles")  # only the CLI operator creates tokens for others
    require(actor, "can_manage_own_account")
    name = name.strip()
    if not name:
        raise DomainError("Give the token a name.", field_errors={"name": ["Give it a name."]})
    if len(name) > 100:
        raise DomainError("Name too long.", field_errors={"name": ["Use at most 100 characters."]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_hash_token(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", actor=actor, object_type="api_token", object_id=token.id,
                 detail={"user_id": user.id, "name": name})
    return token, secret


def list_api_tokens(actor: User) -> list[ApiToken]:
    require(actor, "can_manage_own_account")
    return list(
        db.session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_api_token(actor: Any, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    # Someone else's token answers like a missing one: ids reveal nothing.
    if token is None or not can(actor, "can_revoke_api_token", token):
        raise NotFound("api token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("api_token.revoked", actor=actor, object_type="api_token",
                     object_id=token.id)
        db.session.flush()
    return token


def user_for_api_token(secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    # Record use at most once a minute: a write per API call would serialise SQLite writers.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
    return token.user


# --- locked accounts and password resets --------------------------------------------------------
# An account is "locked" while its failed sign-ins have used up COACHPROG_LOGIN_LIMIT_ACCOUNT
# (the limiter's per-address bucket on the sign-in route); an admin can clear it. A reset link
# is one use and expires; like invitations, only the token's SHA-256 is stored.

LOGIN_ACCOUNT_SCOPE = "auth.login:login-account"  # Flask-Limiter's bucket: endpoint:scope


def login_account_key(email: str) -> str:
    """The sign-in limiter's key for an e-mail address (the view's key function uses it)."""
    return "login-account:" + normalise_email(email)


def _account_limit() -> Any:
    from limits import parse

    return parse(current_app.config["COACHPROG_LOGIN_LIMIT_ACCOUNT"])


def _limit_identifiers(email: str) -> list[str]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return [*([prefix] if prefix else []), login_account_key(email), LOGIN_ACCOUNT_SCOPE]


def is_locked(user: User) -> bool:
    """Whether failed sign-ins have locked the account for now."""
    return not limiter.limiter.test(_account_limit(), *_limit_identifiers(user.email))


def _clear_failed_sign_ins(user: User) -> None:
    limiter.limiter.clear(_account_limit(), *_limit_identifiers(user.email))


def unlock_account(actor: Any, user: User) -> None:
    """Forget the account's failed sign-ins so its owner can try again at once."""
    require(actor, "can_manage_user_access", user)
    was_locked = is_locked(user)
    _clear_failed_sign_ins(user)
    audit.record("auth.account_unlocked", actor=actor, object_type="user", object_id=user.id,
                 detail={"was_locked": was_locked})


def _reset_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_reset(user: User, issued_by: Any) -> tuple[PasswordReset, str]:
    token = secrets.token_urlsafe(32)
    hours = int(current_app.config["COACHPROG_RESET_LINK_HOURS"])
    row = PasswordReset(user_id=user.id, token_hash=_reset_hash(token),
                        issued_by_id=getattr(issued_by, "id", None),
                        expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(row)
    db.session.flush()
    return row, token


def reset_link(token: str) -> str:
    base = str(current_app.config.get("COACHPROG_BASE_URL", "http://127.0.0.1:5000"))
    return f"{base.rstrip('/')}/password/reset/{token}"


def issue_password_reset(actor: Any, user: User) -> str:
    """An admin's one-use link for the account (shown to the admin once); returns the link."""
    require(actor, "can_manage_user_access", user)
    if not user.is_active:
        raise DomainError("This account is deactivated: reactivate it before resetting its "
                          "password.")
    row, token = _new_reset(user, actor)
    audit.record("auth.password_reset_issued", actor=actor, object_type="user",
                 object_id=user.id, detail={"reset_id": row.id,
                                            "expires_at": row.expires_at.isoformat()})
    return reset_link(token)


def self_service_reset_available() -> bool:
    """People may ask for a link themselves only when it can reach them by e-mail."""
    try:
        return notifications.smtp_settings().configured
    except ValueError:
        return False


def request_password_reset(email: str) -> None:
    """Someone asks for a link. Only an active account's own address gets one, by e-mail; the
    caller learns nothing either way (same answer, and both paths write one audit entry and
    look the address up once)."""
    if not self_service_reset_available():
        raise DomainError("E-mail is not set up on this server, so a reset link cannot be "
                          "sent. Ask an L&D admin for one.")
    user = get_user_by_email(email) if email else None
    if user is None or not user.is_active:
        # Hash a throwaway token so both paths do the same work.
        _reset_hash(secrets.token_urlsafe(32))
        audit.record("auth.password_reset_requested", actor=None, object_type="user",
                     detail={"matched": False})
        return
    row, token = _new_reset(user, None)
    hours = int(current_app.config["COACHPROG_RESET_LINK_HOURS"])
    notifications.send_email(
        kind="auth.password_reset", to_email=user.email, to_name=user.display_name,
        subject="Your coachprog password reset link", related_type="user",
        related_id=user.id, secrets=[token],
        body=(f"Dear {user.display_name},\n\nSomeone (hopefully you) asked to reset the "
              f"password of your coachprog account. Set a new one here within {hours} "
              f"hours; the link works once:\n{reset_link(token)}\n\nIf you did not ask, "
              "ignore this e-mail: your password stays as it is.\n"))
    audit.record("auth.password_reset_requested", actor=None, object_type="user",
                 object_id=user.id, detail={"matched": True, "reset_id": row.id})


def get_password_reset(token: str) -> PasswordReset | None:
    """The unused, unexpired reset a link stands for, else None."""
    if not token or len(token) > 128:
        return None
    row = db.session.scalar(sa.select(PasswordReset).where(
        PasswordReset.token_hash == _reset_hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow() \
            or not row.user.is_active:
        return None
    return row


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link: the link is used up (and every other open
    link of the account with it), every session ends, and the account is unlocked."""
    row = get_password_reset(token)
    if row is None:
        raise DomainError("This reset link has expired or has been used. Ask for a new one.")
    user = row.user
    problems = password_problems(new_password, email=user.email)
    if problems:
        raise DomainError("Choose a stronger password.", field_errors={"new_password": problems})
    now = utcnow()
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    user.session_token = _new_session_token()
    for open_row in db.session.scalars(sa.select(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))):
        open_row.used_at = now
    _clear_failed_sign_ins(user)
    audit.record("auth.password_reset", actor=user, object_type="user", object_id=user.id,
                 detail={"reset_id": row.id})
    db.session.flush()
    return user
