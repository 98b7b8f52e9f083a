"""The JSON API under /api/v1: bearer tokens, OpenAPI generated from the code by APIFlask,
problem details for every error. It calls the same services as the pages."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from apiflask import APIBlueprint, HTTPTokenAuth, Schema
from apiflask.exceptions import HTTPError
from flask import Flask, request
from werkzeug.exceptions import HTTPException

from coachprog.auth.models import User
from coachprog.auth.services import user_for_api_token
from coachprog.errors import DomainError
from coachprog.extensions import csrf, db
from coachprog.problems import problem
from coachprog.validation import DB_ID_MAX
from coachprog.web import error_page, no_store

PROBLEM_MEDIA_TYPE = "application/problem+json"
# RFC 9457 problem details as `problems.problem` writes them; documented for every error.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Problems by field path, e.g. `people.3.email`.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail"],
}

bp = no_store(APIBlueprint("api", __name__, url_prefix="/api/v1"))
# Bearer tokens, not cookies, authenticate the API, so cross-site request forgery cannot apply.
csrf.exempt(bp)

token_auth = HTTPTokenAuth(
    scheme="Bearer",
    description="A personal access token, created under Account → API tokens or with "
    "`flask --app wsgi users create-token EMAIL`.",
)


@token_auth.verify_token
def _verify_token(token: str) -> User | None:
    user = user_for_api_token(token) if token else None
    if user is not None and db.session.dirty:
        # The service stamps `last_used_at` (at most once a minute); a GET never commits, so
        # recording the use is its own small unit of work, done before the request's own.
        db.session.commit()
    return user


def current_api_user() -> User:
    """The account behind the request's bearer token (`operation` guarantees one)."""
    user: User | None = token_auth.current_user
    if user is None:  # pragma: no cover - only reachable without @auth_required
        raise RuntimeError("current_api_user() needs an @operation (bearer token)")
    return user


View = TypeVar("View", bound=Callable[..., Any])


def operation(method: str, rule: str, *, out: type[Schema] | None = None, status: int = 200,
              query: type[Schema] | None = None, body: type[Schema] | None = None,
              body_location: str = "json", **doc: Any) -> Callable[[View], View]:
    """Declare one operation of the API: every one needs a bearer token; the view receives
    the validated query string as `query` or the request body as `body`; `out` shapes (and
    documents) the answer given with `status`; `doc` is the OpenAPI summary, tags,
    description and documented refusals (`responses`)."""

    def declare(view: View) -> View:
        declared = bp.doc(**doc)(view)
        if out is not None:
            declared = bp.output(out, status_code=status)(declared)
        if body is not None:
            declared = bp.input(body, location=body_location, arg_name="body")(declared)
        if query is not None:
            declared = bp.input(query, location="query", arg_name="query")(declared)
        declared = bp.auth_required(token_auth)(declared)
        bp.route(rule, methods=[method])(declared)
        return declared

    return declare


@token_auth.error_processor
def _auth_error(error: HTTPError) -> Any:
    return problem(error.status_code, "A valid bearer token is required.",
                   headers={"WWW-Authenticate": 'Bearer realm="coachprog"'})


def _field_errors(detail: Any) -> dict[str, list[str]]:
    """Flatten APIFlask's {location: {field: [messages]}} into {"field.path": [messages]}."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            flat.setdefault(prefix, []).extend(str(v) for v in value)
        else:
            flat.setdefault(prefix, []).append(str(value))

    if isinstance(detail, dict):
        for location_errors in detail.values():
            walk("", location_errors)
    return flat


@bp.errorhandler(HTTPException)
def _http_exception(error: HTTPException) -> Any:
    return problem(error.code or 500, error.description or error.name)


@bp.errorhandler(DomainError)
def _refused(error: DomainError) -> Any:
    """A service refused (a 422 with its reasons by field); nothing of the request is kept.
    Endpoints that word a refusal otherwise (bulk imports, the ledger, 409s) catch it first."""
    db.session.rollback()
    return problem(422, error.message, errors=dict(error.field_errors) or None)


def _problem_response(status: int) -> dict[str, Any]:
    return {"description": _STATUS_MEANING.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/HTTPError"}}}}


# The refusals every operation can give, whatever its own code does (issue 19: the document
# is the contract, checked by schemathesis in `make test`).
_STATUS_MEANING = {
    400: "Malformed request: a body that is not JSON, a NUL character, or a number or text "
         "larger than the database holds.",
    404: "No such object (or an id beyond what the database holds).",
    413: "The request body is larger than the server accepts.",
}


def _document_common_refusals(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    wanted = [400]
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        wanted.append(404)
    if "requestBody" in operation:
        wanted.append(413)
    for status in wanted:
        responses.setdefault(str(status), _problem_response(status))


def _errors_as_problems(spec: dict[str, Any]) -> dict[str, Any]:
    """APIFlask documents error responses as application/json; ours are problem+json."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            _document_common_refusals(operation)
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status).startswith(("4", "5")) and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
            for parameter in operation.get("parameters", []):
                # `<int:…>` stops at the largest BIGINT (coachprog.validation); say so.
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.update(minimum=0, maximum=DB_ID_MAX)
    return spec


def _page_message(status: int) -> str:
    if status == 404:
        return "There is nothing here, or it has been removed."
    if status == 405:
        return "This address does not take that kind of request; use the page's own links."
    if status >= 500:
        return "Something went wrong on our side; the team has the details. Try again later."
    return "The request could not be handled."


def init_app(app: Flask) -> None:
    app.config["HTTP_ERROR_SCHEMA"] = PROBLEM_SCHEMA
    app.config["VALIDATION_ERROR_SCHEMA"] = PROBLEM_SCHEMA
    app.spec_processor(_errors_as_problems)  # type: ignore[attr-defined]

    @app.error_processor  # type: ignore[attr-defined]
    def _api_error(error: HTTPError) -> Any:
        # APIFlask routes every HTTP error here, pages included: pages keep HTML error pages.
        if not request.path.startswith("/api/"):
            status = error.status_code
            return error_page(status, HTTPStatus(status).phrase, _page_message(status))
        detail = error.message or "Error"
        if error.status_code == 422:
            detail = "The request body or query has invalid values."
        return problem(error.status_code, detail, errors=_field_errors(error.detail),
                       headers={k: str(v) for k, v in dict(error.headers or {}).items()})


# Route modules register on bp when imported.
from coachprog.api import (  # noqa: E402, F401
    assessments,
    audits,
    certification,
    me,
    people,
    practicum,
    program,
    recordings,
    rubrics,
    selection,
)
