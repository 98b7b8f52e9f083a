"""Forms of supervised practice: logging and verifying hours, a practice review."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import NumberInput

from coachprog.selection.sprints.forms import DayField, WholeNumberField
from coachprog.selection.sprints.services import MAX_NOTES


class HoursLogForm(FlaskForm):
    session_date = DayField("Date of the session", validators=[Optional()])
    minutes = WholeNumberField("Length in minutes", validators=[Optional()],
                               widget=NumberInput(min=1, max=480),
                               description="Coached time only, e.g. 60 for one hour.")
    note = StringField("Note (optional)", validators=[Length(max=500)],
                       description="e.g. “third session with a new team lead”. No coaching "
                       "content: supervisors read this.")
    origin = HiddenField()
    submit = SubmitField("Log hours")


class VerifyHoursForm(FlaskForm):
    submit = SubmitField("Verify")


class PracticeReviewForm(FlaskForm):
    title = StringField("Session reviewed", validators=[Length(max=200)],
                        description="e.g. “Session 3, 12 March: goal setting”.")
    notes = TextAreaField("Review notes", validators=[Length(max=MAX_NOTES)],
                          description="What you observed and what to develop.")
    link = StringField("Link (optional)", validators=[Length(max=500)],
                       description="Where the recording or evidence lives (http:// or "
                       "https://).")
    submit = SubmitField("Record review")
