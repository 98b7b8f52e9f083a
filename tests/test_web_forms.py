"""The one way a page carries out a form (`web.carry_out`, and `web.attempt` for a page that
shows a refused form again) and loads a row (`db.get_or_404`)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, get_flashed_messages, render_template_string
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from coachprog.authority import SystemActor
from coachprog.db import get_or_404
from coachprog.error_summary import Problem
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.web import Refusal, attempt, carry_out, rerender_status
from tests.factories import PersonFactory


class NameForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])


def _post(app: Flask, data: dict[str, str]) -> Any:
    return app.test_request_context("/x", method="POST", data=data)


def _form() -> NameForm:
    return NameForm(meta={"csrf": False})


def test_success_commits_flashes_and_redirects(app: Flask) -> None:
    person = PersonFactory()
    db.session.commit()
    with _post(app, {"name": "Ada"}):
        form = _form()

        def rename() -> Person:
            person.name = form.name.data or ""
            return person

        response = carry_out(form, rename, done=lambda p: f"/people/{p.id}",
                             success=lambda p: f"{p.name} renamed.")
        assert response is not None and response.status_code == 302
        assert response.location == f"/people/{person.id}"
        assert get_flashed_messages(with_categories=True) == [("success", "Ada renamed.")]
    db.session.expire_all()
    assert db.session.get(Person, person.id).name == "Ada"


def test_invalid_form_asks_for_a_rerender_without_calling_the_service(app: Flask) -> None:
    called: list[bool] = []
    with _post(app, {"name": ""}):
        form = _form()
        assert carry_out(form, lambda: called.append(True), done="/") is None
        assert rerender_status() == 400
        assert form.name.errors
    assert not called


def test_refusal_rolls_back_and_puts_field_errors_on_their_fields(app: Flask) -> None:
    person = PersonFactory(name="Before")
    db.session.commit()
    with _post(app, {"name": "After"}):
        form = _form()

        def refuse() -> None:
            person.name = "After"
            raise DomainError("Refused.", field_errors={"name": ["Taken already."]})

        assert carry_out(form, refuse, done="/") is None
        assert form.name.errors == ["Taken already."]
        # The field carries the problem: the summary lists it once, not twice.
        assert get_flashed_messages() == []
    assert db.session.get(Person, person.id).name == "Before"


def test_refusal_without_a_field_is_flashed_and_a_button_form_goes_back(app: Flask) -> None:
    def refuse() -> None:
        raise DomainError("The sprint is closed.")

    with _post(app, {"name": "x"}):
        response = carry_out(None, refuse, done="/", refused="/sprints/1")
        assert response is not None and response.location == "/sprints/1"
        assert get_flashed_messages(with_categories=True) == [("error", "The sprint is closed.")]
    with _post(app, {"name": "x"}):
        assert carry_out(_form(), refuse, done="/") is None
        assert get_flashed_messages() == ["The sprint is closed."]


def test_get_renders_with_200(app: Flask) -> None:
    with app.test_request_context("/x"):
        assert carry_out(_form(), lambda: None, done="/") is None
        assert rerender_status() == 200


def test_attempt_hands_back_the_refusal_so_the_page_can_show_the_posted_data(
        app: Flask) -> None:
    person = PersonFactory(name="Before")
    db.session.commit()
    with _post(app, {"name": "After"}):
        form = _form()

        def refuse() -> None:
            person.name = "After"
            raise DomainError("2 problems.", field_errors={"name": ["Taken already."],
                                                           "rapport": ["Give a mark."]})

        outcome = attempt(form, refuse, done="/")
        assert outcome == Refusal("2 problems.", {"name": ["Taken already."],
                                                  "rapport": ["Give a mark."]})
        assert rerender_status() == 400
        assert form.name.errors == ["Taken already."]
        # A field of the form carries a problem: the summary lists it there, not twice.
        assert get_flashed_messages() == []
        assert form.data["name"] == "After"  # what was posted is still there to show
    assert db.session.get(Person, person.id).name == "Before"


def test_attempt_tells_an_invalid_form_from_a_refused_one(app: Flask) -> None:
    called: list[bool] = []
    with _post(app, {"name": ""}):
        assert attempt(_form(), lambda: called.append(True), done="/") is None
    assert not called
    with _post(app, {"name": "x"}):
        outcome = attempt(_form(), _refuse_as_a_whole, done="/")
        assert isinstance(outcome, Refusal) and outcome.field_errors == {}
        assert get_flashed_messages(with_categories=True) == [("error", "Already reviewed.")]


def _refuse_as_a_whole() -> None:
    raise DomainError("Already reviewed.")


def test_attempt_names_the_refusal_beside_its_fields_when_asked(app: Flask) -> None:
    def refuse() -> None:
        raise DomainError("The consent was not recorded.", field_errors={"name": ["Choose."]})

    with _post(app, {"name": "x"}):
        form = _form()
        assert isinstance(attempt(form, refuse, done="/", name_refusal=True), Refusal)
        assert form.name.errors == ["Choose."]
        assert get_flashed_messages() == ["The consent was not recorded."]


def test_attempt_commits_flashes_what_was_done_and_redirects(app: Flask) -> None:
    person = PersonFactory()
    db.session.commit()
    with _post(app, {"name": "Ada"}):
        form = _form()

        def rename() -> Person:
            person.name = form.name.data or ""
            return person

        outcome = attempt(form, rename, done=lambda p: f"/people/{p.id}",
                          success=lambda p: f"{p.name} renamed.")
        assert not isinstance(outcome, Refusal) and outcome is not None
        assert (outcome.status_code, outcome.location) == (302, f"/people/{person.id}")
        assert get_flashed_messages() == ["Ada renamed."]
    db.session.expire_all()
    assert db.session.get(Person, person.id).name == "Ada"


def test_a_refusals_problems_on_the_pages_own_fields_join_the_error_summary(
        app: Flask) -> None:
    refusal = Refusal("2 behaviour(s) need attention.",
                      {"silence": ["Choose present or absent."], "name": ["Taken."],
                       "gone": ["Unknown behaviour."]})
    own = {"silence": "Holds silence"}
    problems = refusal.problems(lambda key: (own[key], f"b-{key}") if key in own else None)
    assert problems == [Problem("Holds silence: Choose present or absent.", "b-silence")]
    with _post(app, {"name": ""}):
        form = _form()
        form.validate()
        listed = render_template_string(
            "{% for p in form_problems() %}{{ p.message }} #{{ p.field_id }};{% endfor %}",
            form=form, problems=problems, rows=["not a problem"])
    assert listed == ("Name: This field is required. #name;"
                      "Holds silence: Choose present or absent. #b-silence;")


def test_get_or_404_finds_refuses_and_asks_the_authority(app: Flask) -> None:
    person = PersonFactory()
    db.session.commit()
    with app.app_context():
        assert get_or_404(Person, person.id, what="person").id == person.id
        with pytest.raises(NotFound, match="person"):
            get_or_404(Person, person.id + 1000, what="person")
        with pytest.raises(NotFound):
            get_or_404(Person, None, what="person")
        assert get_or_404(Person, person.id, what="person", actor=SystemActor(),
                          rule="can_view_person").id == person.id
        with pytest.raises(NotPermitted):
            get_or_404(Person, person.id, what="person", actor=None, rule="can_view_person")
