"""Forms of a person's data pages: asking for an erasure, and deciding on one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class ErasureRequestForm(FlaskForm):
    employee_id = StringField(
        "Employee id", validators=[DataRequired("Give the employee id of the person to erase."),
                                   Length(max=64)],
        description="As the HRIS knows them; it is shown on their directory page.")
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Give the reason for the erasure."),
                              Length(min=10, max=1000,
                                     message="Give the reason in 10 to 1,000 characters.")],
        description="Kept with the request (e.g. the person's request and its date). "
                    "Their name in it is replaced by the pseudonym when the erasure is done.")
    submit = SubmitField("Ask for the erasure")


class ErasureApproveForm(FlaskForm):
    confirm = BooleanField(
        "I have checked who this is and the reason, and approve the erasure",
        validators=[DataRequired("Tick the box to confirm you checked the request.")])
    submit = SubmitField("Approve and erase")


class ErasureCancelForm(FlaskForm):
    submit = SubmitField("Cancel the request")
