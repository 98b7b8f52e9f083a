"""Sprint forms. The services check every rule and say what is wrong in their own words
(next to the field, through `web.apply_domain_error`); the forms only carry the CSRF token and
turn posted text into numbers and dates."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import NumberInput

from coachprog import validation
from coachprog.selection import domain
from coachprog.selection.sprints.services import MAX_NAME, MAX_NOTES


class WholeNumberField(validation.WholeNumberField):
    """A number field whose refusal reads like the rest of the page."""

    not_a_number = "Give a whole number."


class DayField(DateField):
    """A date input (the browser's date picker) with a plain-words refusal."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Give the date as year-month-day, e.g. 2026-03-02.") from None


def stage_field_name(stage: domain.SprintStage) -> str:
    """The form field (and the service's field-error key) of one calendar stage's length."""
    return f"days_{stage.value}"


class SprintForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=MAX_NAME)],
                       description="e.g. “Spring 2026 coach selection”.")
    capacity = WholeNumberField("Capacity (seats)", validators=[Optional()],
                                widget=NumberInput(min=1),
                                description="How many coaches this sprint may appoint.")
    start_date = DayField("Start date", validators=[Optional()],
                          description="The first day of nominations and applications; the "
                          "calendar below is laid out from it.")
    eligibility_notes = TextAreaField(
        "Eligibility notes", validators=[Length(max=MAX_NOTES)],
        description="Who may enter (e.g. “12 months in role, manager's support”); shown to "
        "applicants and nominees.")
    submit = SubmitField("Save sprint")

    def stage_fields(self) -> list[Any]:
        return [getattr(self, stage_field_name(d.stage)) for d in domain.STAGE_DEFAULTS]

    def stage_days(self) -> dict[str, int | None]:
        return {d.stage.value: getattr(self, stage_field_name(d.stage)).data
                for d in domain.STAGE_DEFAULTS}


# One length field per calendar stage, labelled and explained from the blueprint's defaults so
# an admin sees what each stage asks for before changing it.
for _default in domain.STAGE_DEFAULTS:
    setattr(SprintForm, stage_field_name(_default.stage), WholeNumberField(
        f"{_default.label} (days)", validators=[Optional()], default=_default.days,
        widget=NumberInput(min=_default.min_days, max=_default.max_days),
        description=f"Blueprint: {_default.effort}. Default {_default.days} days; allowed "
                    f"{_default.min_days}–{_default.max_days} days."))


class CloseSprintForm(FlaskForm):
    submit = SubmitField("Close sprint")
