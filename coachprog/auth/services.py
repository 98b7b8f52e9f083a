"""Use cases for accounts: sign-in, passwords, role grants and personal API tokens.

Services take the actor, check the permission authority, change models and flush; the caller
(view, API, CLI) commits once.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from coachprog.auth.domain import Role, parse_role, password_problems
from coachprog.auth.models import ApiToken, RoleGrant, User
from coachprog.auth.permissions import can, require
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit

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
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
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
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    users = db.session.scalars(query.order_by(User.display_name, User.id).limit(per_page)
                               .offset((max(page, 1) - 1) * per_page))
    return list(users), total


def get_user(actor: Any, user_id: int) -> User:
    require(actor, "can_view_users")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    return user


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
