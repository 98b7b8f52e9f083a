"""Accounts in a person's data (issue 24): their user account, roles, API tokens and
password-reset links.

Erasure keeps the account row, so every id that points at it (decisions, marks, the audit log)
still resolves and every count stays, but replaces its e-mail and name by the pseudonym,
makes the password unusable, ends every session and deactivates it; tokens and reset links go.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa

from coachprog.auth.services import hash_password
from coachprog.extensions import db
from coachprog.personal_data import (
    ErasureContext,
    Subject,
    delete_rows,
    export_rows,
    export_tables,
    register_section,
    table,
)


def export(subject: Subject) -> dict[str, Any]:
    return {"users": export_rows("users", table("users").c.id.in_(subject.user_ids)),
            **export_tables(subject, "role_grants", "api_tokens", "password_resets")}


def erase(ctx: ErasureContext) -> None:
    ids = list(ctx.subject.user_ids)
    if not ids:
        return
    delete_rows(ctx, "api_tokens", columns=["user_id"])
    delete_rows(ctx, "password_resets", columns=["user_id"])
    users = table("users")
    for n, user_id in enumerate(ids):
        # One person has at most one account; a suffix keeps e-mails unique if ever more.
        email = ctx.pseudonym.email if n == 0 else f"{n}.{ctx.pseudonym.email}"
        db.session.execute(sa.update(users).where(users.c.id == user_id).values(
            email=email, display_name=ctx.pseudonym.name,
            password_hash=hash_password(secrets.token_urlsafe(32)),
            session_token=secrets.token_hex(32), is_active=False))
    ctx.count("accounts pseudonymised", len(ids))


register_section("accounts", export, erase, title="Account, roles and API tokens", order=10,
                 tables=["users", "role_grants", "api_tokens", "password_resets"])
