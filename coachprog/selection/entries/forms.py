"""Forms of entering a sprint: application, nomination, the invitation's answer."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length

from coachprog.selection.candidates import domain as candidate_domain
from coachprog.selection.entries import domain as entry_domain


class ApplicationForm(FlaskForm):
    text = TextAreaField(
        "Your application", render_kw={"rows": 18},
        description=f"One page, {entry_domain.MIN_APPLICATION_WORDS}–"
                    f"{entry_domain.MAX_APPLICATION_WORDS} "
        f"words: why you want to coach, and two examples of conversations where you helped "
        f"someone find their own answer.")
    submit = SubmitField("Send application")


class NominationForm(FlaskForm):
    nominee_employee_id = SelectField("Person you nominate", coerce=str, validate_choice=False,
                                      description="People who report to you, directly or "
                                      "through your managers.")
    why = TextAreaField("Why you nominate them",
                        validators=[Length(max=entry_domain.MAX_WHY_LENGTH)],
                        render_kw={"rows": 6},
                        description="What you have seen them do; the nominee reads this in "
                        "their invitation.")
    submit = SubmitField("Nominate and invite")


class InvitationResponseForm(FlaskForm):
    reason = TextAreaField("If you decline, a reason (optional)",
                           validators=[Length(max=candidate_domain.MAX_REASON_LENGTH)],
                           description="Only the L&D team reads it.")
    accept = SubmitField("Accept and become a candidate")
    decline = SubmitField("Decline")
