"""Forms of the supervision pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class FeedbackForm(FlaskForm):
    body = TextAreaField(
        "Written feedback", validators=[DataRequired("Write the feedback."),
                                        Length(min=10, max=20000)],
        description="The trainee reads this (markdown is shown as plain text). Admins and "
                    "sponsors do not.")
    submit = SubmitField("Save feedback")


class OneOnOneForm(FlaskForm):
    held_on = DateField("Date held", validators=[DataRequired("Give the date of the 1:1.")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20000)],
                          description="Private to you and the trainee.")
    assessment_id = HiddenField()
    submit = SubmitField("Record 1:1")


class QueueReviewForm(FlaskForm):
    """Verify or query a ledger entry straight from the queue (the two buttons carry the
    decision; the ledger service checks it and requires the comment for a query)."""

    decision = HiddenField()
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=2000)],
                            description="Required when you query the entry.")


class GateDecisionForm(FlaskForm):
    outcome = RadioField("Decision", choices=[], validators=[DataRequired("Choose a decision.")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Record decision")
