"""The one permission authority: every "may this user do X to Y" question is answered here.

Each rule is a predicate `can_<verb>_<noun>(user, obj=None) -> bool`, registered with
`@permission`. Domain packages keep their predicates in their own `permissions.py`, which
`create_app` imports so they register here. Views, templates (the `can` Jinja global), the API
and the CLI call `can`/`require` and nothing else decides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coachprog.errors import NotPermitted
from coachprog.roles import Role

Predicate = Callable[[Any, Any], bool]
_registry: dict[str, Predicate] = {}


class SystemActor:
    """An operator at the server's shell (CLI, seed, scheduled work): trusted like root."""

    id: int | None = None
    email = "system"
    display_name = "System"
    is_authenticated = True
    is_active = True

    def __init__(self, label: str = "cli") -> None:
        self.label = label


def permission(func: Callable[..., bool]) -> Callable[..., bool]:
    name = func.__name__
    if not name.startswith("can_"):
        raise ValueError(f"permission predicates are named can_<verb>_<noun>, not {name}")
    if name in _registry and _registry[name] is not func:
        raise ValueError(f"permission {name} is registered twice")
    _registry[name] = func
    return func


def registered() -> dict[str, Predicate]:
    return dict(_registry)


def roles_of(user: Any) -> frozenset[str]:
    """The roles that count for `user`: none for anonymous or deactivated accounts."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if not getattr(user, "is_active", False):
        return frozenset()
    return frozenset(getattr(user, "roles", frozenset()))


def has_any_role(user: Any, *roles: Role) -> bool:
    return not roles_of(user).isdisjoint(role.value for role in roles)


def is_signed_in(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


def can(user: Any, name: str, obj: Any = None) -> bool:
    """Ask the authority; an unknown rule name is a programming error, never a silent yes."""
    try:
        predicate = _registry[name]
    except KeyError:
        raise KeyError(f"no permission rule named {name!r}") from None
    if isinstance(user, SystemActor):
        return True
    return bool(predicate(user, obj))


def require(user: Any, name: str, obj: Any = None) -> None:
    if not can(user, name, obj):
        raise NotPermitted(name)


# --- rules of the auth domain -------------------------------------------------------------


@permission
def can_manage_roles(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_view_users(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_manage_user_access(user: Any, target: Any = None) -> bool:
    """Unlock an account locked by failed sign-ins; issue a password-reset link for it."""
    return has_any_role(user, Role.ADMIN)


@permission
def can_manage_own_account(user: Any, obj: Any = None) -> bool:
    """Change one's own password, create and revoke one's own API tokens."""
    return is_signed_in(user)


@permission
def can_revoke_api_token(user: Any, token: Any = None) -> bool:
    return is_signed_in(user) and token is not None and token.user_id == user.id
