"""The error summary every refused form shows at the top of the page (the GOV.UK design
system's pattern): one `role="alert"` box naming each problem, each linking to its field.

Policy ("refusals in words"): a refused submission is never a silent re-render. Rather than
each template remembering to list its errors, `base.html` asks `form_problems()` for every
form in the template's context that carries errors, so a new form gets its summary for free.
Refusals that belong to no field (a service's `DomainError` flashed as an error) are shown in
the same box, and so are the problems of a page's own fields that are not a form's (a rubric's
behaviours on the scoring page), handed to the template as a list of `Problem`s."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask
from jinja2 import pass_context
from jinja2.runtime import Context
from wtforms import Field, Form
from wtforms.fields import FieldList, FormField

CSRF_PROBLEM = ("This form had expired or came from another page. Nothing was saved: "
                "fill it in again and send it.")


@dataclass(frozen=True)
class Problem:
    message: str
    field_id: str | None = None  # the anchor of the field to fix, when there is one


def _field_problems(field: Field) -> Iterator[Problem]:
    if isinstance(field, FormField):
        for sub in field:
            yield from _field_problems(sub)
        return
    if isinstance(field, FieldList):
        for entry in field:
            yield from _field_problems(entry)
        return
    if not field.errors:
        return
    if field.short_name == "csrf_token":
        yield Problem(CSRF_PROBLEM)
        return
    label = field.label.text.rstrip(" :*") if field.label else field.short_name
    for error in field.errors:
        text = error if isinstance(error, str) else "; ".join(map(str, error))
        # Messages that already name their field are not prefixed twice.
        yield Problem(text if label.lower() in text.lower() else f"{label}: {text}", field.id)


def problems_of(form: Form) -> list[Problem]:
    problems: list[Problem] = []
    for field in form:
        problems.extend(_field_problems(field))
    problems.extend(Problem(str(error)) for error in getattr(form, "form_errors", []) or [])
    return problems


def _forms_in(value: Any) -> Iterator[Form]:
    if isinstance(value, Form):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            if isinstance(item, Form):
                yield item
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, Form):
                yield item


def _problems_in(value: Any) -> Iterator[Problem]:
    if isinstance(value, list | tuple):
        yield from (item for item in value if isinstance(item, Problem))


@pass_context
def form_problems(context: Context) -> list[Problem]:
    """Every problem of every form on the page, in the order the forms were handed over, then
    the page's own (lists of `Problem`); the same form reachable under two names is listed
    once."""
    seen: set[int] = set()
    problems: list[Problem] = []
    own: list[Problem] = []
    for value in context.get_all().values():
        own.extend(_problems_in(value))
        for form in _forms_in(value):
            if id(form) in seen:
                continue
            seen.add(id(form))
            problems.extend(problems_of(form))
    unique: list[Problem] = []
    for problem in [*problems, *own]:
        if problem not in unique:
            unique.append(problem)
    return unique


def init_app(app: Flask) -> None:
    app.jinja_env.globals["form_problems"] = form_problems
