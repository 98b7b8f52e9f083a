"""Forms of the policy pages: acknowledging, opting out, recording an opt-out for someone."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length

from coachprog.policy.domain import OPT_OUT_LABELS, OptOutKind

KIND_CHOICES = [SelectChoice(kind.value, OPT_OUT_LABELS[kind]) for kind in OptOutKind]


class PolicyAcknowledgeForm(FlaskForm):
    submit = SubmitField("I have read both and acknowledge them")


class OptOutChangeForm(FlaskForm):
    """One button per kind on the person's own page: opt out, or opt back in."""

    kind = HiddenField("What", validators=[DataRequired(message="Choose what to opt out of."),
                                           AnyOf([k.value for k in OptOutKind],
                                                 message="Choose recording, analytics or the "
                                                         "program.")])
    opted_out = HiddenField("Opt out or back in",
                            validators=[AnyOf(["yes", "no"], message="Choose opt out or opt "
                                                                     "back in.")])
    submit = SubmitField("Change")


class OptOutOnBehalfForm(FlaskForm):
    employee_id = StringField("Employee id", validators=[
        DataRequired(message="Give the person's employee id."), Length(max=64)])
    kind = SelectField("Opt-out", choices=KIND_CHOICES,
                       validators=[DataRequired(message="Choose what to opt out of.")])
    opted_out = RadioField("Change", choices=[SelectChoice("yes", "Opt out"),
                                    SelectChoice("no", "Opt back in")],
                           default="yes",
                           validators=[DataRequired(message="Choose opt out or opt back in.")])
    reason = TextAreaField("Reason", validators=[
        DataRequired(message="Say why you record this on their behalf."), Length(max=500)],
        description="E.g. asked by e-mail on 2026-12-01. Kept in the audit log.")
    submit = SubmitField("Record")
