"""The public certificate verification page (no sign-in).

Policy (issue 8): `/verify/<code>` shows a certificate's name, level, issue date, valid-until
date and status today (valid / expired / revoked / lapsed) and nothing else — no ids, e-mail,
department or supervisor; the page is a standalone layout, so not even the signed-in
navigation appears. Unknown and malformed codes get the same "not found" page (404), lookups
are rate-limited per client IP, and every answer is marked no-store (a revocation shows
immediately, never from a cache).
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_limiter.errors import RateLimitExceeded

from coachprog.certification.certificates.services import level_label
from coachprog.certification.models import Certification
from coachprog.certification.services import display_status
from coachprog.db import utcnow
from coachprog.extensions import db, limiter
from coachprog.people.models import Person

bp = Blueprint("verify", __name__, url_prefix="/verify")

# Codes are secrets.token_urlsafe(16) (22 characters); anything not shaped like a code is
# answered without touching the database.
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
DEFAULT_LIMIT = "30 per minute"


def _limit() -> str:
    return str(current_app.config.get("COACHPROG_VERIFY_LIMIT") or DEFAULT_LIMIT)


@bp.errorhandler(RateLimitExceeded)
def _refused(error: RateLimitExceeded) -> Any:
    # The blueprint's own page (standalone layout, says what happened) instead of the site's.
    return _no_store(render_template("verify/limited.html"), 429)


def _no_store(body: str, status: int = 200) -> Any:
    return body, status, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


@bp.route("/")
def verify_form() -> Any:
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("verify.verify_certificate", code=code[:100]))
    return _no_store(render_template("verify/form.html"))


@bp.route("/<path:code>")
@limiter.limit(_limit, scope="verify-ip")
def verify_certificate(code: str) -> Any:
    row = None
    if CODE_PATTERN.fullmatch(code):
        # One indexed equality lookup, only the shown columns: the answer (found or not) is
        # all that differs between codes.
        row = db.session.execute(
            sa.select(Person.name, Certification.level, Certification.issued_on,
                      Certification.valid_until, Certification.status)
            .join(Person, Person.id == Certification.person_id)
            .where(Certification.verification_code == code)).one_or_none()
    if row is None:
        return _no_store(render_template("verify/unknown.html"), 404)
    status = display_status(row, utcnow().date())
    return _no_store(render_template(
        "verify/certificate.html", name=row.name, level=level_label(row.level),
        issued_on=row.issued_on, valid_until=row.valid_until, status=status))
