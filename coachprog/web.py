"""What every HTML page shares: error pages, form error plumbing, pagination, filters."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from coachprog import error_summary, glossary
from coachprog.authority import require
from coachprog.error_summary import Problem
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.problems import problem
from coachprog.validation import parse_int

# The page a rate-limited endpoint answers with (auth's sign-in page says why in its own words);
# the blueprint registers it, so this module never imports the views above it.
_RATE_LIMIT_PAGES: dict[str, Callable[[], Any]] = {}


def on_rate_limit(endpoint: str, page: Callable[[], Any]) -> None:
    _RATE_LIMIT_PAGES[endpoint] = page


NO_STORE_BLUEPRINTS: set[str] = set()
"""Blueprints whose answers show session content, evidence or assessments (see `no_store`)."""


def no_store(bp: Any) -> Any:
    """Mark a blueprint as showing session content, evidence or assessments: every answer it
    gives — pages, files, JSON, error pages — carries `Cache-Control: no-store`, so neither the
    browser (a shared computer's back button, its disk cache) nor a proxy keeps a copy after
    the person signs out or the content is purged."""
    if bp.name not in NO_STORE_BLUEPRINTS:
        NO_STORE_BLUEPRINTS.add(bp.name)
        bp.after_request(_no_store)
    return bp


def _no_store(response: Any) -> Any:
    # A route that already forbids storing ("private, no-store" on files) keeps its words.
    if "no-store" not in (response.headers.get("Cache-Control") or ""):
        response.headers["Cache-Control"] = "no-store"
    return response


def authorize(name: str, obj: Any = None) -> None:
    """Ask the permission authority for the signed-in user; refusal becomes a 403 page."""
    require(current_user, name, obj)


def apply_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's field errors next to the fields they belong to."""
    for field_name, messages in error.field_errors.items():
        field = getattr(form, field_name, None)
        if field is not None:
            field.errors = [*field.errors, *messages]


T = TypeVar("T")
Rows = TypeVar("Rows")


def rerender_status() -> int:
    """The status of a page shown again with its problems: 400 after a refused POST, else 200."""
    return 400 if request.method == "POST" else 200


def carry_out(form: FlaskForm | None, action: Callable[[], T], *,
              done: str | Callable[[T], str], success: str | Callable[[T], str] | None = None,
              refused: str | None = None) -> Response | None:
    """The one way a page carries out a form: validate → service → commit → redirect.

    Returns the redirect after success, or None when the caller must render the page again
    (with `rerender_status()`): the form was not submitted or did not validate, or the service
    refused (DomainError). A refusal rolls the transaction back, puts field errors next to
    their fields and flashes the message as an error, so the page's error summary names every
    problem; with `refused` (a button form posted from another page) it redirects there
    instead of asking for a re-render. `form=None` skips validation (a bare POST).
    """
    outcome = attempt(form, action, done=done, success=success,
                      name_refusal=refused is not None)
    if isinstance(outcome, Refusal):
        return redirect(refused) if refused is not None else None
    return outcome


@dataclass(frozen=True)
class Refusal:
    """A service's refusal of a submitted form, handed back by `attempt`: the transaction is
    rolled back and the problems are already beside the form's fields or flashed; the page
    shows what was posted again (marks, ticks, a note) with them."""

    message: str
    field_errors: dict[str, list[str]]

    def problems(self, named: Callable[[str], tuple[str, str] | None]) -> list[Problem]:
        """The problems of fields that are the page's own rather than the form's (a rubric's
        behaviours): `named(key)` answers (label, anchor id), or None for a key that is not
        one of them. Handed to the template, they join the error summary, each linking to
        its field."""
        found: list[Problem] = []
        for key, messages in self.field_errors.items():
            if (where := named(key)) is not None:
                label, anchor = where
                found.extend(Problem(f"{label}: {message}", anchor) for message in messages)
        return found


def attempt(form: FlaskForm | None, action: Callable[[], T], *,
            done: str | Callable[[T], str], success: str | Callable[[T], str] | None = None,
            name_refusal: bool = False) -> Response | Refusal | None:
    """`carry_out` for a page that must tell a refused form from one not yet valid: it shows
    the posted data again after a refusal, maps a problem to a field of its own, or goes
    elsewhere when the refusal concerns no field.

    Returns the redirect after success; None when the form was not submitted or did not
    validate; a `Refusal` when the service refused. The refusal's message is flashed for the
    error summary unless a field of the form carries a problem, or always with
    `name_refusal` (where the message says what was not done). Re-render with
    `rerender_status()`.
    """
    if form is not None and not form.validate_on_submit():
        return None
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        placed = False
        if form is not None:
            placed = any(getattr(form, name, None) is not None for name in error.field_errors)
            apply_domain_error(form, error)
        if name_refusal or not placed:
            flash(error.message, "error")
        return Refusal(error.message, dict(error.field_errors))
    db.session.commit()
    if success is not None:
        flash(success(result) if callable(success) else success, "success")
    return redirect(done(result) if callable(done) else done)


def safe_next(target: str | None, default: str) -> str:
    """Only follow `next` to a path on this site (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def page_arg(name: str = "page") -> int:
    return parse_int(request.args.get(name), minimum=1, maximum=9_999_999) or 1


def choice_arg(name: str, choices: Collection[str], default: str = "") -> str:
    """A list's filter argument, one of `choices`; an unknown value (a typo, an old link) is
    `default`, so the list shows everything rather than an empty page."""
    value = request.args.get(name, default)
    return value if value in choices else default


def search_arg() -> str:
    """A list's search words (`q`), trimmed to what its search box accepts."""
    return request.args.get("q", "").strip()[:100]


def page_window() -> tuple[int, int]:
    """The page a list is asked for (`page`) and its size (the configuration's)."""
    return page_arg(), current_app.config["COACHPROG_PAGE_SIZE"]


def paged(fetch: Callable[[int, int], tuple[Rows, int]]) -> tuple[Rows, Pagination]:
    """One page of a list: `fetch(page, per_page)` answers its rows and how many there are in
    all; the page comes from the query string, its size from the configuration."""
    page, per_page = page_window()
    rows, total = fetch(page, per_page)
    return rows, Pagination(page, per_page, total)


def csv_download(rows: Iterable[Mapping[str, Any]], columns: Sequence[str],
                 filename: str) -> Response:
    """Rows as a CSV attachment, built in memory (`columns` in order, every cell formula-safe),
    never cached: what a list's export answers."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    response: Response = current_app.response_class(
        buffer.getvalue(), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename={filename}",
            "Cache-Control": "no-store"})
    return response


def csv_cell(value: Any) -> Any:
    """A cell starting with = + - @ (or a tab/CR before one) would run as a formula in a
    spreadsheet (CSV injection): prefix it with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass(frozen=True)
class Pagination:
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_item(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_item(self) -> int:
        return min(self.total, self.page * self.per_page)


def error_page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, title=title,
                           message=message), status


def _format_datetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime(fmt)


def init_app(app: Flask) -> None:
    error_summary.init_app(app)
    for name in ("role_name", "role_names", "action_words", "object_words", "term", "plural",
                 "humanise"):
        app.jinja_env.filters[name] = getattr(glossary, name)
    app.jinja_env.filters["datetime"] = _format_datetime
    app.jinja_env.filters["number"] = lambda n: f"{n:,}".replace(",", "\u2009")

    def is_api() -> bool:
        return request.path.startswith("/api/")

    @app.before_request
    def _refuse_nul_characters() -> Any:
        # A NUL character is never meant in text, and PostgreSQL cannot store one: refuse the
        # request in words before it reaches any service.
        values = [*request.args.values(), *request.form.values()]
        raw = request.get_data(cache=True) if request.is_json else b""
        if any("\x00" in value for value in values) or b"\\u0000" in raw or b"\x00" in raw:
            message = "The request contains a NUL character, which no text may hold."
            if is_api():
                return problem(400, message)
            return error_page(400, "Unusable characters", message)
        return None

    @app.errorhandler(NotPermitted)
    def _not_permitted(error: NotPermitted) -> Any:
        if is_api():
            return problem(403, error.reason or "You may not do this.")
        return error_page(403, "Not allowed", error.reason or (
            "Your roles do not allow this page or action. If you need it, ask an L&D admin."))

    @app.errorhandler(NotFound)
    def _not_found(error: NotFound) -> Any:
        if is_api():
            return problem(404, f"No such {error}.")
        return error_page(404, "Not found", "There is nothing here, or it has been removed.")

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Any:
        return error_page(400, "Form expired",
                           "The form was missing its security token or it had expired. "
                           "Go back, reload the page and try again.")

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(error: RateLimitExceeded) -> Any:
        if request.endpoint in _RATE_LIMIT_PAGES:
            return _RATE_LIMIT_PAGES[request.endpoint]()
        return error_page(429, "Too many requests", "Slow down and try again in a few minutes.")

    @app.errorhandler(OverflowError)
    @app.errorhandler(sa_exc.DataError)
    def _out_of_range(error: Exception) -> Any:
        # Last line behind coachprog.validation: a value no column can hold (SQLite's driver
        # raises OverflowError, PostgreSQL "out of range" or "too long") is the request's
        # fault, never a server error.
        db.session.rollback()
        app.logger.warning("Refused a value the database cannot hold on %s: %s",
                           request.path, error)
        message = "A number or text in the request is larger than this server can store."
        if is_api():
            return problem(400, message)
        return error_page(400, "Value out of range", message + " Go back and correct it.")

    @app.errorhandler(413)
    def _too_large(error: HTTPException) -> Any:
        limit = request.max_content_length or app.config.get("MAX_CONTENT_LENGTH") or 0
        limit_mb = limit / 1024 / 1024
        message = f"The upload is larger than the {limit_mb:.0f} MB this server accepts."
        if is_api():
            return problem(413, message)
        return error_page(413, "Upload too large", message + " Split the file or ask an "
                           "admin to raise the limit.")

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if is_api():
            return problem(error.code or 500, error.description or error.name)
        return error_page(error.code or 500, error.name, error.description or "")
