"""Coaching forms: paperwork, signatures, engagements, evaluation relationships.

Ranges and required fields are checked by the services (the CLI and API will use them too);
the forms only turn text into numbers and dates, with messages a person can act on.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional

from coachprog import validation
from coachprog.validation import parse_int as optional_int


class NumberField(FloatField):
    """A decimal number; a comma works as the decimal mark and a trailing % is ignored."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip().removesuffix("%").strip().replace(",", ".")
        if not text:
            self.data = None
            return
        try:
            self.data = float(text)
        except ValueError:
            self.data = None
            raise ValueError("Enter a number, e.g. 15 or 12.5.") from None


class WholeNumberField(validation.WholeNumberField):
    not_a_number = "Enter a whole number, e.g. 8."


class PlainDateField(DateField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter the date as YYYY-MM-DD, e.g. 2025-03-01.") from None


class PaperworkForm(FlaskForm):
    protected_percent = NumberField(
        "Protected coaching time (% of working time)", validators=[Optional()],
        description="Between 10 % and 20 %. Leave empty until it is agreed with the manager. "
        "Changing it after signing clears both signatures.")
    weekly_hours = NumberField(
        "The coach's weekly working hours", validators=[Optional()], default=40.0,
        description="1 to 60. Capacity = protected percentage × weekly hours. Changing it "
        "after signing clears both signatures.")
    consent_template_version = SelectField(
        "Coachee confidentiality and data-use consent template", validate_choice=False,
        description="The consent text the coach asks each coachee to agree to.")
    role_scope = TextAreaField(
        "Role profile: scope",
        description="What this coach takes on (and does not): e.g. leadership transitions for "
        "first-line managers; no therapy, no performance cases.")
    escalation_paths = TextAreaField(
        "Role profile: escalation paths",
        description="Whom the coach turns to, and when: safeguarding, wellbeing, ethics, "
        "conflicts of interest.")
    supervision_arrangement = TextAreaField(
        "Role profile: supervision arrangement",
        description="Who supervises the coach, how often, and how sessions are reviewed.")
    submit = SubmitField("Save paperwork")


class CoachSignForm(FlaskForm):
    accept_clause = BooleanField(
        "I accept the non-evaluator clause: I will never evaluate the people I coach.")
    submit = SubmitField("Sign the agreement as the coach")


class ManagerSignForm(FlaskForm):
    submit = SubmitField("Sign the agreement as the coach's manager")


class EngagementCreateForm(FlaskForm):
    coach_person_id = SelectField("Coach", coerce=optional_int, validate_choice=False,
                                  description="Appointed coaches, with their paperwork status "
                                  "and the protected hours still free each week.")
    coachee_employee_id = StringField(
        "Coachee's employee id",
        description="As in the people directory, e.g. E1042.")
    start_date = PlainDateField("Start date", validators=[Optional()])
    goals = TextAreaField("Goals",
                          description="What the coachee wants to work on, in their words.")
    kpi_name = StringField(
        "Linked leader KPI (optional)",
        description="The leadership measure this coaching should move, e.g. team engagement "
        "score. Leave empty if none is agreed yet.")
    session_cap = WholeNumberField("Session cap", validators=[Optional()], default=8,
                                   description="The most sessions this engagement may use "
                                   "(1 to 50).")
    hours_per_week = NumberField(
        "Expected hours a week", validators=[Optional()], default=1.0,
        description="0.25 to 8. Counted against the coach's protected time; 1 hour is a "
        "session every fortnight with preparation, notes and supervision.")
    submit = SubmitField("Match coach and coachee")


class EngagementEndForm(FlaskForm):
    submit = SubmitField("End engagement")


class EvaluationAddForm(FlaskForm):
    direction = SelectField("Relationship", validate_choice=False)
    other_employee_id = StringField("Other person's employee id",
                                    description="As in the people directory, e.g. E1042.")
    note = StringField("Note (optional)",
                       description="E.g. matrix manager on project X, until 2026.")
    submit = SubmitField("Record relationship")


class EvaluationRemoveForm(FlaskForm):
    submit = SubmitField("Remove")
