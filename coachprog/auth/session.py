"""Session cookie policy and the Flask-Login user loader."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

from coachprog.auth.models import User
from coachprog.auth.services import load_user_from_session
from coachprog.extensions import login_manager


class SecureWhenHttpsSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS, not only when
    configured: behind a TLS proxy (COACHPROG_PROXY_HOPS) the cookie never travels in clear."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = super().get_cookie_secure(app)
        return configured or (has_request_context() and request.is_secure)


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    return load_user_from_session(session_id)
