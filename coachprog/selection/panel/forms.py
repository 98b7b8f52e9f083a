"""Forms of the calibration panel: seating a member, a member's decision."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from coachprog.selection.candidates import domain as candidate_domain
from coachprog.selection.panel import domain as panel_domain


class PanelSeatForm(FlaskForm):
    user_id = SelectField("Member", coerce=str, validate_choice=False)
    # The service checks the reason (needed to replace someone; its length) in words.
    reason = StringField("Why the seat changes hands (needed when replacing someone)")
    submit = SubmitField("Seat")


class PanelDecisionForm(FlaskForm):
    verdict = RadioField("Your decision", validate_choice=False, choices=[
        SelectChoice(panel_domain.PanelVerdict.APPOINT.value, "Appoint"),
        SelectChoice(panel_domain.PanelVerdict.DO_NOT_APPOINT.value, "Do not appoint")])
    reasons = TextAreaField("Reasons", validators=[Length(max=candidate_domain.MAX_REASON_LENGTH)],
                            description="The evidence your decision rests on. Appointment "
                            "needs all three members to appoint.")
    submit = SubmitField("Record decision")
