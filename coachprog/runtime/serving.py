"""How `flask serve` runs the app under waitress: trusted-proxy settings and an access log.

Behind a reverse proxy (`COACHPROG_PROXY_HOPS` > 0) waitress must be told to trust the
proxy's `X-Forwarded-*` headers: by default it deletes them before the app sees them, so the
app believed every request came over plain HTTP from the proxy's address — with
`COACHPROG_FORCE_HTTPS` that was an endless redirect to HTTPS, and the per-IP sign-in limit and
the audit log saw only the proxy. Waitress then sets the client's address, scheme and host,
so the app's own ProxyFix (kept for other WSGI servers) is taken off: one place decides.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

ACCESS_LOGGER = "coachprog.access"
TRUSTED_HEADERS = "x-forwarded-for x-forwarded-proto x-forwarded-host x-forwarded-port"

access_log = logging.getLogger(ACCESS_LOGGER)


def waitress_options(app: Flask) -> dict[str, Any]:
    """waitress.serve keyword arguments for the proxy settings in the app's config."""
    hops = int(app.config.get("COACHPROG_PROXY_HOPS") or 0)
    if hops <= 0:
        return {}
    return {
        # The proxy's address, or "*" for any peer: then only the proxy may reach this port.
        "trusted_proxy": app.config.get("COACHPROG_TRUSTED_PROXY") or "*",
        "trusted_proxy_count": hops,
        "trusted_proxy_headers": TRUSTED_HEADERS,
        "clear_untrusted_proxy_headers": True,
    }


def wsgi_for_waitress(app: Flask) -> Callable[..., Iterable[bytes]]:
    """The app as waitress should call it: without a second ProxyFix, with an access log."""
    if isinstance(app.wsgi_app, ProxyFix) and waitress_options(app):
        app.wsgi_app = app.wsgi_app.app  # type: ignore[method-assign, assignment]
    return AccessLog(app)


class AccessLog:
    """One INFO line per request on `coachprog.access`: client, method, path, status, time.
    The client is REMOTE_ADDR as waitress set it (the real client behind a trusted proxy);
    one-use tokens in the path are masked by coachprog.runtime.logmask like every log line."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        status: list[str] = []

        def recording_start_response(code: str, headers: Any, *args: Any) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, *args)

        try:
            return self.app(environ, recording_start_response)
        finally:
            path = environ.get("PATH_INFO", "")
            if environ.get("QUERY_STRING"):
                path += "?" + environ["QUERY_STRING"]
            access_log.info('%s "%s %s" %s %.0fms', environ.get("REMOTE_ADDR", "-"),
                            environ.get("REQUEST_METHOD", "-"), path,
                            status[0] if status else "-",
                            (time.perf_counter() - started) * 1000)
