"""Forms of the moves on a candidate and their stage assessments."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length

from coachprog.selection.candidates import domain


class AdvanceForm(FlaskForm):
    target = HiddenField()
    submit = SubmitField("Move")


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the rejection", id="reject-reason",
        validators=[Length(max=domain.MAX_REASON_LENGTH)],
        description="Recorded and audited for L&D and the panel; the candidate is told in "
        "neutral words and never sees this text.")
    submit = SubmitField("Reject")


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Reason for withdrawing", id="withdraw-reason",
        validators=[Length(max=domain.MAX_REASON_LENGTH)],
        description="A sentence is enough (e.g. “a new role takes my time”).")
    origin = HiddenField()
    submit = SubmitField("Withdraw")


class StageAssessmentForm(FlaskForm):
    purpose = SelectField("Assessment", coerce=str, validate_choice=False)
    submit = SubmitField("Create assessment")
